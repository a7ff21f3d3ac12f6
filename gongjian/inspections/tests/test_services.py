"""The rectification loop through its services: report, rectify, re-check, void, extend, relapse, and everything
that must be refused without leaving a row or a file behind.

Times are Beijing time. In March 2026 every weekday is a working day (no holidays): 2026-03-10 is a Tuesday.
"""

import datetime
import hashlib
import io
import threading
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.utils.translation import gettext
from PIL import Image

from gongjian.accounts.models import User
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.models import AuditEvent
from gongjian.inspections import services
from gongjian.inspections.choices import ExtensionStatus, PhotoStage, ProblemStatus, ReviewOutcome
from gongjian.inspections.models import CaseNumberCounter, Category, Extension, Problem, ProblemPhoto, Rectification
from gongjian.inspections.photos import PhotoRejected, process_photo
from gongjian.inspections.tests.factories import (
    CategoryFactory,
    at,
    jpeg_bytes,
    media_files,
    not_an_image,
    png_bomb,
    reported,
    thirty_megabytes,
    truncated_jpeg,
)

TUE_10 = at(2026, 3, 10, 10)
# 06036 乱堆杂物: 2 working days → the end of Thursday.
TUE_DEADLINE = at(2026, 3, 12, 23, 59, 59)

HERE = (29.3, 120.08)  # 29°18'00" N, 120°04'48" E


# --- helpers -------------------------------------------------------------------------------------------------------


def category(code: str) -> Category:
    return Category.objects.get(code=code)


def report(user, unit, *, now=TUE_10, **kw) -> Problem:
    return reported(user, unit, now=now, **kw)


def rectify(user, problem, *, now, photos=None, note="已清理", **kw):
    return services.rectification_submit(
        user=user,
        problem=problem,
        note=note,
        photos=[jpeg_bytes(colour=(40, 160, 40))] if photos is None else photos,
        now=now,
        **kw,
    )


def review(user, problem, *, passed, now, note="", **kw) -> Problem:
    return services.rectification_review(user=user, problem=problem, passed=passed, note=note, now=now, **kw)


def closed_problem(people, unit, *, code="06036", found=TUE_10, closed=None, **kw) -> Problem:
    """Reported, rectified and passed; closed at ``closed`` (default: two hours after it was found)."""
    closed = closed or found + datetime.timedelta(hours=2)
    problem = report(people.inspector, unit, code=code, now=found, **kw)
    rectify(people.city_admin, problem, now=closed - datetime.timedelta(hours=1))
    return review(people.inspector, problem, passed=True, now=closed)


def saved() -> dict:
    """What a refused request must not change: rows of the loop, the audit trail, and files under MEDIA_ROOT."""
    return {
        "problems": Problem.objects.count(),
        "rectifications": Rectification.objects.count(),
        "photos": ProblemPhoto.objects.count(),
        "extensions": Extension.objects.count(),
        "events": AuditEvent.objects.count(),
        "counters": list(CaseNumberCounter.objects.order_by("prefix").values_list("prefix", "last")),
        "files": media_files(),
    }


def problem_state(problem: Problem) -> dict:
    return Problem.objects.filter(pk=problem.pk).values(
        "status", "version", "rework_count", "deadline", "submitted_at", "closed_at", "void_reason"
    )[0]


def photo_refusal(index: int, data: bytes) -> str:
    """The message the service gives for the ``index``-th photo, worked out from the photo module itself."""
    with pytest.raises(PhotoRejected) as caught:
        process_photo(data, max_bytes=settings.PHOTO_MAX_BYTES, max_pixels=settings.PHOTO_MAX_PIXELS)
    return gettext("Photo %(n)s: %(reason)s") % {"n": index, "reason": caught.value.message}


def events(problem: Problem) -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(target_type="inspections.problem", target_id=str(problem.pk))
        .order_by("at", "id")
        .values_list("action", "from_state", "to_state")
    )


# --- reporting -----------------------------------------------------------------------------------------------------


def test_case_numbers_are_category_code_date_and_a_sequence_per_category_and_day(people, small_city):
    inspector, compound = people.inspector, small_city.compound_a1
    first = report(inspector, compound, code="06036", now=TUE_10)
    second = report(inspector, compound, code="06036", now=TUE_10 + datetime.timedelta(hours=1))
    other_category = report(inspector, compound, code="09006", now=TUE_10 + datetime.timedelta(hours=2))
    third = report(inspector, compound, code="06036", now=TUE_10 + datetime.timedelta(hours=3))
    next_day = report(inspector, compound, code="06036", now=at(2026, 3, 11, 9))
    assert first.number == "06036202603100001"
    assert second.number == "06036202603100002"
    assert other_category.number == "09006202603100001"
    assert third.number == "06036202603100003"
    assert next_day.number == "06036202603110001"


def test_the_date_in_the_case_number_is_the_day_in_beijing_not_in_utc(people, small_city):
    # 23:30 in Beijing is 15:30 UTC the same day; 00:30 the next day in Beijing is still the 10th in UTC.
    late_evening = report(people.inspector, small_city.compound_a1, now=at(2026, 3, 10, 23, 30))
    after_midnight = report(people.inspector, small_city.compound_a1, now=at(2026, 3, 11, 0, 30))
    assert late_evening.number == "06036202603100001"
    assert after_midnight.number == "06036202603110001"


def test_a_backdated_report_is_numbered_on_the_day_it_was_found(people, small_city):
    problem = report(people.inspector, small_city.compound_a1, now=TUE_10, found_at=at(2026, 3, 9, 16))
    assert problem.number == "06036202603090001"
    assert problem.found_at == at(2026, 3, 9, 16)


def test_a_report_dated_in_the_future_is_refused(people, small_city):
    before = saved()
    with pytest.raises(ValidationError) as caught:
        report(people.inspector, small_city.compound_a1, now=TUE_10, found_at=TUE_10 + datetime.timedelta(minutes=6))
    assert set(caught.value.message_dict) == {"found_at"}
    assert saved() == before


