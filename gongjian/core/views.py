"""Site-wide pages: the audit trail and the friendly error pages (JSON under /api/)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for
from gongjian.api.errors import is_api_request, json_error
from gongjian.core.models import AuditEvent


@login_required
def audit_log(request):
    actor = actor_for(request.user)
    if not actor.has_perm(Perm.AUDIT_VIEW):
        return error_403(request)
    events = AuditEvent.objects.select_related("actor").order_by("-at", "-id")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page})


def error_400(request, exception=None):
    if is_api_request(request):
        return json_error(400, _("The request is malformed."))
    return render(request, "errors/400.html", status=400)


def error_403(request, exception=None):
    if is_api_request(request):
        return json_error(403, _("You do not have permission to do this."))
    return render(request, "errors/403.html", status=403)


def error_404(request, exception=None):
    if is_api_request(request):
        return json_error(404, _("Not found."))
    return render(request, "errors/404.html", status=404)


def error_500(request):
    if is_api_request(request):
        return json_error(500, _("Something went wrong on our side. Please try again later."))
    # No context processors: the database may be what failed.

    return HttpResponseServerError(loader.get_template("errors/500.html").render({"request": request}))
