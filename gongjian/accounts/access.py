"""The one place that decides what an actor may see and do.

Every view, API endpoint, export and dashboard asks this module, never the models directly:

* ``actor_for(user)`` — the user's grants, loaded once per request (and kept in the process's
  memory under the user's access stamp, so later requests skip the query);
* ``actor.has_perm(perm)`` — may the actor do this kind of thing at all (role-based);
* ``restrict(queryset, actor, perm, unit_field=...)`` — only the rows inside the actor's places;
* ``get_scoped_or_404(...)`` — one object, or 404 when it is outside scope (so ids cannot be
  probed: "exists but not yours" and "does not exist" look the same).

An actor's places are the subtrees of the units they hold a role in; a co-construction liaison's
places are the communities their unit is paired with (and those communities' compounds).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.cache import caches
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import empty

from gongjian.accounts.choices import Role


class Perm(StrEnum):
    UNIT_VIEW = "unit.view"
    UNIT_CHANGE = "unit.change"
    MEMBER_VIEW = "member.view"
    AUDIT_VIEW = "audit.view"
    ADMIN_SITE = "admin.site"
    PROBLEM_VIEW = "problem.view"
    PROBLEM_REPORT = "problem.report"
    PROBLEM_RECTIFY = "problem.rectify"  # also: request a deadline extension
    PROBLEM_REVIEW = "problem.review"
    PROBLEM_VOID = "problem.void"
    PROBLEM_EXTEND = "problem.extend"  # decide on deadline extensions
    CATEGORY_MANAGE = "category.manage"
    ASSESSMENT_VIEW = "assessment.view"  # the sheets of one's own units and the published rankings
    ASSESSMENT_MANAGE = "assessment.manage"  # rule sets, computing, publishing, manual scores, adjustments
    # Participation (gongjian/participation): pairings, volunteers, activities.
    PARTICIPATION_VIEW = "participation.view"  # pairings, activities, indices, rankings
    VOLUNTEER_VIEW = "volunteer.view"  # volunteer lists, with phone and ID number masked
    VOLUNTEER_MANAGE = "volunteer.manage"  # register, review, import, sanctions
    PERSONAL_DATA_VIEW = "volunteer.personal_data"  # phone and ID number in full (each view audited)
    ACTIVITY_MANAGE = "activity.manage"  # record activities, attendance, volunteer hours, photos
    PAIRING_MANAGE = "pairing.manage"  # letters, obligations, leaders, themes of the month
    # Archives (gongjian/archives): evidence, meetings, mechanisms, binders, templates.
    ARCHIVE_VIEW = "archive.view"  # records, completeness, binders of one's own units
    ARCHIVE_MANAGE = "archive.manage"  # add and revise records, meetings, mechanisms
    TEMPLATE_MANAGE = "archive.template"  # the city's unified template (台帐资料样本)
    # Residents (gongjian/residents): the moderation queue of residents' reports; Open311 keys.
    RESIDENT_MODERATE = "resident.moderate"  # accept, merge or reject residents' reports
    OPEN311_MANAGE = "open311.manage"  # issue and revoke Open311 application keys (city office)
    # Work plans and notices (gongjian/plans, gongjian/notices)
    PLAN_VIEW = "plan.view"  # work plans of one's own units, the city's templates
    PLAN_MANAGE = "plan.manage"  # write plans and tasks, copy templates, record progress
    NOTICE_VIEW = "notice.view"  # notices received by one's units, and their receipts
    NOTICE_SEND = "notice.send"  # send notices from one's unit and follow their receipts
    NOTICE_REPLY = "notice.reply"  # acknowledge (签收) and reply (回执) for one's unit
    # Public boards (gongjian/boards)
    BOARD_MANAGE = "board.manage"  # what the city's public board shows (city office)
    # 评选 (gongjian/selections)
    SELECTION_MANAGE = "selection.manage"  # run selections, approve nominees, decide on bursts (city office)
    SELECTION_NOMINATE = "selection.nominate"  # nominate the community's own people
    # Satisfaction surveys (gongjian/surveys): the city office designs and publishes; others read results.
    SURVEY_VIEW = "survey.view"  # the results of one's own communities
    SURVEY_MANAGE = "survey.manage"  # design, publish and version questionnaires (city office)
    # Campaigns (gongjian/campaigns): declared by the city office; read with PROBLEM_VIEW
    CAMPAIGN_MANAGE = "campaign.manage"
    # Co-construction funds (gongjian/funds)
    FUND_VIEW = "fund.view"  # the fund ledgers of one's own units (a liaison: its pairings' entries)
    FUND_MANAGE = "fund.manage"  # record entries and their reversals, file the yearly statement
    # Creation status (gongjian/creation)
    CREATION_VIEW = "creation.view"  # creation targets (创建达标) of one's units; the city: its progress
    CREATION_MANAGE = "creation.manage"  # apply for a community and submit its self-assessment
    CREATION_REVIEW = "creation.review"  # the city's review, result and certificate; the year's goals
    # Environment competitions of co-construction units (gongjian/competitions); reading is
    # ASSESSMENT_VIEW, creating, computing and publishing ASSESSMENT_MANAGE at the city.
    COMPETITION_SCORE = "competition.score"  # record the units' results item by item (inspectors)


_READ = {Perm.UNIT_VIEW, Perm.PROBLEM_VIEW, Perm.ASSESSMENT_VIEW}
ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.CITY_ADMIN: frozenset(Perm),
    Role.CITY_LEADER: frozenset(_READ | {Perm.MEMBER_VIEW, Perm.AUDIT_VIEW}),
    Role.STREET_OFFICER: frozenset(
        _READ | {Perm.MEMBER_VIEW, Perm.PROBLEM_REPORT, Perm.PROBLEM_VOID, Perm.PROBLEM_EXTEND}
    ),
    Role.COMMUNITY_WORKER: frozenset(_READ | {Perm.MEMBER_VIEW, Perm.PROBLEM_RECTIFY}),
    Role.COMPOUND_MANAGER: frozenset(_READ | {Perm.PROBLEM_RECTIFY}),
    Role.INSPECTOR: frozenset(_READ | {Perm.PROBLEM_REPORT, Perm.PROBLEM_REVIEW, Perm.PROBLEM_VOID}),
    Role.COBUILD_LIAISON: frozenset(_READ),
    # A volunteer sees their community, not its case files.
    Role.VOLUNTEER: frozenset({Perm.UNIT_VIEW}),
}
# Participation, added to the roles above (a volunteer sees only their own record: not a Perm).
_PARTICIPATION_PERMS: dict[str, set[Perm]] = {
    Role.CITY_LEADER: {Perm.PARTICIPATION_VIEW, Perm.VOLUNTEER_VIEW},
    Role.STREET_OFFICER: {Perm.PARTICIPATION_VIEW, Perm.VOLUNTEER_VIEW, Perm.ACTIVITY_MANAGE, Perm.PAIRING_MANAGE},
    Role.COMMUNITY_WORKER: {
        Perm.PARTICIPATION_VIEW,
        Perm.VOLUNTEER_VIEW,
        Perm.VOLUNTEER_MANAGE,
        Perm.PERSONAL_DATA_VIEW,
        Perm.ACTIVITY_MANAGE,
    },
    Role.COMPOUND_MANAGER: {Perm.PARTICIPATION_VIEW},
    Role.INSPECTOR: {Perm.PARTICIPATION_VIEW},
    Role.COBUILD_LIAISON: {Perm.PARTICIPATION_VIEW},
}
for _role, _extra in _PARTICIPATION_PERMS.items():
    ROLE_PERMS[_role] = ROLE_PERMS[_role] | _extra
# Archives: communities keep them, streets keep theirs and check their communities', the city
# publishes the template; the inspecting roles read them.
_ARCHIVE_PERMS: dict[str, set[Perm]] = {
    Role.CITY_LEADER: {Perm.ARCHIVE_VIEW},
    Role.STREET_OFFICER: {Perm.ARCHIVE_VIEW, Perm.ARCHIVE_MANAGE},
    Role.COMMUNITY_WORKER: {Perm.ARCHIVE_VIEW, Perm.ARCHIVE_MANAGE},
    Role.INSPECTOR: {Perm.ARCHIVE_VIEW},
}
for _role, _extra in _ARCHIVE_PERMS.items():
    ROLE_PERMS[_role] = ROLE_PERMS[_role] | _extra
# Residents' reports are moderated by the city office (every Perm) and the street.
ROLE_PERMS[Role.STREET_OFFICER] = ROLE_PERMS[Role.STREET_OFFICER] | {Perm.RESIDENT_MODERATE}
# Plans and notices: the city and streets send notices; streets and communities keep plans and
# answer notices; the reading roles follow both.
_PLAN_PERMS: dict[str, set[Perm]] = {
    Role.CITY_LEADER: {Perm.PLAN_VIEW, Perm.NOTICE_VIEW},
    Role.STREET_OFFICER: {Perm.PLAN_VIEW, Perm.PLAN_MANAGE, Perm.NOTICE_VIEW, Perm.NOTICE_SEND, Perm.NOTICE_REPLY},
    Role.COMMUNITY_WORKER: {Perm.PLAN_VIEW, Perm.PLAN_MANAGE, Perm.NOTICE_VIEW, Perm.NOTICE_REPLY},
    Role.INSPECTOR: {Perm.PLAN_VIEW, Perm.NOTICE_VIEW},
}
for _role, _extra in _PLAN_PERMS.items():
    ROLE_PERMS[_role] = ROLE_PERMS[_role] | _extra
# 评选: communities nominate their own people; the city office (every Perm) runs the selection.
ROLE_PERMS[Role.COMMUNITY_WORKER] = ROLE_PERMS[Role.COMMUNITY_WORKER] | {Perm.SELECTION_NOMINATE}
# Satisfaction surveys: the city office (every Perm) designs; the city's leaders, streets and
# communities read the results of their own communities.
for _role in (Role.CITY_LEADER, Role.STREET_OFFICER, Role.COMMUNITY_WORKER):
    ROLE_PERMS[_role] = ROLE_PERMS[_role] | {Perm.SURVEY_VIEW}
# Funds: communities keep their ledger, streets keep and check theirs, the city reads all; a
# co-construction liaison reads only its own pairings' entries (gongjian/funds/selectors.py).
_FUND_PERMS: dict[str, set[Perm]] = {
    Role.CITY_LEADER: {Perm.FUND_VIEW},
    Role.STREET_OFFICER: {Perm.FUND_VIEW, Perm.FUND_MANAGE},
    Role.COMMUNITY_WORKER: {Perm.FUND_VIEW, Perm.FUND_MANAGE},
}
for _role, _extra in _FUND_PERMS.items():
    ROLE_PERMS[_role] = ROLE_PERMS[_role] | _extra
# Creation status: communities and streets apply and self-assess, the city office reviews (every
# Perm); a liaison keeps its own co-construction unit's targets (gongjian/creation/selectors.py).
_CREATION_PERMS: dict[str, set[Perm]] = {
    Role.CITY_LEADER: {Perm.CREATION_VIEW},
    Role.STREET_OFFICER: {Perm.CREATION_VIEW, Perm.CREATION_MANAGE},
    Role.COMMUNITY_WORKER: {Perm.CREATION_VIEW, Perm.CREATION_MANAGE},
    Role.INSPECTOR: {Perm.CREATION_VIEW},
}
for _role, _extra in _CREATION_PERMS.items():
    ROLE_PERMS[_role] = ROLE_PERMS[_role] | _extra
# Environment competitions: inspectors record the units' results (the city office: every Perm).
ROLE_PERMS[Role.INSPECTOR] = ROLE_PERMS[Role.INSPECTOR] | {Perm.COMPETITION_SCORE}


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int | None
    cobuild_unit_id: int | None
    unit_level: str = ""


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    is_superuser: bool = False
    grants: tuple[Grant, ...] = ()
    # Communities reached through pairings, resolved when the actor is built.
    paired_community_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def level_of(self, unit_id: int) -> str:
        """The level of one of the actor's root units ("" when unknown)."""
        if unit_id in self.paired_community_ids:
            return "community"
        return next((g.unit_level for g in self.grants if g.unit_id == unit_id), "")

    def has_perm(self, perm: Perm) -> bool:
        if self.is_superuser:
            return True
        return any(perm in ROLE_PERMS.get(g.role, ()) for g in self.grants)

    def sees_everything(self, perm: Perm) -> bool:
        return self.is_superuser

    def root_unit_ids(self, perm: Perm) -> frozenset[int]:
        """The units whose subtrees ``perm`` applies to for this actor."""
        roots: set[int] = set()
        for grant in self.grants:
            if perm not in ROLE_PERMS.get(grant.role, ()):
                continue
            if grant.role == Role.COBUILD_LIAISON:
                roots |= self.paired_community_ids
            elif grant.unit_id is not None:
                roots.add(grant.unit_id)
        return frozenset(roots)


