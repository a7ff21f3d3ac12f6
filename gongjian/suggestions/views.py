"""The city office's page for category suggestions: the current model's figures, the earlier
trainings, and retraining as a background job (suggestions.tasks)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for
from gongjian.inspections.models import Category
from gongjian.suggestions import learning, selectors
from gongjian.suggestions.models import CategoryModel

HISTORY_ROWS = 10


def _require_office(request) -> None:
    if not actor_for(request.user).has_perm(Perm.CATEGORY_MANAGE):
        raise PermissionDenied


@login_required
def index(request):
    _require_office(request)
    current = selectors.current_model()
    names = dict(Category.objects.values_list("code", "name"))
    known = [(code, names.get(code, "")) for code in (current.categories if current else [])]
    history = CategoryModel.objects.select_related("trained_by")[:HISTORY_ROWS]
    return render(
        request,
        "suggestions/index.html",
        {
            "current": current,
            "known": known,
            "history": history,
            "thresholds": learning.Thresholds(),
            "min_score": learning.MIN_SCORE,
            "closed": len(selectors.training_history()[0]),
        },
    )


@login_required
@require_POST
def retrain(request):
    from gongjian.suggestions.tasks import train_job_request

    _require_office(request)
    job = train_job_request(user=request.user)
    return redirect("jobs:detail", pk=job.pk)
