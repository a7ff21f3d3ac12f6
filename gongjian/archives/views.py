"""Pages of the archive (台帐资料). Thin: forms in, services and selectors called, pages out.

Every object is looked up inside the viewer's scope first (``get_scoped_or_404``: out of scope is
404, whether the object exists or not); the services then check the right to change it. A stale
version (someone else saved first) is a ``Conflict``: the page is shown again with HTTP 409, the
message and the version as it now stands; nothing is overwritten."""

from __future__ import annotations

from collections import OrderedDict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, get_scoped_or_404, perms_at_unit, restrict
from gongjian.archives import jobs, periods, selectors, services
from gongjian.archives.choices import EvidenceKind, JobStatus, MechanismKind, TemplateStatus
from gongjian.archives.forms import (
    AttendeeFormSet,
    BinderForm,
    CaptionForm,
    DecisionFormSet,
    EvidenceForm,
    FollowUpForm,
    MechanismForm,
    MeetingForm,
    MeetingPhotosForm,
    PeriodForm,
    SectionFormSet,
    TemplateForm,
    WithdrawForm,
    captions_for,
    period_choices,
)
from gongjian.archives.models import (
    ArchiveTemplate,
    BinderJob,
    Evidence,
    EvidenceFile,
    Mechanism,
    Meeting,
    MeetingDecision,
    MeetingPhoto,
)
from gongjian.archives.services import AttendeeIn, DecisionIn, FileIn, RequirementIn, SectionIn
from gongjian.archives.skeleton import skeleton_docx
from gongjian.archives.uploads import upload_problem
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.exporters import download_response, private_image_response
from gongjian.core.jobs.views import job_file_response, job_state, state_response
from gongjian.core.storage import file_response
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import CobuildUnit, Pairing, Unit

# How the findings are grouped on the archive page, in this order.
FINDING_GROUPS = OrderedDict(
    [
        ("no_template", gettext_lazy("No template")),
        ("missing", gettext_lazy("Missing evidence")),
        ("no_caption", gettext_lazy("Photos without captions")),
        ("no_photos", gettext_lazy("Text without photos")),
        ("outside_period", gettext_lazy("Records outside their period")),
        ("reused_photo", gettext_lazy("The same photo used twice")),
        ("photo_date", gettext_lazy("Photos taken far from the record's date")),
        ("dead_letter", gettext_lazy("Mechanisms that do not run (一纸空文)")),
        ("no_mechanism", gettext_lazy("Mechanisms not set up")),
    ]
)


# --- helpers ----------------------------------------------------------------------------------------


def _require(actor, perm: Perm) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _unit(request, unit_id: int, perm: Perm = Perm.ARCHIVE_VIEW) -> Unit:
    return get_scoped_or_404(Unit.objects.all(), actor_for(request.user), perm, unit_field="id", pk=unit_id)


def _period(request):
    """The period asked for (``?period=``), the current year by default; (None, form) when the
    code is not a period."""
    form = PeriodForm(request.GET)
    if form.is_valid():
        return form.cleaned_data["period"], form
    return None, form


def _bad_period(request, form):
    return render(request, "archives/bad_period.html", {"form": form}, status=400)


def _id_param(value) -> int | None:
    """A database id given in a query string: ASCII digits, at most 18 of them (within a bigint);
    None for anything else."""
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _can(request, perm: Perm, unit_id: int) -> bool:
    return perm in perms_at_unit(actor_for(request.user), unit_id)


def _files_in(uploaded, captions_text: str, *, field: str) -> list[FileIn]:
    """The uploads with their captions; too many files, or one over the size limit, is refused
    (naming the file) before any is read."""
    uploaded = list(uploaded or [])
    if problem := upload_problem(uploaded, max_bytes=settings.ARCHIVE_FILE_MAX_BYTES):
        raise ValidationError({field: problem})
    captions = captions_for(uploaded, captions_text)
    return [FileIn(name=f.name, data=f.read(), caption=c) for f, c in zip(uploaded, captions, strict=True)]