ANONYMOUS = Actor(user_id=None)
_CACHE_ATTR = "_gongjian_actor"
# Each process keeps the actors it built under (user id, the user's access stamp, superuser flag,
# day) in this local-memory cache (settings.CACHES["access"]). The stamp is read from the database
# with the user on every request and changes with every membership, pairing or unit-level change
# (gongjian/accounts/signals.py), so a kept actor is never out of date and nothing needs to be
# shared between nodes: this saves the membership query of every request.
ACCESS_CACHE = "access"


def actor_for(user) -> Actor:
    """The actor for a user, cached on the user object for the rest of the request, and in this
    process's memory for later requests as long as the user's access stamp is the same."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    key = _memo_key(user)
    actor = caches[ACCESS_CACHE].get(key) if key else None
    if actor is None:
        actor = _build_actor(user)
        if key:
            caches[ACCESS_CACHE].set(key, actor)
    setattr(user, _CACHE_ATTR, actor)
    return actor


def _memo_key(user) -> str | None:
    # request.user is a lazy wrapper around the user; the stamp is on the user itself. Only when
    # the stamp came with the user (a user loaded with .only() would cost a query to read it).
    wrapped = getattr(user, "_wrapped", None)
    if wrapped is not None and wrapped is not empty:
        user = wrapped
    stamp = user.__dict__.get("access_stamp")
    if stamp is None:
        return None
    return f"actor:{user.pk}:{stamp}:{int(user.is_superuser)}:{timezone.localdate():%Y%m%d}"


def _build_actor(user) -> Actor:
    from gongjian.accounts.models import Membership

    grants = tuple(
        Grant(role=role, unit_id=unit_id, cobuild_unit_id=cobuild_unit_id, unit_level=level or "")
        for role, unit_id, cobuild_unit_id, level in Membership.objects.filter(user=user, is_active=True).values_list(
            "role", "unit_id", "cobuild_unit_id", "unit__level"
        )
    )
    cobuild_ids = {g.cobuild_unit_id for g in grants if g.role == Role.COBUILD_LIAISON and g.cobuild_unit_id}
    return Actor(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        grants=grants,
        paired_community_ids=_paired_communities(cobuild_ids),
    )


def forget_actor(user) -> None:
    """Drop the cached actor (after memberships change within one request, e.g. in tests); the
    user's access stamp is read again, so the next ``actor_for`` sees the change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
    wrapped = getattr(user, "_wrapped", None)
    if wrapped is not None and wrapped is not empty:
        user = wrapped
    if "access_stamp" in user.__dict__ and user.pk is not None:
        user.refresh_from_db(fields=["access_stamp"])


