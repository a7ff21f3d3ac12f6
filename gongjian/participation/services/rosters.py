"""Teams, stairwell heads and the 门前三包 register, and problems pointing at the register."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.core.audit import audit_record
from gongjian.core.errors import NotPermitted
from gongjian.core.inputs import check_lengths
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.participation import privacy
from gongjian.participation.choices import VolunteerStatus
from gongjian.participation.models import (
    Volunteer,
)
from gongjian.participation.services._common import _require_at

# --- teams, stairwell heads, frontage duties -------------------------------------------------------


@transaction.atomic
def team_member_add(*, user, community: Unit, kind: str, volunteer: Volunteer, area: str, schedule: str):
    """Put a registered volunteer of the community on one of its four teams."""
    from gongjian.participation.choices import TeamKind
    from gongjian.participation.models import Team, TeamMember

    _require_at(user, Perm.VOLUNTEER_MANAGE, community.pk, "community")
    errors = {}
    if community.level != UnitLevel.COMMUNITY:
        errors["community"] = _("Teams belong to a community.")
    if kind not in TeamKind.values:
        errors["kind"] = _("Unknown team.")
    if volunteer.community_id != community.pk or volunteer.status != VolunteerStatus.ACTIVE:
        errors["volunteer"] = _("Choose a registered volunteer of this community.")
    if not area.strip():
        errors["area"] = _("Say which area the member looks after.")
    if not schedule.strip():
        errors["schedule"] = _("Give the duty schedule.")
    if errors:
        raise ValidationError(errors)
    check_lengths(TeamMember, area=area.strip(), schedule=schedule.strip())
    team, _created = Team.objects.get_or_create(community=community, kind=kind)
    if team.members.filter(volunteer=volunteer).exists():
        raise ValidationError({"volunteer": _("%(name)s is already on this team.") % {"name": volunteer.name}})
    member = TeamMember.objects.create(team=team, volunteer=volunteer, area=area.strip(), schedule=schedule.strip())
    audit_record(actor=user, action="team.member_add", target=team, note=f"{volunteer.pk} {member.area}")
    return member


@transaction.atomic
def duty_shift_record(*, user, member, date: datetime.date, hours: Decimal, note: str = ""):
    """A shift served on duty (e.g. persuasion at a crossing): counts as service hours."""
    from gongjian.participation.models import DutyShift

    _require_at(user, Perm.VOLUNTEER_MANAGE, member.team.community_id, "member")
    if date > timezone.localdate():
        raise ValidationError({"date": _("The date cannot be in the future.")})
    if not (Decimal("0") < hours <= Decimal("24")):
        raise ValidationError({"hours": _("Hours must be more than 0 and at most 24.")})
    shift = DutyShift.objects.create(member=member, date=date, hours=hours, note=note.strip())
    audit_record(
        actor=user, action="team.duty_shift", target=member.team, note=f"{member.volunteer_id} {hours}h {date}"
    )
    return shift


def _clean_contact(name: str, phone: str) -> tuple[str, str]:
    errors = {}
    name = (name or "").strip()
    phone = privacy.normalise_phone(phone)
    if not name:
        errors["name"] = _("Give the name.")
    if privacy.phone_problem(phone):
        errors["phone"] = _("Not a mainland mobile number (11 digits starting with 13–19).")
    if errors:
        raise ValidationError(errors)
    return name, phone


@transaction.atomic
def stairwell_head_set(*, user, compound: Unit, building: str, entrance: str, name: str, phone: str):
    """Name (or replace) the stairwell head (楼道长) of one building entrance of a compound."""
    from gongjian.participation.models import StairwellHead

    _require_at(user, Perm.VOLUNTEER_MANAGE, compound.pk, "compound")
    if compound.level != UnitLevel.COMPOUND:
        raise ValidationError({"compound": _("A stairwell belongs to a compound.")})
    if not building.strip() or not entrance.strip():
        raise ValidationError({"building": _("Give the building and the entrance.")})
    name, phone = _clean_contact(name, phone)
    head, created = StairwellHead.objects.update_or_create(
        compound=compound,
        building=building.strip(),
        entrance=entrance.strip(),
        defaults={"name": name, "phone": phone},
    )
    audit_record(
        actor=user, action="stairwell_head.set", target=compound, note=f"{head.building}-{head.entrance} {name}"
    )
    return head


@transaction.atomic
def frontage_duty_add(
    *,
    user,
    community: Unit,
    holder: str,
    address: str,
    frontage: str,
    responsible: str,
    phone: str,
    cleanliness: bool = True,
    order: bool = True,
    greenery: bool = True,
    pledge: tuple[str, bytes] | None = None,
):
    """Add a shop or unit to the 门前三包 register, with its signed pledge."""
    from gongjian.participation.models import FrontageDuty

    _require_at(user, Perm.VOLUNTEER_MANAGE, community.pk, "community")
    if community.level != UnitLevel.COMMUNITY:
        raise ValidationError({"community": _("The register is kept by a community.")})
    if not holder.strip() or not address.strip() or not frontage.strip():
        raise ValidationError({"holder": _("Give the shop or unit, its address and its frontage.")})
    if not (cleanliness or order or greenery):
        raise ValidationError({"cleanliness": _("Choose at least one of the three duties.")})
    responsible, phone = _clean_contact(responsible, phone)
    duty = FrontageDuty(
        community=community,
        holder=holder.strip(),
        address=address.strip(),
        frontage=frontage.strip(),
        responsible=responsible,
        phone=phone,
        cleanliness=cleanliness,
        order=order,
        greenery=greenery,
    )
    if pledge is not None:
        name, content = pledge
        if not content.startswith(b"%PDF") and content[:3] != b"\xff\xd8\xff":
            raise ValidationError({"pledge": _("Upload the signed pledge as a PDF or a JPEG scan.")})
        duty.pledge.save(name, ContentFile(content), save=False)
    duty.save()
    audit_record(actor=user, action="frontage_duty.add", target=duty)
    return duty


FRONTAGE_CATEGORY = "L0103"


@transaction.atomic
def frontage_problem_link(*, user, problem, duty):
    """Point a problem of category 门前三包不落实 (L0103) at the register entry it concerns."""
    from gongjian.participation.models import FrontageProblem

    perms = perms_at_unit(actor_for(user), problem.unit_id)
    if Perm.PROBLEM_REPORT not in perms and Perm.PROBLEM_RECTIFY not in perms:
        raise NotPermitted(_("You cannot do this for this community."))
    if problem.category.code != FRONTAGE_CATEGORY:
        raise ValidationError({"problem": _("Only problems of category 门前三包不落实 (L0103) point at the register.")})
    community_id = problem.unit_id if problem.unit.level == UnitLevel.COMMUNITY else problem.unit.parent_id
    if duty.community_id != community_id:
        raise ValidationError({"duty": _("This register entry belongs to another community.")})
    link, _created = FrontageProblem.objects.update_or_create(problem=problem, defaults={"duty": duty})
    audit_record(actor=user, action="frontage_duty.problem_link", target=duty, note=problem.number)
    return link