def _sections_for(unit: Unit, period=None):
    period = period or periods.of(periods.YEAR, timezone.localdate())
    return selectors.template_sections(selectors.current_template(selectors.city_id_of(unit), period))


def _communities(actor, perm: Perm):
    return restrict(Unit.objects.filter(level=UnitLevel.COMMUNITY), actor, perm, unit_field="id").order_by("code", "id")


def _own_community(actor):
    """The community of a community worker (their only community in scope), else None."""
    roots = actor.root_unit_ids(Perm.ARCHIVE_VIEW)
    if len(roots) != 1:
        return None
    return Unit.objects.filter(pk__in=roots, level=UnitLevel.COMMUNITY).first()


# --- the archive of a unit --------------------------------------------------------------------------


def _own_community_page(request, view_name: str):
    """A community worker lands on their community's page; everyone else on the ranking."""
    actor = actor_for(request.user)
    _require(actor, Perm.ARCHIVE_VIEW)
    community = _own_community(actor)
    if community is not None:
        return redirect(view_name, unit_id=community.pk)
    return redirect("archives:ranking")


@login_required
def index(request):
    return _own_community_page(request, "archives:unit")


def _finding_link(finding, unit: Unit, period, can_manage: bool) -> str:
    """Where to fix a finding: the record (at the photo), the form to add the missing record (or,
    for readers, the section), the mechanisms page."""
    if finding.record_key:
        url = reverse("archives:record", args=[finding.record_key])
        return f"{url}#file-{finding.file_id}" if finding.file_id else url
    if finding.code == "missing" and finding.rule_item_id:
        if can_manage:
            return f"{reverse('archives:record-create', args=[unit.pk])}?item={finding.rule_item_id}"
        return f"#section-{finding.section_id}" if finding.section_id else ""
    if finding.code in ("dead_letter", "no_mechanism"):
        return f"{reverse('archives:mechanisms', args=[unit.pk])}?period={period.code}"
    return ""


@login_required
def unit_archive(request, unit_id: int):
    unit = _unit(request, unit_id)
    period, period_form = _period(request)
    if period is None:
        return _bad_period(request, period_form)
    audit = selectors.audit_unit(unit, period)
    can_manage = _can(request, Perm.ARCHIVE_MANAGE, unit.pk)
    groups = OrderedDict((code, {"label": label, "findings": []}) for code, label in FINDING_GROUPS.items())
    for finding in audit.findings:
        group = groups.setdefault(finding.code, {"label": finding.code, "findings": []})
        group["findings"].append({"finding": finding, "url": _finding_link(finding, unit, period, can_manage)})
    records = list(selectors.period_records([unit.pk], period, with_files=False))
    in_sections = {r.record_key for s in audit.sections for r in s.records}
    kinds = dict(EvidenceKind.choices)
    return render(
        request,
        "archives/unit.html",
        {
            "unit": unit,
            "period": period,
            "period_choices": period_choices(period.start.year),
            "audit": audit,
            "sections": [
                {"audit": s, "records": [(r, kinds.get(r.kind, r.kind)) for r in s.records]} for s in audit.sections
            ],
            "finding_groups": [g for g in groups.values() if g["findings"]],
            "finding_count": len(audit.findings),
            "dead_letters": sum(1 for m in audit.mechanisms if m.dead_letter),
            "other_records": [r for r in records if str(r.record_key) not in in_sections],
            "record_count": len(records),
            "can_manage": can_manage,
            "is_community": unit.level == UnitLevel.COMMUNITY,
            "binders": [
                (job, jobs.job_period(job).code)
                for job in BinderJob.objects.filter(unit=unit).select_related("job").order_by("-created_at", "-id")[:5]
            ],
        },
    )


