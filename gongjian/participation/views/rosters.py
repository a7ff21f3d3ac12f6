"""Teams, stairwell heads and the 门前三包 register of a community."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for
from gongjian.core.errors import NotPermitted
from gongjian.core.exporters import download_response
from gongjian.core.inputs import cleaned_post, read_upload
from gongjian.core.privacy import no_store
from gongjian.core.storage import file_response
from gongjian.participation import selectors, services
from gongjian.participation.choices import VolunteerStatus
from gongjian.participation.models import Volunteer
from gongjian.participation.views._common import _basename, _content_type, _perms, _require

# --- teams, stairwell heads, frontage duties -------------------------------------------------------


@login_required
def team_communities(request):
    actor = actor_for(request.user)
    _require(actor, Perm.PARTICIPATION_VIEW)
    communities = selectors.communities_for(actor=actor, perm=Perm.PARTICIPATION_VIEW).select_related("parent")
    return render(
        request,
        "participation/team_communities.html",
        {"page": Paginator(communities, 50).get_page(request.GET.get("page"))},
    )


@login_required
@no_store
def community_roster(request, pk: int):
    """The four teams, stairwell heads and the 门前三包 register of one community, with the forms
    to keep them for those who manage volunteers there."""
    actor = actor_for(request.user)
    _require(actor, Perm.PARTICIPATION_VIEW)
    community = selectors.communities_for(actor=actor, perm=Perm.PARTICIPATION_VIEW).filter(pk=pk).first()
    if community is None:
        raise Http404
    perms = _perms(actor, community.pk)
    if request.method == "POST":
        if Perm.VOLUNTEER_MANAGE not in perms:
            raise PermissionDenied
        _roster_change(request, community)
        return redirect("participation:roster", pk=pk)
    roster = selectors.community_roster(actor=actor, community=community)
    export = request.GET.get("export") == "xlsx"
    if roster.revealed:
        services.personal_data_view_record(
            user=request.user,
            where="community_roster_export" if export else "community_roster",
            others={
                "stairwell_heads": [h.pk for h, _p in roster.stairwell_heads],
                "frontage_duties": [d.pk for d, _p in roster.frontage],
            },
        )
    if export:
        from gongjian.participation.exporters import roster_export

        return download_response(roster_export(roster))
    from gongjian.participation.choices import TeamKind

    return render(
        request,
        "participation/roster.html",
        {
            "community": community,
            "roster": roster,
            "can_manage": Perm.VOLUNTEER_MANAGE in perms,
            "team_kinds": TeamKind.choices,
            "volunteers": Volunteer.objects.filter(community=community, status=VolunteerStatus.ACTIVE).order_by("name")
            if Perm.VOLUNTEER_MANAGE in perms
            else [],
            "compounds": community.children.order_by("code"),
            "today": timezone.localdate(),
        },
    )


def _roster_change(request, community):
    from gongjian.participation.models import TeamMember

    post, action = cleaned_post(request.POST), request.POST.get("action", "")
    try:
        if action == "member":
            volunteer = Volunteer.objects.filter(community=community, pk=post.get("volunteer") or 0).first()
            if volunteer is None:
                raise ValidationError({"volunteer": _("Choose a registered volunteer of this community.")})
            services.team_member_add(
                user=request.user,
                community=community,
                kind=post.get("kind", ""),
                volunteer=volunteer,
                area=post.get("area", ""),
                schedule=post.get("schedule", ""),
            )
        elif action == "shift":
            member = TeamMember.objects.filter(team__community=community, pk=post.get("member") or 0).first()
            if member is None:
                raise ValidationError({"member": _("Choose a team member.")})
            services.duty_shift_record(
                user=request.user,
                member=member,
                date=datetime.date.fromisoformat(post.get("date", "")),
                hours=Decimal(post.get("hours") or "0"),
                note=post.get("note", ""),
            )
        elif action == "stairwell":
            compound = community.children.filter(pk=post.get("compound") or 0).first()
            if compound is None:
                raise ValidationError({"compound": _("Choose a compound of this community.")})
            services.stairwell_head_set(
                user=request.user,
                compound=compound,
                building=post.get("building", ""),
                entrance=post.get("entrance", ""),
                name=post.get("name", ""),
                phone=post.get("phone", ""),
            )
        elif action == "frontage":
            upload = request.FILES.get("pledge")
            services.frontage_duty_add(
                user=request.user,
                community=community,
                holder=post.get("holder", ""),
                address=post.get("address", ""),
                frontage=post.get("frontage", ""),
                responsible=post.get("responsible", ""),
                phone=post.get("phone", ""),
                cleanliness="cleanliness" in post,
                order="order" in post,
                greenery="greenery" in post,
                pledge=(upload.name, read_upload(upload)) if upload else None,
            )
        else:
            raise ValidationError(_("Unknown action."))
    except (ValueError, ArithmeticError):
        messages.error(request, _("Check the date and numbers."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved."))


@login_required
@no_store
def frontage_duty(request, pk: int):
    """One 门前三包 entry and the problems that point at it; inspectors and the community link a
    problem of category L0103 by its case number."""
    from gongjian.inspections.selectors import problems_visible

    actor = actor_for(request.user)
    duty = selectors.frontage_duty_get(actor=actor, duty_id=pk)
    if request.method == "POST":
        number = request.POST.get("number", "").strip()
        problem = problems_visible(actor=actor).select_related("category", "unit").filter(number=number).first()
        try:
            if problem is None:
                raise ValidationError(_("No problem with this case number."))
            services.frontage_problem_link(user=request.user, problem=problem, duty=duty)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message))
        else:
            messages.success(request, _("Saved."))
        return redirect("participation:frontage", pk=pk)
    reveal = duty.community_id in selectors.revealed_communities(actor=actor, community_ids=[duty.community_id])
    from gongjian.participation import privacy

    if reveal:
        services.personal_data_view_record(
            user=request.user, where="frontage_duty", others={"frontage_duties": [duty.pk]}
        )

    perms = _perms(actor, duty.community_id)
    return render(
        request,
        "participation/frontage_detail.html",
        {
            "duty": duty,
            "phone": duty.phone if reveal else privacy.mask_phone(duty.phone),
            "problems": selectors.frontage_duty_problems(actor=actor, duty=duty),
            "can_link": Perm.PROBLEM_REPORT in perms or Perm.PROBLEM_RECTIFY in perms,
        },
    )


@login_required
@no_store
def frontage_pledge(request, pk: int):
    duty = selectors.frontage_duty_get(actor=actor_for(request.user), duty_id=pk)
    if not duty.pledge:
        raise Http404
    # The signed pledge names the holder and their contact: a full view of personal data.
    services.personal_data_view_record(
        user=request.user, where="frontage_pledge", others={"frontage_duties": [duty.pk]}
    )
    return file_response(duty.pledge, content_type=_content_type(duty.pledge.name), filename=_basename(duty.pledge))
