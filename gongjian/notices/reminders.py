"""Reminders for rectifications and activities, sent with the plan and receipt reminders by
``notifications.reminders_send`` (daily, ``manage.py send_reminders``). Each goes to the inbox of
the people of the unit concerned — and, where the next step is theirs or a deadline has passed,
of the level above that leads it — never to anyone else, once per thing and stage (the key), and
from there to the group robot and by email like every notification (``delivery.py``).

- Rectification (整改) still open whose deadline falls today or tomorrow → the responsible unit's
  people who rectify (the unit, and its community when the unit is a compound).
- Rectification open past its deadline → the same people and the street's officers (who decide
  extensions). A new deadline (an extension) is a new stage: reminded again when it comes near.
- Activity planned within ``ACTIVITY_PLAN_REMIND_DAYS`` days whose plan (方案) is not approved:
  no plan yet or returned → the community's people who run activities; submitted and awaiting a
  decision → the level above that approves it (the street's people who run activities).
- Activity whose day has passed while it is still planned (held but not recorded, or to be
  cancelled: ``lifecycle.is_overdue``) → the community's people who run activities."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import ROLE_PERMS, Perm


def unit_people(unit_id: int | None, perm: Perm) -> list[int]:
    """The active users with an active membership at exactly this unit whose role grants ``perm``
    (not those above it who reach it through the tree, nor anyone elsewhere)."""
    from gongjian.accounts.models import Membership

    if unit_id is None:
        return []
    roles = [role for role, perms in ROLE_PERMS.items() if perm in perms]
    return list(
        Membership.objects.filter(unit_id=unit_id, is_active=True, role__in=roles, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


class _People:
    """``unit_people`` remembered for one run (a street's officers are asked once, not per case)."""

    def __init__(self):
        self.known: dict[tuple[int | None, Perm], list[int]] = {}

    def __call__(self, unit_ids, perm: Perm) -> list[int]:
        out: list[int] = []
        for unit_id in dict.fromkeys(unit_ids):
            if (unit_id, perm) not in self.known:
                self.known[(unit_id, perm)] = unit_people(unit_id, perm)
            out.extend(u for u in self.known[(unit_id, perm)] if u not in out)
        return out


def _send(rows: list[tuple[int, str, str, str]], notify: Callable[..., bool]) -> int:
    """Notify (user, key, title, url) rows, skipping in one query per 500 those already in the inbox
    (a daily run asks again for every case still open: no failed insert per old reminder)."""
    from gongjian.notices.models import Notification

    sent = 0
    for first in range(0, len(rows), 500):
        chunk = rows[first : first + 500]
        have = set(
            Notification.objects.filter(key__in={key for _user, key, _title, _url in chunk}).values_list(
                "user_id", "key"
            )
        )
        for user_id, key, title, url in chunk:
            if (user_id, key[:100]) not in have:
                sent += notify(user_id=user_id, key=key, title=title, url=url)
    return sent


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def rectification_reminders(*, now: datetime.datetime, notify: Callable[..., bool]) -> int:
    """Open problems due today or tomorrow, and open problems past their deadline."""
    from gongjian.inspections.choices import ProblemStatus
    from gongjian.inspections.models import Problem

    today = timezone.localdate(now)
    people = _People()
    rows: list[tuple[int, str, str, str]] = []
    open_problems = Problem.objects.filter(status=ProblemStatus.OPEN).order_by("deadline", "id")
    fields = ("id", "number", "unit_id", "community_id", "street_id", "deadline", "category__name")
    due = open_problems.filter(deadline__gte=now, deadline__lt=_day_start(today + datetime.timedelta(days=2)))
    for pk, number, unit_id, community_id, _street_id, deadline, category in due.values_list(*fields).iterator(
        chunk_size=500
    ):
        local = timezone.localtime(deadline)
        title = _("Rectification due %(when)s: %(number)s %(category)s") % {
            "when": f"{local:%Y-%m-%d %H:%M}",
            "number": number,
            "category": category,
        }
        url = reverse("problems:detail", args=[pk])
        for user_id in people([unit_id, community_id], Perm.PROBLEM_RECTIFY):
            rows.append((user_id, f"rectify-due:{pk}:{local:%Y%m%d%H%M}", title, url))
    overdue = open_problems.filter(deadline__lt=now)
    for pk, number, unit_id, community_id, street_id, deadline, category in overdue.values_list(*fields).iterator(
        chunk_size=500
    ):
        local = timezone.localtime(deadline)
        title = _("Rectification overdue (due %(when)s): %(number)s %(category)s") % {
            "when": f"{local:%Y-%m-%d %H:%M}",
            "number": number,
            "category": category,
        }
        recipients = people([unit_id, community_id], Perm.PROBLEM_RECTIFY)
        recipients += [u for u in people([street_id], Perm.PROBLEM_EXTEND) if u not in recipients]
        url = reverse("problems:detail", args=[pk])
        rows.extend((user_id, f"rectify-overdue:{pk}:{local:%Y%m%d%H%M}", title, url) for user_id in recipients)
    return _send(rows, notify)


def activity_reminders(*, today: datetime.date, notify: Callable[..., bool]) -> int:
    """Activities soon without an approved plan, and activities past their day still planned."""
    from gongjian.participation.choices import ActivityStatus, PlanStatus
    from gongjian.participation.models import Activity

    people = _People()
    rows: list[tuple[int, str, str, str]] = []
    days = settings.ACTIVITY_PLAN_REMIND_DAYS
    planned = Activity.objects.filter(status=ActivityStatus.PLANNED).select_related("community", "plan")
    soon = planned.filter(
        plan_required=True,
        starts_at__gte=_day_start(today),
        starts_at__lt=_day_start(today + datetime.timedelta(days=days + 1)),
    ).filter(Q(plan__isnull=True) | ~Q(plan__status=PlanStatus.APPROVED))
    for activity in soon.order_by("starts_at", "id").iterator(chunk_size=500):
        plan = getattr(activity, "plan", None)
        stage = "missing" if plan is None else plan.status
        day = f"{timezone.localtime(activity.starts_at):%Y-%m-%d}"
        if stage == PlanStatus.SUBMITTED:
            recipients = people([activity.community.parent_id], Perm.ACTIVITY_MANAGE)
            title = _("Activity plan awaiting your approval: %(title)s (%(community)s, %(day)s)")
        else:
            recipients = people([activity.community_id], Perm.ACTIVITY_MANAGE)
            title = (
                _("Activity plan returned, to fix before %(day)s: %(title)s")
                if stage == PlanStatus.RETURNED
                else _("Activity on %(day)s has no plan yet: %(title)s")
            )
        text = title % {"title": activity.title, "community": activity.community.name, "day": day}
        url = reverse("participation:activity-plan", args=[activity.pk])
        rows.extend((user_id, f"activity-plan-{stage}:{activity.pk}", text, url) for user_id in recipients)
    unrecorded = planned.filter(starts_at__lt=_day_start(today))
    for activity in unrecorded.order_by("starts_at", "id").iterator(chunk_size=500):
        day = f"{timezone.localtime(activity.starts_at):%Y-%m-%d}"
        text = _("Activity of %(day)s not recorded as held or cancelled: %(title)s") % {
            "day": day,
            "title": activity.title,
        }
        url = reverse("participation:activity", args=[activity.pk])
        rows.extend(
            (user_id, f"activity-unrecorded:{activity.pk}", text, url)
            for user_id in people([activity.community_id], Perm.ACTIVITY_MANAGE)
        )
    return _send(rows, notify)