@login_required
def skeleton(request, unit_id: int):
    """The city's template filled in for this unit as a Word file."""
    unit = _unit(request, unit_id)
    period, period_form = _period(request)
    if period is None:
        return _bad_period(request, period_form)
    return download_response(skeleton_docx(unit, period))


# --- records ----------------------------------------------------------------------------------------


def _evidence_versions(request, key, perm: Perm = Perm.ARCHIVE_VIEW):
    actor = actor_for(request.user)
    qs = restrict(Evidence.objects.all(), actor, perm, unit_field="unit").filter(record_key=key)
    versions = list(qs.select_related("unit", "created_by", "mechanism").order_by("-version"))
    if not versions:
        raise Http404
    return versions


def _record_page(request, key, *, status=200, caption_error=None, withdraw_form=None, conflict=None):
    versions = _evidence_versions(request, key)
    current = next((v for v in versions if v.is_current), versions[0])
    shown = current
    wanted = _id_param(request.GET.get("version"))
    if wanted is not None:
        shown = next((v for v in versions if v.version == wanted), current)
    files = list(shown.files.order_by("position", "id"))
    can_manage = _can(request, Perm.ARCHIVE_MANAGE, current.unit_id) and not current.withdrawn
    editable = can_manage and shown.pk == current.pk
    for f in files:
        f.caption_form = (
            CaptionForm(
                initial={"file_id": f.pk, "version": current.version, "caption": f.caption}, auto_id=f"id_f{f.pk}_%s"
            )
            if editable and f.is_image
            else None
        )
    return render(
        request,
        "archives/record.html",
        {
            "record": shown,
            "current": current,
            "versions": versions,
            "files": files,
            "rule_items": shown.rule_items.order_by("position", "code"),
            "can_manage": can_manage,
            "editable": editable,
            "caption_error": caption_error,
            "conflict": conflict,
            "withdraw_form": withdraw_form or WithdrawForm(initial={"version": current.version}),
            "period": periods.from_fields(shown.period_kind, shown.period_start),
            "archive_period": periods.of(periods.YEAR, shown.period_start).code,
        },
        status=status,
    )


@login_required
def record_detail(request, key):
    return _record_page(request, key)


@login_required
@require_POST
def caption(request, key):
    """Give one photo its caption: a new version of the record, the old one kept."""
    versions = _evidence_versions(request, key)
    current = next((v for v in versions if v.is_current), versions[0])
    form = CaptionForm(request.POST)
    if not form.is_valid():
        return _record_page(request, key, status=400, caption_error=_("The caption could not be read; try again."))
    data = form.cleaned_data
    try:
        revised = services.caption_set(
            user=request.user,
            evidence=current,
            expected_version=data["version"],
            file_id=data["file_id"],
            caption=data["caption"],
        )
    except Conflict as conflict:
        return _record_page(request, key, status=409, conflict=conflict.message)
    except ValidationError as error:
        return _record_page(request, key, status=400, caption_error=_error_text(error))
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal.message)) from None
    messages.success(request, _("Caption saved; the record is now version %(version)s.") % {"version": revised.version})
    return redirect(f"{reverse('archives:record', args=[key])}#files")


@login_required
@require_POST
def withdraw(request, key):
    versions = _evidence_versions(request, key)
    current = next((v for v in versions if v.is_current), versions[0])
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _record_page(request, key, status=400, withdraw_form=form)
    try:
        services.evidence_withdraw(
            user=request.user,
            evidence=current,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except Conflict as conflict:
        return _record_page(request, key, status=409, conflict=conflict.message)
    except ValidationError as error:
        _apply_errors(form, error)
        return _record_page(request, key, status=400, withdraw_form=form)
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal.message)) from None
    messages.success(request, _("The record has been withdrawn; its versions are kept."))
    return redirect(
        f"{reverse('archives:unit', args=[current.unit_id])}?period={periods.of(periods.YEAR, current.date).code}"
    )


