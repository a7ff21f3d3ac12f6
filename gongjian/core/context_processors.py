from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongjian.accounts.access import Perm, actor_for

# (label, url name, permission needed or None for every signed-in user). Later apps add rows.
NAV_ITEMS = [
    (_("Home"), "home", None),
    (_("Units"), "units:browse", Perm.UNIT_VIEW),
    (_("Audit trail"), "audit-log", Perm.AUDIT_VIEW),
    (_("Administration"), "admin:index", Perm.ADMIN_SITE),
    (_("API docs"), "api-docs", None),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    actor = actor_for(user)
    path = request.path
    items = []
    for label, name, perm in NAV_ITEMS:
        if perm is not None and not actor.has_perm(perm):
            continue
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items, "actor": actor}