def _paired_communities(cobuild_unit_ids: set[int], today: datetime.date | None = None) -> frozenset[int]:
    if not cobuild_unit_ids:
        return frozenset()
    from gongjian.organizations.models import Pairing

    today = today or timezone.localdate()
    rows = Pairing.objects.filter(cobuild_unit_id__in=cobuild_unit_ids, started_on__lte=today).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    )
    return frozenset(rows.values_list("community_id", flat=True))


def restrict(queryset: QuerySet, actor: Actor, perm: Perm, *, unit_field: str = "unit") -> QuerySet:
    """Only the rows whose ``unit_field`` lies in the actor's places for ``perm``.

    ``unit_field`` is the lookup path from the queryset's model to a Unit id ("id" when the
    queryset is of units themselves, "unit" for a problem, "community" for a pairing...).
    """
    if not actor.has_perm(perm):
        return queryset.none()
    if actor.sees_everything(perm):
        return queryset
    roots = actor.root_unit_ids(perm)
    if not roots:
        return queryset.none()
    from gongjian.organizations.tree import subtree_ids_sql

    scope_columns = getattr(queryset.model, "SCOPE_COLUMNS", None) if unit_field == "unit" else None
    if scope_columns:
        return queryset.filter(_scope_by_columns(actor, roots, scope_columns))
    lookup = "id__in" if unit_field in ("id", "pk") else f"{unit_field}__in"
    return queryset.filter(**{lookup: subtree_ids_sql(roots)})