@login_required
def record_create(request, unit_id: int):
    unit = _unit(request, unit_id, Perm.ARCHIVE_MANAGE)
    sections = _sections_for(unit)
    mechanisms = list(Mechanism.objects.filter(unit=unit).order_by("kind"))
    initial = {}
    item = _id_param(request.GET.get("item"))
    if item is not None:
        initial["rule_items"] = [str(item)]
    form = EvidenceForm(
        request.POST or None, request.FILES or None, sections=sections, mechanisms=mechanisms, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        items = {str(s.rule_item_id): s.rule_item for s in sections}
        mechanism = next((m for m in mechanisms if str(m.pk) == data["mechanism"]), None)
        try:
            evidence = services.evidence_create(
                user=request.user,
                unit=unit,
                period=form.period(),
                kind=data["kind"],
                title=data["title"],
                date=data["date"],
                rule_items=[items[i] for i in data["rule_items"]],
                text=data["text"],
                author=data["author"],
                files=_files_in(data["files"], data["captions"], field="files"),
                mechanism=mechanism,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message)) from None
        else:
            messages.success(request, _("Record “%(title)s” archived.") % {"title": evidence.title})
            return redirect("archives:record", key=evidence.record_key)
    return render(
        request,
        "archives/record_form.html",
        {"form": form, "unit": unit, "has_template": bool(sections)},
        status=400 if form.errors else 200,
    )


@login_required
def evidence_file(request, pk: int, kind: str):
    """A file of a record, through the viewer's scope: a photo (``full``/``thumb``) or a download."""
    if kind not in ("full", "thumb", "download"):
        raise Http404
    row = get_scoped_or_404(
        EvidenceFile.objects.select_related("evidence"),
        actor_for(request.user),
        Perm.ARCHIVE_VIEW,
        unit_field="evidence__unit",
        pk=pk,
    )
    if row.is_image and kind in ("full", "thumb"):
        if kind == "thumb" and not row.thumbnail:
            kind = "full"
        return private_image_response(row, kind)
    return file_response(row.file, content_type=row.content_type or "application/octet-stream", filename=row.name)


# --- binders ----------------------------------------------------------------------------------------


def _job(request, pk: int) -> BinderJob:
    return get_scoped_or_404(
        BinderJob.objects.select_related("unit", "job"),
        actor_for(request.user),
        Perm.ARCHIVE_VIEW,
        unit_field="unit",
        pk=pk,
    )


@login_required
@require_POST
def binder_request(request, unit_id: int):
    unit = _unit(request, unit_id)
    form = BinderForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("archives:unit", unit_id=unit.pk)
    try:
        job = jobs.request_binder(
            user=request.user, unit=unit, period=form.cleaned_data["period"], format=form.cleaned_data["format"]
        )
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal.message)) from None
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("archives:unit", unit_id=unit.pk)
    return redirect("archives:binder", pk=job.pk)


def _job_status(job: BinderJob) -> dict:
    return job_state(job.job, download_url=reverse("archives:binder-download", args=[job.pk]))


@login_required
def binder_detail(request, pk: int):
    job = jobs.refresh(_job(request, pk))
    period = periods.from_fields(job.period_kind, job.period_start)
    return render(
        request,
        "archives/binder.html",
        {
            "job": job,
            "period": period,
            "state": _job_status(job),
            "finished": job.status in (JobStatus.DONE, JobStatus.FAILED),
        },
    )


@login_required
def binder_status(request, pk: int):
    job = jobs.refresh(_job(request, pk))
    return state_response(_job_status(job))


@login_required
def binder_download(request, pk: int):
    return job_file_response(_job(request, pk).job)


# --- meetings ---------------------------------------------------------------------------------------


def _meetings_in_scope(request, perm: Perm = Perm.ARCHIVE_VIEW):
    return restrict(Meeting.objects.all(), actor_for(request.user), perm, unit_field="unit")


