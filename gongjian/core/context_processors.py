import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from gongjian.accounts.access import Actor, Perm, actor_for
from gongjian.accounts.choices import Role


def leads(actor: Actor) -> bool:
    """The overview is for the city office, city leaders and street officers."""
    from gongjian.dashboard.figures import may_see_overview

    return may_see_overview(actor)


def volunteers(actor: Actor) -> bool:
    return actor.has_role(Role.VOLUNTEER)


def approves_activity_plans(actor: Actor) -> bool:
    """Activity plans (方案) are approved by the level above the community: whoever manages
    activities at a street or the city gets the list of plans awaiting them."""
    from gongjian.accounts.access import ROLE_PERMS
    from gongjian.organizations.choices import UnitLevel

    if actor.is_superuser:
        return True
    return any(
        Perm.ACTIVITY_MANAGE in ROLE_PERMS.get(g.role, ())
        and g.unit_level in (UnitLevel.STREET, UnitLevel.CITY, UnitLevel.DISTRICT)
        for g in actor.grants
    )


def uses_api(actor: Actor) -> bool:
    """The API serves the case files and what hangs on them: whoever may read problems may use it
    (and its docs, and API tokens); a volunteer or someone without a role has nothing to fetch."""
    return actor.has_perm(Perm.PROBLEM_VIEW)


def reads_creation(actor: Actor) -> bool:
    """创建达标 is read by the roles with the permission and by a co-construction unit's liaison."""
    from gongjian.creation.selectors import may_read

    return may_read(actor)


# (menu, label, url name, what is needed: a permission, a test of the actor, or None for every
# signed-in user). Items of the same menu become one dropdown where the menu first appears; menu
# None is a top-level link.
INSPECTIONS, PARTICIPATION, SYSTEM = _("Inspections"), _("Participation"), _("System")
ARCHIVES = _("Archives")
PLANS = _("Plans")
NAV_ITEMS = [
    (None, _("Home"), "home", None),
    (None, _("Overview"), "dashboard:overview", leads),
    (INSPECTIONS, _("Work queue"), "problems:queue", Perm.PROBLEM_VIEW),
    (INSPECTIONS, _("Report a problem"), "problems:report", Perm.PROBLEM_REPORT),
    (INSPECTIONS, _("Problems"), "problems:list", Perm.PROBLEM_VIEW),
    (INSPECTIONS, _("Map"), "problems:map", Perm.PROBLEM_VIEW),
    (INSPECTIONS, _("Inspection rounds"), "problems:rounds", Perm.PROBLEM_VIEW),
    (INSPECTIONS, _("Statistics"), "problems:stats", Perm.PROBLEM_VIEW),
    (INSPECTIONS, _("Residents' reports"), "residents:queue", Perm.RESIDENT_MODERATE),
    (None, _("Assessment"), "assessments:months", Perm.ASSESSMENT_VIEW),
    (PARTICIPATION, _("Activities"), "participation:activities", Perm.PARTICIPATION_VIEW),
    (PARTICIPATION, _("Activity plans awaiting approval"), "participation:plans-awaiting", approves_activity_plans),
    (PARTICIPATION, _("Volunteers"), "participation:volunteers", Perm.VOLUNTEER_VIEW),
    (PARTICIPATION, _("Co-construction"), "participation:pairings", Perm.PARTICIPATION_VIEW),
    (PARTICIPATION, _("My volunteer service"), "participation:me", volunteers),
    (PARTICIPATION, _("Selections"), "selections:office", Perm.SELECTION_MANAGE),
    (PARTICIPATION, _("Nominations"), "selections:index", Perm.SELECTION_NOMINATE),
    (PARTICIPATION, _("Satisfaction surveys"), "surveys:list", Perm.SURVEY_VIEW),
    (ARCHIVES, _("Archive"), "archives:index", Perm.ARCHIVE_VIEW),
    (ARCHIVES, _("Meetings"), "archives:meetings", Perm.ARCHIVE_VIEW),
    (ARCHIVES, _("Mechanisms"), "archives:mechanisms-index", Perm.ARCHIVE_VIEW),
    (ARCHIVES, _("Completeness ranking"), "archives:ranking", Perm.ARCHIVE_VIEW),
    (ARCHIVES, _("Templates"), "archives:templates", Perm.TEMPLATE_MANAGE),
    (PLANS, _("Work plans"), "plans:index", Perm.PLAN_VIEW),
    (PLANS, _("My plan tasks"), "plans:mine", Perm.PLAN_VIEW),
    (PLANS, _("Notices"), "notices:index", Perm.NOTICE_VIEW),
    (PLANS, _("Materials"), "materials:index", Perm.NOTICE_VIEW),
    (PLANS, _("Propaganda positions"), "materials:positions", Perm.ARCHIVE_VIEW),
    (PLANS, _("Campaigns"), "campaigns:index", Perm.PROBLEM_VIEW),
    (PLANS, _("Co-construction funds"), "funds:index", Perm.FUND_VIEW),
    (PLANS, _("Creation status"), "creation:index", reads_creation),
    (PLANS, _("Environment competitions"), "competitions:index", Perm.ASSESSMENT_VIEW),
    (None, _("Units"), "units:browse", Perm.UNIT_VIEW),
    (SYSTEM, _("Audit trail"), "audit-log", Perm.AUDIT_VIEW),
    (SYSTEM, _("Category suggestions"), "suggestions:index", Perm.CATEGORY_MANAGE),
    (SYSTEM, _("Open311 keys"), "residents:keys", Perm.OPEN311_MANAGE),
    (SYSTEM, _("Public board settings"), "boards:settings", Perm.BOARD_MANAGE),
    (SYSTEM, _("Administration"), "admin:index", Perm.ADMIN_SITE),
    (SYSTEM, _("Big screen"), "dashboard:wall", leads),
    (SYSTEM, _("API docs"), "api-docs", uses_api),
]


@functools.lru_cache(maxsize=16)
def _nav_urls(script_prefix: str, urlconf: str) -> dict[str, str]:
    """The menu's URLs, reversed once per process (and URL configuration and script prefix, which
    is all they depend on) instead of twenty times on every page."""
    return {name: reverse(name, urlconf=urlconf) for _menu, _label, name, _perm in NAV_ITEMS}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    actor = actor_for(user)
    path = request.path
    urls = _nav_urls(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    links = [
        {"menu": menu, "label": label, "url": urls[name], "active": False}
        for menu, label, name, perm in NAV_ITEMS
        if allowed(actor, perm)
    ]
    # The most specific link that contains the current page is the active one.
    matches = [link for link in links if (path == link["url"] if link["url"] == "/" else path.startswith(link["url"]))]
    if matches:
        max(matches, key=lambda link: len(link["url"]))["active"] = True
    entries, menus = [], {}
    for link in links:
        if link["menu"] is None:
            entries.append(link)
            continue
        if link["menu"] not in menus:
            menus[link["menu"]] = {"label": link["menu"], "children": [], "active": False}
            entries.append(menus[link["menu"]])
        menus[link["menu"]]["children"].append(link)
        menus[link["menu"]]["active"] |= link["active"]
    return {"nav_items": entries, "actor": actor, "nav_uses_api": uses_api(actor)}


def allowed(actor: Actor, need) -> bool:
    if need is None:
        return True
    if isinstance(need, Perm):
        return actor.has_perm(need)
    return need(actor)