def _scope_by_columns(actor: Actor, roots: frozenset[int], columns: dict[str, str]) -> Q:
    """Scope through a model's denormalised ancestor columns (``SCOPE_COLUMNS``: level → column
    holding the row's ancestor-or-self at that level) instead of a recursive subquery: an indexed
    equality the database can combine with ordering and other filters. Roots at a level without a
    column fall back to the recursive subquery."""
    from gongjian.organizations.tree import subtree_ids_sql

    by_level: dict[str, list[int]] = {}
    for root in sorted(roots):
        by_level.setdefault(actor.level_of(root), []).append(root)
    condition = Q(pk__in=[])
    for level, ids in by_level.items():
        column = columns.get(level)
        if column:
            condition |= Q(**{f"{column}__in": ids})
        else:
            condition |= Q(unit_id__in=subtree_ids_sql(ids))
    return condition


def get_scoped_or_404(queryset: QuerySet, actor: Actor, perm: Perm, *, unit_field: str = "unit", **lookup):
    """One object inside the actor's scope, else 404 — whether it exists or not."""
    try:
        return restrict(queryset, actor, perm, unit_field=unit_field).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        # OverflowError: an id past 64 bits in the address reaches SQLite (PostgreSQL's lookups
        # answer "no such row" for it): no such object either.
        raise Http404 from None


def can_on_unit(actor: Actor, perm: Perm, unit_id: int) -> bool:
    """May the actor do ``perm`` at this unit?"""
    from gongjian.organizations.models import Unit

    return restrict(Unit.objects.filter(id=unit_id), actor, perm, unit_field="id").exists()


def perms_at_unit(actor: Actor, unit_id: int) -> frozenset[Perm]:
    """Every permission the actor holds at one unit, with one query (the unit's ancestor chain)."""
    if actor.is_anonymous:
        return frozenset()
    if actor.is_superuser:
        return frozenset(Perm)
    from gongjian.organizations.models import Unit
    from gongjian.organizations.tree import ancestor_ids_sql

    chain = set(Unit.objects.filter(id__in=ancestor_ids_sql([unit_id])).values_list("id", flat=True))
    if not chain:
        return frozenset()
    return frozenset(perm for perm in Perm if actor.has_perm(perm) and chain & actor.root_unit_ids(perm))