@login_required
def meeting_list(request):
    actor = actor_for(request.user)
    _require(actor, Perm.ARCHIVE_VIEW)
    meetings = (
        _meetings_in_scope(request)
        .select_related("unit")
        .annotate(
            open_decisions=Count("decisions", filter=Q(decisions__status="open"), distinct=True),
            photo_count=Count("photos", distinct=True),
        )
    )
    unit_id = _id_param(request.GET.get("unit"))
    if unit_id is not None:
        meetings = meetings.filter(unit_id=unit_id)
    page = Paginator(meetings.order_by("-held_on", "-id"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "archives/meeting_list.html",
        {
            "page": page,
            "can_create": actor.has_perm(Perm.ARCHIVE_MANAGE) and _communities(actor, Perm.ARCHIVE_MANAGE).exists(),
        },
    )


def _cobuild_units_for(communities) -> list[CobuildUnit]:
    ids = Pairing.objects.filter(community__in=communities).values_list("cobuild_unit_id", flat=True)
    return list(CobuildUnit.objects.filter(pk__in=ids).order_by("name"))


@login_required
def meeting_create(request):
    actor = actor_for(request.user)
    _require(actor, Perm.ARCHIVE_MANAGE)
    communities = list(_communities(actor, Perm.ARCHIVE_MANAGE))
    if not communities:
        raise PermissionDenied
    cobuild_units = _cobuild_units_for(communities)
    post, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = MeetingForm(post, files, communities=communities)
    attendees = AttendeeFormSet(post, prefix="att", form_kwargs={"cobuild_units": cobuild_units})
    decisions = DecisionFormSet(post, prefix="dec")
    if request.method == "POST" and form.is_valid() and attendees.is_valid() and decisions.is_valid():
        data = form.cleaned_data
        unit = next(c for c in communities if str(c.pk) == data["unit"])
        try:
            meeting = services.meeting_create(
                user=request.user,
                unit=unit,
                kind=data["kind"],
                title=data["title"],
                held_on=data["held_on"],
                place=data["place"],
                minutes=data["minutes"],
                attendees=[
                    AttendeeIn(
                        name=a["name"],
                        organisation=a.get("organisation", ""),
                        cobuild_unit_id=int(a["cobuild_unit"]) if a.get("cobuild_unit") else None,
                        is_head=bool(a.get("is_head")),
                    )
                    for a in attendees.cleaned_data
                    if a.get("name")
                ],
                decisions=[
                    DecisionIn(text=d["text"], owner=d["owner"], due_on=d["due_on"])
                    for d in decisions.cleaned_data
                    if d.get("text")
                ],
                photos=_files_in(data["photos"], data["captions"], field="photos"),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message)) from None
        else:
            messages.success(request, _("Meeting “%(title)s” recorded and archived.") % {"title": meeting.title})
            return redirect("archives:meeting", pk=meeting.pk)
    invalid = bool(form.errors or attendees.total_error_count() or decisions.total_error_count())
    return render(
        request,
        "archives/meeting_form.html",
        {"form": form, "attendees": attendees, "decisions": decisions},
        status=400 if request.method == "POST" and invalid else 200,
    )


def _meeting(request, pk: int) -> Meeting:
    return get_scoped_or_404(
        Meeting.objects.select_related("unit", "created_by"),
        actor_for(request.user),
        Perm.ARCHIVE_VIEW,
        unit_field="unit",
        pk=pk,
    )


def _meeting_page(request, meeting: Meeting, *, status=200, decision_errors=None, photos_form=None, conflict=None):
    can_manage = _can(request, Perm.ARCHIVE_MANAGE, meeting.unit_id)
    decisions = list(meeting.decisions.all())
    for d in decisions:
        errors = (decision_errors or {}).get(d.pk)
        d.form = errors or FollowUpForm(
            initial={"version": d.version, "status": d.status, "done_on": d.done_on, "follow_up": d.follow_up},
            prefix=f"d{d.pk}",
        )
    record = Evidence.objects.current().filter(source="meeting", source_id=meeting.pk).first()
    return render(
        request,
        "archives/meeting_detail.html",
        {
            "meeting": meeting,
            "attendees": meeting.attendees.select_related("cobuild_unit"),
            "decisions": decisions,
            "photos": meeting.photos.all(),
            "record": record,
            "can_manage": can_manage,
            "photos_form": photos_form or MeetingPhotosForm(),
            "conflict": conflict,
        },
        status=status,
    )


