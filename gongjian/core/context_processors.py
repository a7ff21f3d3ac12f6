from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongjian.accounts.access import Perm, actor_for

# (label, url name, permission needed or None for every signed-in user). Later apps add rows.
NAV_ITEMS = [
    (_("Home"), "home", None),
    (_("Work queue"), "problems:queue", Perm.PROBLEM_VIEW),
    (_("Report a problem"), "problems:report", Perm.PROBLEM_REPORT),
    (_("Problems"), "problems:list", Perm.PROBLEM_VIEW),
    (_("Map"), "problems:map", Perm.PROBLEM_VIEW),
    (_("Inspection rounds"), "problems:rounds", Perm.PROBLEM_VIEW),
    (_("Statistics"), "problems:stats", Perm.PROBLEM_VIEW),
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
    items = [
        {"label": label, "url": reverse(name), "active": False}
        for label, name, perm in NAV_ITEMS
        if perm is None or actor.has_perm(perm)
    ]
    # The most specific item that contains the current page is the active one.
    matches = [item for item in items if (path == item["url"] if item["url"] == "/" else path.startswith(item["url"]))]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_items": items, "actor": actor}