@pytest.mark.parametrize(
    ("code", "found", "deadline"),
    [
        # 06036 乱堆杂物: 2 working days, ending at the end of the second working day after the day found.
        ("06036", at(2026, 3, 10, 10), at(2026, 3, 12, 23, 59, 59)),
        # Found on a Friday: Monday and Tuesday are the two working days.
        ("06036", at(2026, 3, 13, 16), at(2026, 3, 17, 23, 59, 59)),
        # 09006 占道经营: 4 working hours. 10:00–12:00 is 2 h, then 13:30–15:30.
        ("09006", at(2026, 3, 10, 10), at(2026, 3, 10, 15, 30)),
        # Friday 16:00: 1.5 h until 17:30, then Monday from 08:30 for 2.5 h.
        ("09006", at(2026, 3, 13, 16), at(2026, 3, 16, 11, 0)),
        # 06025 水域不洁: 15 working days from Tuesday 10 March → Tuesday 31 March.
        ("06025", at(2026, 3, 10, 10), at(2026, 3, 31, 23, 59, 59)),
    ],
)
def test_the_deadline_comes_from_the_categorys_working_days_or_hours(people, small_city, code, found, deadline):
    problem = report(people.inspector, small_city.compound_a1, code=code, now=found)
    problem.refresh_from_db()
    assert problem.deadline == deadline
    assert problem.original_deadline == deadline
    assert problem.status == ProblemStatus.OPEN


def test_a_changed_category_deadline_applies_to_new_reports(people, small_city):
    services.category_update(user=people.city_admin, category=category("06036"), deadline_amount=1)
    problem = report(people.inspector, small_city.compound_a1, now=TUE_10)
    assert problem.deadline == at(2026, 3, 11, 23, 59, 59)


def test_the_position_is_taken_from_the_photo_when_none_is_given(people, small_city):
    problem = report(people.inspector, small_city.compound_a1, photos=[jpeg_bytes(), jpeg_bytes(gps=HERE)])
    problem.refresh_from_db()
    assert (problem.latitude, problem.longitude) == (Decimal("29.300000"), Decimal("120.080000"))
    located = problem.photos.get(latitude__isnull=False)
    assert (located.latitude, located.longitude) == (Decimal("29.300000"), Decimal("120.080000"))


def test_a_position_given_with_the_report_wins_over_the_photos(people, small_city):
    problem = report(
        people.inspector,
        small_city.compound_a1,
        photos=[jpeg_bytes(gps=HERE)],
        latitude=Decimal("29.310000"),
        longitude=Decimal("120.090000"),
    )
    problem.refresh_from_db()
    assert (problem.latitude, problem.longitude) == (Decimal("29.310000"), Decimal("120.090000"))


def test_a_report_without_any_position_has_none(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    problem.refresh_from_db()
    assert problem.latitude is None and problem.longitude is None


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (Decimal("29.3"), None),
        (None, Decimal("120.08")),
        (Decimal("91"), Decimal("120")),
        (Decimal("29"), Decimal("181")),
    ],
)
def test_half_a_position_or_an_impossible_one_is_refused(people, small_city, latitude, longitude):
    before = saved()
    with pytest.raises(ValidationError) as caught:
        report(people.inspector, small_city.compound_a1, latitude=latitude, longitude=longitude)
    assert set(caught.value.message_dict) == {"lat"}
    assert saved() == before


def test_the_photo_is_stored_with_its_sha256_and_a_thumbnail_in_storage(people, small_city):
    data = jpeg_bytes(size=(800, 600))
    problem = report(people.inspector, small_city.compound_a1, photos=[data])
    photo = problem.photos.get()
    assert photo.stage == PhotoStage.BEFORE
    assert photo.rectification_id is None
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.uploaded_by == people.inspector
    assert photo.original_format == "JPEG"
    assert (photo.width, photo.height) == (800, 600)
    for field in (photo.file, photo.thumbnail):
        assert default_storage.exists(field.name)
        assert photo.sha256 in field.name
        assert (Path(settings.MEDIA_ROOT) / field.name).is_file()
    assert photo.size == default_storage.size(photo.file.name)
    with default_storage.open(photo.thumbnail.name) as handle:
        thumbnail = Image.open(io.BytesIO(handle.read()))
        assert thumbnail.format == "JPEG"
        assert max(thumbnail.size) == 320


def test_a_report_writes_one_file_and_one_thumbnail_per_photo(people, small_city):
    before = media_files()
    report(people.inspector, small_city.compound_a1, photos=[jpeg_bytes(), jpeg_bytes(colour=(0, 0, 200))])
    assert len(media_files() - before) == 4