@login_required
def meeting_detail(request, pk: int):
    return _meeting_page(request, _meeting(request, pk))


@login_required
@require_POST
def meeting_photos(request, pk: int):
    meeting = _meeting(request, pk)
    form = MeetingPhotosForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.meeting_photo_add(
                user=request.user,
                meeting=meeting,
                photos=_files_in(form.cleaned_data["photos"], form.cleaned_data["captions"], field="photos"),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message)) from None
        else:
            messages.success(request, _("Photos added."))
            return redirect("archives:meeting", pk=meeting.pk)
    return _meeting_page(request, meeting, status=400, photos_form=form)


@login_required
def meeting_photo(request, pk: int, kind: str):
    photo = get_scoped_or_404(
        MeetingPhoto.objects.all(), actor_for(request.user), Perm.ARCHIVE_VIEW, unit_field="meeting__unit", pk=pk
    )
    if kind == "thumb" and not photo.thumbnail:
        kind = "full"
    return private_image_response(photo, kind)


@login_required
@require_POST
def decision_follow_up(request, pk: int):
    decision = get_scoped_or_404(
        MeetingDecision.objects.select_related("meeting", "meeting__unit"),
        actor_for(request.user),
        Perm.ARCHIVE_VIEW,
        unit_field="meeting__unit",
        pk=pk,
    )
    meeting = decision.meeting
    form = FollowUpForm(request.POST, prefix=f"d{decision.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.decision_follow_up(
                user=request.user,
                decision=decision,
                expected_version=data["version"],
                status=data["status"],
                follow_up=data["follow_up"],
                done_on=data["done_on"],
            )
        except Conflict as conflict:
            return _meeting_page(request, meeting, status=409, conflict=conflict.message)
        except ValidationError as error:
            _apply_errors(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message)) from None
        else:
            messages.success(request, _("Follow-up saved."))
            return redirect(f"{reverse('archives:meeting', args=[meeting.pk])}#decision-{decision.pk}")
    return _meeting_page(request, meeting, status=400, decision_errors={decision.pk: form})


# --- mechanisms -------------------------------------------------------------------------------------


@login_required
def mechanisms_index(request):
    return _own_community_page(request, "archives:mechanisms")


