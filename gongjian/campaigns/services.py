"""Writes of campaigns: declaring one (and tagging the problems already reported in it), tagging a
problem at report time (the hook in gongjian/inspections/services.problem_report), the closing
report kept for the archive."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.campaigns import rules
from gongjian.campaigns.models import Campaign, TargetLevel
from gongjian.core.audit import audit_record
from gongjian.core.errors import NotPermitted
from gongjian.inspections.models import Category, Problem
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit

PROBLEM_COLUMNS = ("city_id", "district_id", "street_id", "community_id", "unit_id")


def targets(campaign: Campaign) -> list[tuple[int, str]]:
    """The campaign's target units as (id, level): the chosen units, or every unit of its level."""
    if campaign.level:
        units = Unit.objects.filter(level=campaign.level, id__in=_city_subtree(campaign.city_id))
    else:
        units = campaign.units.all()
    return list(units.order_by("code", "id").values_list("id", "level"))


def _city_subtree(city_id: int):
    from gongjian.organizations.tree import subtree_ids_sql

    return subtree_ids_sql([city_id])


def _matches(campaign: Campaign, problem: Problem, category_ids: set[int], target_list) -> bool:
    found_on = timezone.localtime(problem.found_at).date()
    if problem.city_id != campaign.city_id or not campaign.starts_on <= found_on <= campaign.ends_on:
        return False
    if category_ids and problem.category_id not in category_ids:
        return False
    columns = {c: getattr(problem, c) for c in PROBLEM_COLUMNS}
    return rules.target_of(columns, target_list) is not None


def problem_tag(problem: Problem) -> list[Campaign]:
    """Tag a newly reported problem with every campaign of its city it falls in (period by the
    time found, categories, units). Called by problem_report in the same transaction."""
    found_on = timezone.localtime(problem.found_at).date()
    tagged = []
    for campaign in Campaign.objects.filter(city_id=problem.city_id, starts_on__lte=found_on, ends_on__gte=found_on):
        category_ids = set(campaign.categories.values_list("id", flat=True))
        if _matches(campaign, problem, category_ids, targets(campaign)):
            campaign.problems.add(problem)
            tagged.append(campaign)
    return tagged


def campaign_backfill(campaign: Campaign) -> int:
    """Tag the problems already reported inside the campaign (declared late, or its scope
    changed); returns how many were added. Idempotent."""
    start = timezone.make_aware(datetime.datetime.combine(campaign.starts_on, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(campaign.ends_on + datetime.timedelta(days=1), datetime.time.min)
    )
    candidates = Problem.objects.filter(city_id=campaign.city_id, found_at__gte=start, found_at__lt=end)
    category_ids = set(campaign.categories.values_list("id", flat=True))
    if category_ids:
        candidates = candidates.filter(category_id__in=category_ids)
    target_list = targets(campaign)
    already = set(campaign.problems.values_list("id", flat=True))
    new = [p for p in candidates.only("id", "found_at", "category_id", *PROBLEM_COLUMNS) if p.pk not in already]
    new = [p for p in new if _matches(campaign, p, category_ids, target_list)]
    campaign.problems.add(*new)
    return len(new)


def _clean(*, city, name, starts_on, ends_on, categories, units, level) -> None:
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = _("Give the campaign a name.")
    if starts_on is None or ends_on is None:
        errors["ends_on"] = _("Give the campaign's first and last day.")
    elif ends_on < starts_on:
        errors["ends_on"] = _("The campaign cannot end before it starts.")
    elif (ends_on - starts_on).days > 366:
        errors["ends_on"] = _("A campaign lasts a year at most.")
    if level and level not in TargetLevel.values:
        errors["level"] = _("Choose a level of units.")
    if bool(level) == bool(units):
        errors["units"] = _("Choose either some units or a level of units, not both.")
    in_city = set(Unit.objects.filter(id__in=_city_subtree(city.pk)).values_list("id", flat=True))
    if any(u.pk not in in_city or u.level == UnitLevel.CITY for u in units):
        errors["units"] = _("Choose units of your city below the city itself.")
    if any(not c.is_active for c in categories):
        errors["categories"] = _("A category no longer in use cannot be chosen.")
    if "ends_on" not in errors and "name" not in errors and _same_campaign(city, name, starts_on, ends_on).exists():
        errors["name"] = _("The city already has a campaign of this name in these days.")
    if errors:
        raise ValidationError(errors)


def _same_campaign(city, name: str, starts_on: datetime.date, ends_on: datetime.date):
    """A campaign of the city with the same name whose days overlap: the same campaign declared twice
    (a form sent twice, or two people declaring it), which would count its problems twice over."""
    return Campaign.objects.filter(city=city, name__iexact=name.strip(), starts_on__lte=ends_on, ends_on__gte=starts_on)


def lock_city(city: Unit) -> None:
    """Two declarations racing each other (PostgreSQL): the second waits on the city's row, then
    finds the first as a campaign of the same name in the same days. FOR NO KEY UPDATE: rows that
    merely point at the city (a problem reported meanwhile) take a key-share lock, which this one
    lets through, so reporting never waits on a declaration. Inside the declaration's transaction."""
    Unit.objects.select_for_update(no_key=True).filter(pk=city.pk).first()


@transaction.atomic
def campaign_declare(
    *,
    user,
    city: Unit,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    description: str = "",
    categories: list[Category] = (),
    units: list[Unit] = (),
    level: str = "",
) -> Campaign:
    """The city office declares a campaign; the problems already reported in it are tagged."""
    if city.level != UnitLevel.CITY or Perm.CAMPAIGN_MANAGE not in perms_at_unit(actor_for(user), city.pk):
        raise NotPermitted(_("Only the city office declares campaigns."))
    categories, units = list(categories), list(units)
    lock_city(city)
    _clean(city=city, name=name, starts_on=starts_on, ends_on=ends_on, categories=categories, units=units, level=level)
    campaign = Campaign.objects.create(
        city=city,
        name=name.strip(),
        description=(description or "").strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        level=level or "",
        created_by=user,
    )
    campaign.categories.set(categories)
    campaign.units.set(units)
    tagged = campaign_backfill(campaign)
    audit_record(
        actor=user,
        action="campaign.declare",
        target=campaign,
        changes={
            "name": campaign.name,
            "period": [f"{starts_on:%Y-%m-%d}", f"{ends_on:%Y-%m-%d}"],
            "categories": [c.code for c in categories],
            "units": [u.pk for u in units],
            "level": level or "",
            "tagged": tagged,
        },
    )
    return campaign


def report_store(*, campaign: Campaign, content: bytes, filename: str, actor=None) -> Campaign:
    """Keep the closing report written by the job on the campaign, and file it in the archive."""
    from gongjian.campaigns.evidence import collect_from_campaign

    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        campaign.report.save(filename, ContentFile(content), save=False)
        campaign.report_at = timezone.now()
        campaign.save(update_fields=["report", "report_at", "updated_at"])
        audit_record(actor=actor, action="campaign.report", target=campaign, changes={"file": campaign.report.name})
        collect_from_campaign(campaign, actor=actor)
    # A report written again is saved under a new name: the archive's earlier version keeps the old file.
    return campaign