def test_a_report_is_audited_as_reaching_open(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    event = AuditEvent.objects.get(target_type="inspections.problem", target_id=str(problem.pk))
    assert (event.action, event.from_state, event.to_state) == ("problem.report", "", "open")
    assert event.actor == people.inspector
    assert event.at == TUE_10


@pytest.mark.parametrize("who", ["inspector", "street_officer", "city_admin"])
def test_inspectors_the_street_and_the_city_office_can_report_at_a_compound(people, small_city, who):
    problem = report(getattr(people, who), small_city.compound_a1)
    assert problem.reporter == getattr(people, who)


# --- refused reports: nothing saved, no file left -------------------------------------------------------------------


@pytest.mark.parametrize(
    "photos",
    [
        pytest.param([not_an_image()], id="text-renamed-jpg"),
        pytest.param([truncated_jpeg()], id="truncated-jpeg"),
        pytest.param([png_bomb()], id="png-20000x20000"),
        pytest.param([thirty_megabytes()], id="30-mb"),
    ],
)
def test_a_bad_photo_refuses_the_report_and_saves_nothing(people, small_city, photos):
    before = saved()
    with pytest.raises(ValidationError) as caught:
        report(people.inspector, small_city.compound_a1, photos=photos)
    assert caught.value.message_dict == {"photos": [photo_refusal(1, photos[0])]}
    assert saved() == before


def test_one_bad_photo_among_good_ones_refuses_the_whole_report_naming_it(people, small_city):
    photos = [jpeg_bytes(), jpeg_bytes(), truncated_jpeg()]
    before = saved()
    with pytest.raises(ValidationError) as caught:
        report(people.inspector, small_city.compound_a1, photos=photos)
    assert caught.value.message_dict == {"photos": [photo_refusal(3, photos[2])]}
    assert saved() == before


def test_a_report_without_a_photo_is_refused(people, small_city):
    before = saved()
    with pytest.raises(ValidationError) as caught:
        report(people.inspector, small_city.compound_a1, photos=[])
    assert caught.value.message_dict == {"photos": [gettext("At least one photo is required.")]}
    assert saved() == before


def test_more_photos_than_allowed_are_refused(people, small_city, settings):
    settings.PHOTO_MAX_COUNT = 2
    before = saved()
    with pytest.raises(ValidationError) as caught:
        report(people.inspector, small_city.compound_a1, photos=[jpeg_bytes()] * 3)
    assert set(caught.value.message_dict) == {"photos"}
    assert saved() == before


@pytest.mark.parametrize(
    ("who", "unit"),
    [
        ("street_officer", "community_b1"),  # another street's community
        ("street_officer", "compound_b1"),
        ("street_inspector", "compound_a1"),  # an inspector of street B at street A
        ("inspector", "other_community"),  # another city
        ("community_worker", "compound_a1"),  # may rectify there, not report
        ("city_leader", "compound_a1"),  # reads only
        ("outsider", "compound_a1"),
    ],
)
def test_a_report_for_a_unit_outside_the_reporters_scope_is_refused(people, small_city, who, unit):
    before = saved()
    with pytest.raises(ValidationError) as caught:
        report(getattr(people, who), getattr(small_city, unit))
    assert set(caught.value.message_dict) == {"unit"}
    assert saved() == before


@pytest.mark.parametrize("level", ["city", "district", "street_a"])
def test_a_problem_cannot_belong_to_a_street_or_anything_above(people, small_city, level):
    before = saved()
    with pytest.raises(ValidationError) as caught:
        report(people.inspector, getattr(small_city, level))
    assert caught.value.message_dict == {"unit": [gettext("A problem belongs to a compound or a community.")]}
    assert saved() == before


def test_an_inactive_category_is_refused(people, small_city):
    services.category_update(user=people.city_admin, category=category("06036"), is_active=False)
    before = saved()
    with pytest.raises(ValidationError) as caught:
        report(people.inspector, small_city.compound_a1)
    assert set(caught.value.message_dict) == {"category"}
    assert saved() == before


def test_an_empty_description_is_refused(people, small_city):
    before = saved()
    with pytest.raises(ValidationError) as caught:
        report(people.inspector, small_city.compound_a1, description="   ")
    assert set(caught.value.message_dict) == {"description"}
    assert saved() == before


def test_a_failure_after_the_files_were_written_removes_them(people, small_city):
    """GIVEN a report whose photos are already in storage
    WHEN recording the audit event fails at the very end
    THEN neither the problem, its photos nor their files remain."""
    before = saved()
    with (
        mock.patch("gongjian.inspections.services.audit_record", side_effect=RuntimeError("audit store down")),
        pytest.raises(RuntimeError),
    ):
        report(people.inspector, small_city.compound_a1, photos=[jpeg_bytes(), jpeg_bytes(gps=HERE)])
    assert saved() == before


def test_a_failure_after_the_after_photos_were_written_removes_them(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    before, state = saved(), problem_state(problem)
    with (
        mock.patch("gongjian.inspections.services.audit_record", side_effect=RuntimeError("audit store down")),
        pytest.raises(RuntimeError),
    ):
        rectify(people.community_worker, problem, now=TUE_10 + datetime.timedelta(hours=3))
    assert saved() == before
    assert problem_state(problem) == state


def test_the_files_written_before_a_failing_second_photo_are_removed(people, small_city):
    """GIVEN two photos WHEN saving the second photo's row fails THEN the first photo's files go too."""
    original_save = ProblemPhoto.save
    calls = []

    def failing_second_save(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original_save(self, *args, **kwargs)

    before = saved()
    with mock.patch.object(ProblemPhoto, "save", failing_second_save), pytest.raises(RuntimeError):
        report(people.inspector, small_city.compound_a1, photos=[jpeg_bytes(), jpeg_bytes(colour=(1, 2, 3))])
    assert len(calls) == 2
    assert saved() == before


# --- the loop --------------------------------------------------------------------------------------------------------


def test_the_whole_loop_with_one_rework(people, small_city):
    """GIVEN a problem reported at a compound
    WHEN the community rectifies it, the inspector fails it, the community rectifies again and the inspector passes it
    THEN it is closed with one rework, and every step is in the audit trail with its from and to states."""
    problem = report(people.inspector, small_city.compound_a1, now=TUE_10)
    assert (problem.status, problem.version, problem.rework_count) == ("open", 1, 0)

    first = rectify(people.community_worker, problem, now=at(2026, 3, 11, 9), note="清理了一部分")
    problem.refresh_from_db()
    assert (problem.status, problem.version) == ("submitted", 2)
    assert problem.submitted_at == at(2026, 3, 11, 9)
    assert first.outcome == ReviewOutcome.PENDING
    assert list(first.photos.values_list("stage", flat=True)) == ["after"]
    assert first.photos.get().problem == problem

    review(people.inspector, problem, passed=False, now=at(2026, 3, 11, 14), note="还有两处没清")
    problem.refresh_from_db()
    first.refresh_from_db()
    assert (problem.status, problem.version, problem.rework_count) == ("open", 3, 1)
    assert problem.closed_at is None
    assert first.outcome == ReviewOutcome.FAILED
    assert first.reviewed_by == people.inspector
    assert first.reviewed_at == at(2026, 3, 11, 14)
    assert first.review_note == "还有两处没清"

    second = rectify(people.compound_manager, problem, now=at(2026, 3, 12, 9), note="全部清理")
    review(people.inspector, problem, passed=True, now=at(2026, 3, 12, 15), note="")
    problem.refresh_from_db()
    second.refresh_from_db()
    assert (problem.status, problem.version, problem.rework_count) == ("closed", 5, 1)
    assert problem.closed_at == at(2026, 3, 12, 15)
    assert problem.submitted_at == at(2026, 3, 12, 9)
    assert second.outcome == ReviewOutcome.PASSED
    assert problem.rectifications.count() == 2
    assert problem.photos.filter(stage="after").count() == 2
    assert not problem.is_late

    assert events(problem) == [
        ("problem.report", "", "open"),
        ("problem.rectify", "open", "submitted"),
        ("problem.review", "submitted", "open"),
        ("problem.rectify", "open", "submitted"),
        ("problem.review", "submitted", "closed"),
    ]
    trail = AuditEvent.objects.filter(target_id=str(problem.pk), action="problem.review").order_by("at")
    assert [(e.actor, e.changes, e.note) for e in trail] == [
        (people.inspector, {"passed": False}, "还有两处没清"),
        (people.inspector, {"passed": True}, ""),
    ]


def test_a_failed_recheck_needs_a_note_and_changes_nothing_without_one(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    rectify(people.community_worker, problem, now=at(2026, 3, 11, 9))
    before, state = saved(), problem_state(problem)
    with pytest.raises(ValidationError) as caught:
        review(people.inspector, problem, passed=False, now=at(2026, 3, 11, 10), note="  ")
    assert set(caught.value.message_dict) == {"note"}
    assert saved() == before
    assert problem_state(problem) == state
    assert problem.rectifications.get().outcome == ReviewOutcome.PENDING


def test_a_rectification_needs_a_note(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    before = saved()
    with pytest.raises(ValidationError) as caught:
        rectify(people.community_worker, problem, now=at(2026, 3, 11, 9), note=" ")
    assert set(caught.value.message_dict) == {"note"}
    assert saved() == before


@pytest.mark.parametrize(
    "photos",
    [
        pytest.param([], id="no-photo"),
        pytest.param([not_an_image()], id="text-renamed-jpg"),
        pytest.param([truncated_jpeg()], id="truncated-jpeg"),
        pytest.param([png_bomb()], id="png-20000x20000"),
        pytest.param([thirty_megabytes()], id="30-mb"),
    ],
)
def test_a_rectification_with_bad_or_no_photos_is_refused_and_saves_nothing(people, small_city, photos):
    problem = report(people.inspector, small_city.compound_a1)
    before, state = saved(), problem_state(problem)
    with pytest.raises(ValidationError) as caught:
        rectify(people.community_worker, problem, now=at(2026, 3, 11, 9), photos=photos)
    assert set(caught.value.message_dict) == {"photos"}
    assert saved() == before
    assert problem_state(problem) == state


@pytest.mark.parametrize("who", ["inspector", "street_officer", "city_leader", "liaison", "volunteer", "outsider"])
def test_only_the_responsible_unit_can_rectify(people, small_city, who):
    problem = report(people.inspector, small_city.compound_a1)
    before, state = saved(), problem_state(problem)
    with pytest.raises(NotPermitted):
        rectify(getattr(people, who), problem, now=at(2026, 3, 11, 9))
    assert saved() == before
    assert problem_state(problem) == state


def test_a_compound_manager_cannot_rectify_a_problem_of_the_community_above(people, small_city):
    problem = report(people.inspector, small_city.community_a1)
    with pytest.raises(NotPermitted):
        rectify(people.compound_manager, problem, now=at(2026, 3, 11, 9))
    rectify(people.community_worker, problem, now=at(2026, 3, 11, 9))


@pytest.mark.parametrize("who", ["community_worker", "compound_manager", "street_officer", "city_leader", "outsider"])
def test_a_recheck_by_someone_who_is_not_an_inspector_is_not_permitted(people, small_city, who):
    problem = report(people.inspector, small_city.compound_a1)
    rectify(people.community_worker, problem, now=at(2026, 3, 11, 9))
    before, state = saved(), problem_state(problem)
    with pytest.raises(NotPermitted):
        review(getattr(people, who), problem, passed=True, now=at(2026, 3, 11, 10))
    assert saved() == before
    assert problem_state(problem) == state


def test_an_inspector_of_another_street_cannot_recheck(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    rectify(people.community_worker, problem, now=at(2026, 3, 11, 9))
    with pytest.raises(NotPermitted):
        review(people.street_inspector, problem, passed=True, now=at(2026, 3, 11, 10))


def test_a_second_recheck_of_a_closed_problem_is_a_conflict(people, small_city):
    problem = closed_problem(people, small_city.compound_a1)
    before, state = saved(), problem_state(problem)
    with pytest.raises(Conflict):
        review(people.inspector, problem, passed=False, note="再看一次", now=at(2026, 3, 11, 10))
    assert saved() == before
    assert problem_state(problem) == state


def test_a_recheck_before_any_rectification_is_a_conflict(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    with pytest.raises(Conflict):
        review(people.inspector, problem, passed=True, now=at(2026, 3, 11, 10))
    assert problem_state(problem)["status"] == "open"


def test_a_rectification_of_a_problem_already_submitted_is_a_conflict_and_leaves_no_file(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    rectify(people.community_worker, problem, now=at(2026, 3, 11, 9))
    before = saved()
    with pytest.raises(Conflict):
        rectify(people.community_worker, problem, now=at(2026, 3, 11, 10))
    assert saved() == before


def test_a_stale_version_is_a_conflict_for_every_transition(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    stale = problem.version
    rectify(people.community_worker, problem, now=at(2026, 3, 11, 9), expected_version=stale)
    before, state = saved(), problem_state(problem)
    with pytest.raises(Conflict):
        review(people.inspector, problem, passed=True, now=at(2026, 3, 11, 10), expected_version=stale)
    with pytest.raises(Conflict):
        services.problem_void(user=people.inspector, problem=problem, reason="重复", expected_version=stale)
    assert saved() == before
    assert problem_state(problem) == state


def test_a_rectification_on_a_stale_version_leaves_no_file(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    rectify(people.community_worker, problem, now=at(2026, 3, 11, 9))
    review(people.inspector, problem, passed=False, note="没清干净", now=at(2026, 3, 11, 10))
    before, state = saved(), problem_state(problem)
    with pytest.raises(Conflict):
        rectify(people.community_worker, problem, now=at(2026, 3, 11, 11), expected_version=2)
    assert saved() == before
    assert problem_state(problem) == state


def test_two_rechecks_with_the_same_version_only_the_first_counts(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    rectify(people.community_worker, problem, now=at(2026, 3, 11, 9))
    seen = Problem.objects.get(pk=problem.pk).version
    review(people.inspector, problem, passed=True, now=at(2026, 3, 11, 10), expected_version=seen)
    with pytest.raises(Conflict):
        review(people.city_admin, problem, passed=False, note="不行", now=at(2026, 3, 11, 10), expected_version=seen)
    problem.refresh_from_db()
    assert (problem.status, problem.rework_count) == ("closed", 0)
    assert [e for e in events(problem) if e[0] == "problem.review"] == [("problem.review", "submitted", "closed")]


# --- void ------------------------------------------------------------------------------------------------------------


def test_voiding_needs_a_reason(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    before, state = saved(), problem_state(problem)
    with pytest.raises(ValidationError) as caught:
        services.problem_void(user=people.inspector, problem=problem, reason="  ")
    assert set(caught.value.message_dict) == {"reason"}
    assert saved() == before
    assert problem_state(problem) == state


@pytest.mark.parametrize("submitted_first", [False, True], ids=["open", "submitted"])
def test_a_void_keeps_the_reason_and_is_audited(people, small_city, submitted_first):
    problem = report(people.inspector, small_city.compound_a1)
    if submitted_first:
        rectify(people.community_worker, problem, now=at(2026, 3, 11, 9))
    before = problem_state(problem)["status"]
    services.problem_void(user=people.street_officer, problem=problem, reason=" 重复上报 ", now=at(2026, 3, 11, 10))
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.VOID
    assert problem.void_reason == "重复上报"
    assert events(problem)[-1] == ("problem.void", before, "void")


@pytest.mark.parametrize("who", ["community_worker", "compound_manager", "city_leader", "street_inspector"])
def test_only_inspectors_the_street_and_the_city_office_can_void(people, small_city, who):
    problem = report(people.inspector, small_city.compound_a1)
    with pytest.raises(NotPermitted):
        services.problem_void(user=getattr(people, who), problem=problem, reason="重复")
    assert problem_state(problem)["status"] == "open"


@pytest.mark.parametrize("final", ["closed", "void"])
def test_a_closed_or_void_problem_cannot_be_voided(people, small_city, final):
    problem = (
        closed_problem(people, small_city.compound_a1)
        if final == "closed"
        else services.problem_void(
            user=people.inspector, problem=report(people.inspector, small_city.compound_a1), reason="错"
        )
    )
    state = problem_state(problem)
    with pytest.raises(Conflict):
        services.problem_void(user=people.city_admin, problem=problem, reason="再作废")
    assert problem_state(problem) == state


# --- extensions ------------------------------------------------------------------------------------------------------


ASKED_FOR = at(2026, 3, 20, 23, 59, 59)
ASKED_AT = at(2026, 3, 11, 9)


def request_extension(people, problem, *, to=ASKED_FOR, now=ASKED_AT) -> Extension:
    return services.extension_request(
        user=people.community_worker, problem=problem, reason="需要施工队", requested_deadline=to, now=now
    )


def test_an_approved_extension_moves_the_deadline_and_keeps_the_original(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    extension = request_extension(people, problem)
    assert extension.status == ExtensionStatus.PENDING
    assert problem_state(problem)["deadline"] == TUE_DEADLINE, "asking alone changes nothing"

    services.extension_decide(
        user=people.street_officer, extension=extension, approve=True, note="同意", now=at(2026, 3, 11, 15)
    )
    problem.refresh_from_db()
    extension.refresh_from_db()
    assert problem.deadline == at(2026, 3, 20, 23, 59, 59)
    assert problem.original_deadline == TUE_DEADLINE
    assert problem.status == ProblemStatus.OPEN
    assert (extension.status, extension.decided_by, extension.decision_note) == (
        "approved",
        people.street_officer,
        "同意",
    )
    assert extension.decided_at == at(2026, 3, 11, 15)
    trail = AuditEvent.objects.filter(target_id=str(problem.pk), action__startswith="problem.extension").order_by("at")
    assert [(e.action, e.from_state, e.to_state) for e in trail] == [
        ("problem.extension_request", "open", "open"),
        ("problem.extension_decide", "open", "open"),
    ]
    changes = trail[1].changes
    assert changes["approved"] is True
    assert [datetime.datetime.fromisoformat(value) for value in changes["deadline"]] == [
        TUE_DEADLINE,
        at(2026, 3, 20, 23, 59, 59),
    ]


def test_a_rejected_extension_keeps_the_deadline(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    version = problem_state(problem)["version"]
    extension = request_extension(people, problem)
    services.extension_decide(user=people.city_admin, extension=extension, approve=False, note="理由不足")
    problem.refresh_from_db()
    extension.refresh_from_db()
    assert problem.deadline == problem.original_deadline == TUE_DEADLINE
    assert problem.version == version
    assert extension.status == ExtensionStatus.REJECTED
    assert AuditEvent.objects.get(target_id=str(problem.pk), action="problem.extension_decide").changes == {
        "approved": False
    }


def test_a_second_pending_extension_request_is_refused(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    request_extension(people, problem)
    before = saved()
    with pytest.raises(Conflict):
        request_extension(people, problem, to=at(2026, 3, 25, 23, 59, 59))
    assert saved() == before
    assert problem.extensions.count() == 1


def test_after_a_decision_a_new_extension_can_be_requested(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    services.extension_decide(user=people.city_admin, extension=request_extension(people, problem), approve=False)
    second = request_extension(people, problem, to=at(2026, 3, 18, 23, 59, 59))
    assert second.status == ExtensionStatus.PENDING
    assert problem.extensions.count() == 2


def test_an_extension_must_move_the_deadline_later(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    before = saved()
    with pytest.raises(ValidationError) as caught:
        request_extension(people, problem, to=TUE_DEADLINE)
    assert set(caught.value.message_dict) == {"requested_deadline"}
    assert saved() == before


def test_an_extension_needs_a_reason(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    with pytest.raises(ValidationError) as caught:
        services.extension_request(
            user=people.community_worker, problem=problem, reason=" ", requested_deadline=at(2026, 3, 20)
        )
    assert set(caught.value.message_dict) == {"reason"}
    assert not problem.extensions.exists()


@pytest.mark.parametrize("who", ["inspector", "street_officer", "outsider"])
def test_only_the_responsible_unit_asks_for_an_extension(people, small_city, who):
    problem = report(people.inspector, small_city.compound_a1)
    with pytest.raises(NotPermitted):
        services.extension_request(
            user=getattr(people, who), problem=problem, reason="需要时间", requested_deadline=at(2026, 3, 20)
        )
    assert not problem.extensions.exists()


@pytest.mark.parametrize("who", ["community_worker", "inspector", "city_leader"])
def test_only_the_street_or_the_city_office_decides_an_extension(people, small_city, who):
    problem = report(people.inspector, small_city.compound_a1)
    extension = request_extension(people, problem)
    with pytest.raises(NotPermitted):
        services.extension_decide(user=getattr(people, who), extension=extension, approve=True)
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.PENDING
    assert problem_state(problem)["deadline"] == TUE_DEADLINE


def test_an_extension_cannot_be_decided_twice(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    extension = request_extension(people, problem)
    services.extension_decide(user=people.street_officer, extension=extension, approve=False)
    with pytest.raises(Conflict):
        services.extension_decide(user=people.city_admin, extension=extension, approve=True)
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.REJECTED
    assert problem_state(problem)["deadline"] == TUE_DEADLINE


def test_no_extension_is_requested_for_a_submitted_problem(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    rectify(people.community_worker, problem, now=at(2026, 3, 11, 9))
    with pytest.raises(Conflict):
        request_extension(people, problem)


# --- relapse (回潮) --------------------------------------------------------------------------------------------------

CLOSED_AT = at(2026, 3, 4, 12)


def test_the_same_category_at_the_same_compound_soon_after_closing_is_a_relapse(people, small_city):
    original = closed_problem(people, small_city.compound_a1, found=at(2026, 3, 2, 9), closed=CLOSED_AT)
    again = report(people.inspector, small_city.compound_a1, now=at(2026, 3, 20, 9))
    assert again.relapse_of == original
    assert again.is_relapse
    report_event = AuditEvent.objects.get(target_id=str(again.pk), action="problem.report")
    assert report_event.changes == {"relapse_of": original.pk}


@pytest.mark.parametrize(
    ("found", "relapse"),
    [
        (CLOSED_AT + datetime.timedelta(days=30), True),  # the window's last moment counts
        (CLOSED_AT + datetime.timedelta(days=30, seconds=1), False),
        (CLOSED_AT + datetime.timedelta(days=45), False),
    ],
)
def test_the_relapse_window_is_the_categorys_number_of_days_after_closing(people, small_city, found, relapse):
    original = closed_problem(people, small_city.compound_a1, found=at(2026, 3, 2, 9), closed=CLOSED_AT)
    again = report(people.inspector, small_city.compound_a1, now=found)
    assert again.relapse_of == (original if relapse else None)


def test_a_longer_window_set_by_the_city_office_catches_a_later_repeat(people, small_city):
    original = closed_problem(people, small_city.compound_a1, found=at(2026, 3, 2, 9), closed=CLOSED_AT)
    services.category_update(user=people.city_admin, category=category("06036"), relapse_window_days=60)
    again = report(people.inspector, small_city.compound_a1, now=CLOSED_AT + datetime.timedelta(days=45))
    assert again.relapse_of == original


def test_a_different_category_at_the_same_compound_is_no_relapse(people, small_city):
    closed_problem(people, small_city.compound_a1, found=at(2026, 3, 2, 9), closed=CLOSED_AT)
    other = report(people.inspector, small_city.compound_a1, code="06010", now=at(2026, 3, 10, 9))
    assert other.relapse_of is None


def test_the_same_category_at_another_unit_without_coordinates_is_no_relapse(people, small_city):
    closed_problem(people, small_city.compound_a1, found=at(2026, 3, 2, 9), closed=CLOSED_AT)
    other = report(people.inspector, small_city.community_a2, now=at(2026, 3, 10, 9))
    assert other.relapse_of is None


def test_a_problem_that_is_still_open_has_no_relapses(people, small_city):
    report(people.inspector, small_city.compound_a1, now=at(2026, 3, 2, 9))
    again = report(people.inspector, small_city.compound_a1, now=at(2026, 3, 3, 9))
    assert again.relapse_of is None


def test_a_voided_problem_has_no_relapses(people, small_city):
    first = report(people.inspector, small_city.compound_a1, now=at(2026, 3, 2, 9))
    services.problem_void(user=people.inspector, problem=first, reason="误报")
    again = report(people.inspector, small_city.compound_a1, now=at(2026, 3, 3, 9))
    assert again.relapse_of is None


def test_the_most_recently_closed_problem_is_the_origin(people, small_city):
    closed_problem(people, small_city.compound_a1, found=at(2026, 3, 2, 9), closed=at(2026, 3, 2, 15))
    latest = closed_problem(people, small_city.compound_a1, found=at(2026, 3, 3, 9), closed=at(2026, 3, 5, 15))
    again = report(people.inspector, small_city.compound_a1, now=at(2026, 3, 10, 9))
    assert again.relapse_of == latest


def test_a_problem_closed_after_the_new_one_was_found_is_not_its_origin(people, small_city):
    closed_problem(people, small_city.compound_a1, found=at(2026, 3, 2, 9), closed=at(2026, 3, 10, 12))
    backdated = report(people.inspector, small_city.compound_a1, now=at(2026, 3, 10, 13), found_at=at(2026, 3, 10, 11))
    assert backdated.relapse_of is None


# 1° of latitude is 111.2 km on the haversine sphere; 1° of longitude at 29.3° N is 96.97 km.
NORTH_30_M = (Decimal("29.300270"), Decimal("120.080000"))  # 30.0 m
NORTH_80_M = (Decimal("29.300720"), Decimal("120.080000"))  # 80.1 m
EAST_45_M = (Decimal("29.300000"), Decimal("120.080464"))  # 45.0 m
NORTH_EAST_57_M = (Decimal("29.300360"), Decimal("120.080412"))  # 40.0 m north and 40.0 m east: 56.6 m


@pytest.mark.parametrize(
    ("position", "relapse"),
    [
        (NORTH_30_M, True),
        (EAST_45_M, True),
        (NORTH_80_M, False),
        (NORTH_EAST_57_M, False),  # inside the search box, outside the circle
    ],
    ids=["30m-north", "45m-east", "80m-north", "57m-north-east"],
)
def test_a_repeat_near_a_closed_problem_at_another_unit_is_a_relapse_by_distance(people, small_city, position, relapse):
    """GIVEN a problem with coordinates closed at compound A1
    WHEN the same kind of problem is reported at community A2 (another unit) with coordinates
    THEN it is a relapse exactly when it lies within RELAPSE_DISTANCE_METERS (50 m)."""
    assert settings.RELAPSE_DISTANCE_METERS == 50
    original = closed_problem(
        people,
        small_city.compound_a1,
        found=at(2026, 3, 2, 9),
        closed=CLOSED_AT,
        latitude=Decimal("29.300000"),
        longitude=Decimal("120.080000"),
    )
    lat, lng = position
    again = report(people.inspector, small_city.community_a2, now=at(2026, 3, 10, 9), latitude=lat, longitude=lng)
    assert again.relapse_of == (original if relapse else None)


def test_the_relapse_distance_is_a_setting(people, small_city, settings):
    settings.RELAPSE_DISTANCE_METERS = 100
    original = closed_problem(
        people,
        small_city.compound_a1,
        found=at(2026, 3, 2, 9),
        closed=CLOSED_AT,
        latitude=Decimal("29.300000"),
        longitude=Decimal("120.080000"),
    )
    lat, lng = NORTH_80_M
    again = report(people.inspector, small_city.community_a2, now=at(2026, 3, 10, 9), latitude=lat, longitude=lng)
    assert again.relapse_of == original


def test_a_relapse_by_distance_can_use_the_position_from_the_photo(people, small_city):
    original = closed_problem(
        people,
        small_city.compound_a1,
        found=at(2026, 3, 2, 9),
        closed=CLOSED_AT,
        latitude=Decimal("29.300000"),
        longitude=Decimal("120.080000"),
    )
    again = report(people.inspector, small_city.community_a2, now=at(2026, 3, 10, 9), photos=[jpeg_bytes(gps=HERE)])
    assert again.relapse_of == original


def test_a_near_repeat_of_another_category_is_no_relapse(people, small_city):
    closed_problem(
        people,
        small_city.compound_a1,
        found=at(2026, 3, 2, 9),
        closed=CLOSED_AT,
        latitude=Decimal("29.300000"),
        longitude=Decimal("120.080000"),
    )
    lat, lng = NORTH_30_M
    again = report(
        people.inspector, small_city.community_a2, code="06010", now=at(2026, 3, 10, 9), latitude=lat, longitude=lng
    )
    assert again.relapse_of is None


# --- overdue and late ------------------------------------------------------------------------------------------------


def test_a_problem_is_overdue_only_while_open_after_its_deadline(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    assert problem.deadline == TUE_DEADLINE
    with mock.patch("django.utils.timezone.now", return_value=TUE_DEADLINE):
        assert not problem.is_overdue
    with mock.patch("django.utils.timezone.now", return_value=TUE_DEADLINE + datetime.timedelta(seconds=1)):
        assert problem.is_overdue
        rectify(people.community_worker, problem, now=at(2026, 3, 13, 9))
        problem.refresh_from_db()
        assert problem.status == ProblemStatus.SUBMITTED
        assert not problem.is_overdue


def test_an_approved_extension_ends_the_overdue_state(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    services.extension_decide(user=people.street_officer, extension=request_extension(people, problem), approve=True)
    problem.refresh_from_db()
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 3, 16, 9)):
        assert not problem.is_overdue
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 3, 21, 0)):
        assert problem.is_overdue


def test_a_problem_sent_back_after_its_deadline_is_overdue_again(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    rectify(people.community_worker, problem, now=at(2026, 3, 11, 9))
    review(people.inspector, problem, passed=False, note="没清干净", now=at(2026, 3, 13, 9))
    problem.refresh_from_db()
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 3, 13, 10)):
        assert problem.is_overdue


def test_a_rectification_after_the_deadline_is_late(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    rectify(people.community_worker, problem, now=TUE_DEADLINE + datetime.timedelta(minutes=1))
    problem.refresh_from_db()
    assert problem.is_late
    event = AuditEvent.objects.get(target_id=str(problem.pk), action="problem.rectify")
    assert event.changes == {"late": True}


def test_a_rectification_by_the_deadline_is_not_late(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    rectify(people.community_worker, problem, now=TUE_DEADLINE)
    problem.refresh_from_db()
    assert not problem.is_late
    event = AuditEvent.objects.get(target_id=str(problem.pk), action="problem.rectify")
    assert event.changes == {"late": False}


def test_a_problem_never_rectified_is_not_late_but_overdue(people, small_city):
    problem = report(people.inspector, small_city.compound_a1)
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 3, 20)):
        assert not problem.is_late
        assert problem.is_overdue


# --- at the same time, for real (PostgreSQL only) ---------------------------------------------------------------------

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks (PostgreSQL)")


def run_together(*calls):
    """Run the calls in threads released at the same moment; each result is ("ok", value) or ("error", exc)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def work(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except Exception as exc:  # the test looks at what was raised
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def fresh(user) -> User:
    """A separate user object per thread, so that nothing cached is shared between them."""
    return User.objects.get(pk=user.pk)


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_version", [True, False], ids=["expected-version", "no-version"])
def test_two_inspectors_rechecking_at_the_same_moment_close_it_once(people, small_city, with_version):
    """GIVEN a rectified problem
    WHEN two inspectors record their re-check in the same instant
    THEN exactly one closes it and the other gets a Conflict; one review is recorded."""
    own = CategoryFactory(code="T9001", deadline_amount=2)
    problem = services.problem_report(
        user=people.inspector,
        category=own,
        unit=small_city.compound_a1,
        description="楼道堆放杂物",
        address="3幢",
        point_type="compound",
        photos=[jpeg_bytes()],
        now=TUE_10,
    )
    rectify(people.community_worker, problem, now=at(2026, 3, 11, 9))
    version = Problem.objects.get(pk=problem.pk).version
    kwargs = {"expected_version": version} if with_version else {}

    results = run_together(
        lambda: services.rectification_review(
            user=fresh(people.inspector), problem=Problem.objects.get(pk=problem.pk), passed=True, **kwargs
        ),
        lambda: services.rectification_review(
            user=fresh(people.city_admin), problem=Problem.objects.get(pk=problem.pk), passed=True, **kwargs
        ),
    )
    outcomes = sorted(kind for kind, _value in results)
    assert outcomes == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, Conflict)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED
    assert problem.version == version + 1
    assert AuditEvent.objects.filter(target_id=str(problem.pk), action="problem.review").count() == 1
    assert problem.rectifications.get().outcome == ReviewOutcome.PASSED


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_reports_at_the_same_moment_get_different_consecutive_case_numbers(people, small_city):
    own = CategoryFactory(code="T9002", deadline_amount=2)

    def one_report():
        return services.problem_report(
            user=fresh(people.inspector),
            category=own,
            unit=small_city.compound_a1,
            description="楼道堆放杂物",
            address="3幢",
            point_type="compound",
            photos=[jpeg_bytes()],
            now=TUE_10,
        ).number

    results = run_together(one_report, one_report, one_report)
    assert [kind for kind, _value in results] == ["ok", "ok", "ok"], results
    assert sorted(value for _kind, value in results) == [
        "T9002202603100001",
        "T9002202603100002",
        "T9002202603100003",
    ]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_recheck_in_progress_does_not_hold_up_a_recheck_of_another_problem_of_the_same_category(people, small_city):
    """GIVEN two rectified problems of the same category
    WHEN an inspector's re-check of the first is still inside its transaction
    THEN the re-check of the second goes through without waiting for it."""
    from django.db import OperationalError, transaction

    own = CategoryFactory(code="T9003", deadline_amount=2)
    problems = []
    for unit in (small_city.compound_a1, small_city.community_a2):
        problem = services.problem_report(
            user=people.inspector,
            category=own,
            unit=unit,
            description="楼道堆放杂物",
            address="3幢",
            point_type="compound",
            photos=[jpeg_bytes()],
            now=TUE_10,
        )
        rectify(people.city_admin, problem, now=at(2026, 3, 11, 9))
        problems.append(problem)

    original_audit = services.audit_record
    holding, release = threading.Event(), threading.Event()

    def audit_then_hold(**kwargs):
        event = original_audit(**kwargs)
        if threading.current_thread().name == "first":
            holding.set()
            release.wait(timeout=30)
        return event

    def first():
        try:
            services.rectification_review(user=fresh(people.inspector), problem=problems[0], passed=True)
        finally:
            connection.close()

    with mock.patch("gongjian.inspections.services.audit_record", side_effect=audit_then_hold):
        thread = threading.Thread(target=first, name="first")
        thread.start()
        try:
            assert holding.wait(timeout=10), "the first re-check never reached its audit record"
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = '2s'")
                    services.rectification_review(user=fresh(people.inspector), problem=problems[1], passed=True)
                second_went_through = True
            except OperationalError:
                second_went_through = False
        finally:
            release.set()
            thread.join(timeout=30)
    assert second_went_through
    assert set(Problem.objects.filter(pk__in=[p.pk for p in problems]).values_list("status", flat=True)) == {"closed"}