@login_required
def mechanisms(request, unit_id: int):
    unit = _unit(request, unit_id)
    if unit.level != UnitLevel.COMMUNITY:
        raise Http404
    period, period_form = _period(request)
    if period is None:
        return _bad_period(request, period_form)
    can_manage = _can(request, Perm.ARCHIVE_MANAGE, unit.pk)
    existing = {m.kind: m for m in Mechanism.objects.filter(unit=unit)}
    sections = _sections_for(unit) if can_manage else []
    missing_kinds = [k for k in MechanismKind.values if k not in existing]
    form = None
    if can_manage and missing_kinds:
        form = MechanismForm(
            request.POST or None,
            request.FILES or None,
            kinds=missing_kinds,
            sections=sections,
            initial={"established_on": timezone.localdate()},
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            items = {str(s.rule_item_id): s.rule_item for s in sections}
            try:
                mechanism = services.mechanism_create(
                    user=request.user,
                    unit=unit,
                    kind=data["kind"],
                    title=data["title"],
                    established_on=data["established_on"],
                    interval=data["interval"],
                    rule_items=[items[i] for i in data["rule_items"]],
                    document=_files_in(data["document"], "", field="document"),
                    text=data["text"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            except NotPermitted as refusal:
                raise PermissionDenied(str(refusal.message)) from None
            else:
                messages.success(request, _("%(title)s has been set up.") % {"title": mechanism.title})
                return redirect(f"{reverse('archives:mechanisms', args=[unit.pk])}?period={period.code}")
    audit = selectors.audit_unit(unit, period)
    audits = {m.mechanism.id: m for m in audit.mechanisms}
    executions = dict(
        Evidence.objects.current()
        .filter(mechanism__unit=unit, withdrawn=False)
        .values("mechanism_id")
        .annotate(n=Count("id"))
        .values_list("mechanism_id", "n")
    )
    rows = []
    for kind, label in MechanismKind.choices:
        mechanism = existing.get(kind)
        rows.append(
            {
                "kind": kind,
                "label": label,
                "mechanism": mechanism,
                "audit": audits.get(mechanism.pk) if mechanism else None,
                "executions": executions.get(mechanism.pk, 0) if mechanism else 0,
            }
        )
    return render(
        request,
        "archives/mechanisms.html",
        {
            "unit": unit,
            "period": period,
            "period_choices": period_choices(period.start.year),
            "rows": rows,
            "form": form,
            "can_manage": can_manage,
        },
        status=400 if form is not None and form.errors else 200,
    )


# --- ranking ----------------------------------------------------------------------------------------


@login_required
def ranking(request):
    actor = actor_for(request.user)
    _require(actor, Perm.ARCHIVE_VIEW)
    period, period_form = _period(request)
    if period is None:
        return _bad_period(request, period_form)
    roots = list(
        Unit.objects.filter(pk__in=actor.root_unit_ids(Perm.ARCHIVE_VIEW)).order_by("code", "id")
        if not actor.is_superuser
        else Unit.objects.filter(level=UnitLevel.CITY).order_by("code", "id")
    )
    areas = [u for u in roots if u.level != UnitLevel.COMMUNITY]
    within = None
    wanted = _id_param(request.GET.get("within"))
    if wanted is not None:
        within = get_scoped_or_404(Unit.objects.all(), actor, Perm.ARCHIVE_VIEW, unit_field="id", pk=wanted)
    elif areas:
        within = areas[0]
    from gongjian.organizations.tree import subtree_ids_sql

    if within is not None:
        communities = Unit.objects.filter(id__in=subtree_ids_sql([within.pk]), level=UnitLevel.COMMUNITY)
    else:
        communities = _communities(actor, Perm.ARCHIVE_VIEW)
    communities = list(communities.select_related("parent").order_by("code", "id"))
    rows = []
    for position, (community, audit) in enumerate(selectors.ranking(communities, period), start=1):
        rows.append(
            {
                "position": position,
                "unit": community,
                "audit": audit,
                "dead_letters": sum(1 for m in audit.mechanisms if m.dead_letter),
                "findings": len(audit.findings),
            }
        )
    return render(
        request,
        "archives/ranking.html",
        {
            "period": period,
            "period_choices": period_choices(period.start.year),
            "rows": rows,
            "within": within,
            "areas": areas,
            "roots": roots,
        },
    )


# --- templates --------------------------------------------------------------------------------------


def _rulesets(actor):
    from gongjian.assessments.models import RuleSet

    return restrict(RuleSet.objects.select_related("city"), actor, Perm.TEMPLATE_MANAGE, unit_field="city").order_by(
        "-effective_from", "-id"
    )


@login_required
@require_POST
def upkeep(request, which: str):
    """Collect pending records or verify the archive, as a background job (archives.tasks)."""
    from gongjian.archives.tasks import archive_job_request

    if which not in ("collect", "verify"):
        raise Http404
    _require(actor_for(request.user), Perm.TEMPLATE_MANAGE)
    job = archive_job_request(which=which, user=request.user)
    return redirect("jobs:detail", pk=job.pk)


@login_required
def template_list(request):
    actor = actor_for(request.user)
    _require(actor, Perm.TEMPLATE_MANAGE)
    templates = (
        restrict(ArchiveTemplate.objects.all(), actor, Perm.TEMPLATE_MANAGE, unit_field="ruleset__city")
        .select_related("ruleset", "ruleset__city", "published_by")
        .annotate(section_count=Count("sections"))
        .order_by("-created_at", "-id")
    )
    return render(request, "archives/template_list.html", {"templates": templates, "rulesets": _rulesets(actor)})


@login_required
def template_create(request):
    actor = actor_for(request.user)
    _require(actor, Perm.TEMPLATE_MANAGE)
    rulesets = list(_rulesets(actor))
    wanted = request.GET.get("ruleset", "") or request.POST.get("ruleset", "")
    ruleset = next((r for r in rulesets if str(r.pk) == wanted), None)
    if ruleset is None and len(rulesets) == 1:
        ruleset = rulesets[0]
    if ruleset is None:
        return render(request, "archives/template_form.html", {"rulesets": rulesets, "ruleset": None})
    items = list(ruleset.items.filter(children__isnull=True).order_by("position", "code"))
    post = request.POST if request.method == "POST" else None
    form = TemplateForm(post)
    sections = SectionFormSet(post, prefix="sec", form_kwargs={"items": items})
    if request.method == "POST" and form.is_valid() and sections.is_valid():
        by_id = {str(i.pk): i for i in items}
        section_ins = [
            SectionIn(
                title=s["title"],
                rule_item=by_id[s["rule_item"]],
                guidance=s["guidance"],
                requirements=(
                    RequirementIn(
                        description=s["description"] or s["title"] or by_id[s["rule_item"]].name,
                        kinds=tuple(s["kinds"]),
                        interval=s["interval"],
                        min_records=s["min_records"],
                        min_photos=s["min_photos"],
                    ),
                ),
            )
            for s in sections.cleaned_data
            if s.get("rule_item")
        ]
        try:
            template = services.template_create(
                user=request.user, ruleset=ruleset, name=form.cleaned_data["name"], sections=section_ins
            )
        except ValidationError as error:
            _apply_errors(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message)) from None
        else:
            messages.success(request, _("Template “%(name)s” saved as a draft.") % {"name": template.name})
            return redirect("archives:template", pk=template.pk)
    invalid = bool(form.errors or sections.total_error_count())
    return render(
        request,
        "archives/template_form.html",
        {"rulesets": rulesets, "ruleset": ruleset, "form": form, "sections": sections},
        status=400 if request.method == "POST" and invalid else 200,
    )


def _template(request, pk: int) -> ArchiveTemplate:
    return get_scoped_or_404(
        ArchiveTemplate.objects.select_related("ruleset", "ruleset__city", "published_by"),
        actor_for(request.user),
        Perm.TEMPLATE_MANAGE,
        unit_field="ruleset__city",
        pk=pk,
    )


@login_required
def template_detail(request, pk: int):
    template = _template(request, pk)
    sections = template.sections.select_related("rule_item").prefetch_related(
        Prefetch("requirements", to_attr="requirement_list")
    )
    kinds = dict(EvidenceKind.choices)
    rows = []
    for s in sections:
        rows.append(
            {
                "section": s,
                "requirements": [
                    {"requirement": r, "kinds": [kinds.get(k, k) for k in r.kinds or []]} for r in s.requirement_list
                ],
            }
        )
    return render(
        request,
        "archives/template_detail.html",
        {"template": template, "rows": rows, "is_draft": template.status == TemplateStatus.DRAFT},
    )


@login_required
@require_POST
def template_publish(request, pk: int):
    template = _template(request, pk)
    try:
        services.template_publish(user=request.user, template=template)
    except Conflict as conflict:
        messages.error(request, conflict.message)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal.message)) from None
    else:
        messages.success(request, _("Template published: communities are audited against it from now on."))
    return redirect("archives:template", pk=template.pk)
