"""The pages of the rectification loop, per role and always with the outsider: reporting on a phone, the list and
its Excel export, the problem page, photos, the work queue, statistics and the map."""

import datetime
import io
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from gongjian.core.models import AuditEvent
from gongjian.inspections import selectors, services
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.exporters import ProblemExcelExporter
from gongjian.inspections.models import Category, Extension, Problem, ProblemPhoto, Rectification
from gongjian.inspections.tests.factories import (
    ProblemFactory,
    at,
    jpeg_bytes,
    media_files,
    not_an_image,
    png_bomb,
    reported,
    truncated_jpeg,
    upload,
)
from gongjian.testing.excel import read_export

pytestmark = pytest.mark.django_db

FUTURE = at(2027, 6, 30, 23, 59, 59)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def saved() -> dict:
    return {
        "problems": Problem.objects.count(),
        "rectifications": Rectification.objects.count(),
        "photos": ProblemPhoto.objects.count(),
        "extensions": Extension.objects.count(),
        "events": AuditEvent.objects.filter(target_type__startswith="inspections.").count(),
        "files": media_files(),
    }


def html(response) -> str:
    return response.content.decode()


def radio_values(page: str, name: str) -> set[str]:
    """The values of the report form's tap-to-pick lists (radio buttons)."""
    return {
        value
        for tag in re.findall(r'<input type="radio"[^>]*>', page)
        if f'name="{name}"' in tag
        for value in re.findall(r'value="([^"]*)"', tag)
    }


def select_options(page: str, select_id: str) -> set[str]:
    block = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert block, f"no <select id={select_id}>"
    return {value for value in re.findall(r'<option value="([^"]*)"', block.group(1)) if value}


def category(code: str) -> Category:
    return Category.objects.get(code=code)


# --- reporting on a phone -------------------------------------------------------------------------------------------


def test_the_report_page_is_made_for_a_phone_camera(people):
    response = signed_in(people.street_officer).get("/problems/report/")
    assert response.status_code == 200
    page = html(response)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    photo_input = re.search(r'<input[^>]*name="photos"[^>]*>', page).group(0)
    assert 'type="file"' in photo_input
    assert 'accept="image/*"' in photo_input
    assert 'capture="environment"' in photo_input
    assert "multiple" in photo_input
    assert 'enctype="multipart/form-data"' in page


@pytest.mark.parametrize(
    ("who", "visible", "hidden"),
    [
        (
            "street_officer",
            {"community_a1", "community_a2", "compound_a1"},
            {"community_b1", "compound_b1", "other_community", "street_a", "street_b"},
        ),
        (
            "street_inspector",
            {"community_b1", "compound_b1"},
            {"community_a1", "community_a2", "compound_a1", "other_community"},
        ),
        (
            "inspector",
            {"community_a1", "community_a2", "compound_a1", "community_b1", "compound_b1"},
            {"other_community", "city", "district", "street_a", "street_b"},
        ),
    ],
)
def test_the_unit_picker_lists_only_responsible_units_in_scope(people, small_city, who, visible, hidden):
    page = html(signed_in(getattr(people, who)).get("/problems/report/"))
    options = radio_values(page, "unit")
    assert options == {str(getattr(small_city, name).pk) for name in visible}
    assert not options & {str(getattr(small_city, name).pk) for name in hidden}


def test_the_category_picker_lists_the_categories_in_use(people):
    Category.objects.filter(code="06036").update(is_active=False)
    page = html(signed_in(people.inspector).get("/problems/report/"))
    options = radio_values(page, "category")
    assert "06036" not in options
    assert options == set(Category.objects.filter(is_active=True).values_list("code", flat=True))


@pytest.mark.parametrize(
    "who", ["community_worker", "compound_manager", "city_leader", "liaison", "volunteer", "outsider"]
)
def test_people_who_do_not_report_get_403_on_the_report_page(people, who):
    assert signed_in(getattr(people, who)).get("/problems/report/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get("/problems/report/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def report_form(unit, **overrides) -> dict:
    data = {
        "category": "06036",
        "unit": str(unit.pk),
        "point_type": "compound",
        "severity": "normal",
        "address": "3幢2单元",
        "description": "楼道堆放纸箱",
        "latitude": "",
        "longitude": "",
        "photos": [upload(jpeg_bytes())],
    }
    data.update(overrides)
    return data


def test_a_report_from_the_page_is_saved_and_opens_the_problem(people, small_city):
    response = signed_in(people.street_officer).post("/problems/report/", report_form(small_city.compound_a1))
    problem = Problem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/problems/{problem.pk}/"
    assert (problem.unit, problem.reporter, problem.status) == (small_city.compound_a1, people.street_officer, "open")
    assert problem.photos.count() == 1


def test_the_position_from_the_phone_is_kept(people, small_city):
    signed_in(people.street_officer).post(
        "/problems/report/", report_form(small_city.compound_a1, latitude="29.300100", longitude="120.080200")
    )
    problem = Problem.objects.get()
    assert (problem.latitude, problem.longitude) == (Decimal("29.300100"), Decimal("120.080200"))


@pytest.mark.parametrize(
    "photos",
    [
        pytest.param([upload(not_an_image())], id="text-renamed-jpg"),
        pytest.param([upload(truncated_jpeg())], id="truncated-jpeg"),
        pytest.param([upload(png_bomb(), "bomb.png", "image/png")], id="png-bomb"),
        pytest.param([upload(jpeg_bytes()), upload(not_an_image(), "2.jpg")], id="one-bad-of-two"),
        pytest.param([], id="no-photo"),
    ],
)
def test_a_report_with_a_bad_photo_is_shown_again_with_400_and_saves_nothing(people, small_city, photos):
    before = saved()
    data = report_form(small_city.compound_a1, photos=photos)
    if not photos:
        del data["photos"]
    response = signed_in(people.street_officer).post("/problems/report/", data)
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["photos"]
    page = html(response)
    assert form.errors["photos"][0] in page
    # What was typed is kept, so only the photo has to be taken again.
    assert "楼道堆放纸箱" in page
    assert saved() == before


def test_a_report_for_a_unit_outside_scope_is_shown_again_with_400(people, small_city):
    before = saved()
    response = signed_in(people.street_officer).post("/problems/report/", report_form(small_city.compound_b1))
    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert saved() == before


# --- the list and the Excel export ----------------------------------------------------------------------------------


@pytest.fixture
def listed(people, small_city):
    """Rows straight in the database; numbers name what they are."""
    rows = [
        ("A-OPEN-06036", small_city.compound_a1, "06036", "open", at(2026, 3, 2, 9), None),
        ("A-OPEN-09006", small_city.community_a2, "09006", "open", at(2026, 3, 3, 9), FUTURE),
        ("A-SUBMITTED-06036", small_city.community_a1, "06036", "submitted", at(2026, 3, 4, 9), None),
        ("A-CLOSED-06036", small_city.compound_a1, "06036", "closed", at(2026, 3, 5, 9), None),
        ("A-VOID-06010", small_city.compound_a1, "06010", "void", at(2026, 3, 6, 9), None),
        ("B-OPEN-06036", small_city.community_b1, "06036", "open", at(2026, 3, 7, 9), None),
        ("B-SUBMITTED-09006", small_city.compound_b1, "09006", "submitted", at(2026, 3, 8, 9), None),
    ]
    for number, unit, code, status, found, deadline in rows:
        extra = {"deadline": deadline, "original_deadline": deadline} if deadline else {}
        if status == "void":
            extra["void_reason"] = "误报"
        if status in ("submitted", "closed"):
            extra["submitted_at"] = found + datetime.timedelta(hours=5)
        if status == "closed":
            extra["closed_at"] = found + datetime.timedelta(hours=6)
        ProblemFactory(number=number, unit=unit, category=category(code), status=status, found_at=found, **extra)


def listed_numbers(response) -> list[str]:
    assert response.status_code == 200
    return [problem.number for problem in response.context["page"]]


@pytest.mark.parametrize(
    ("who", "query", "expected"),
    [
        (
            "city_admin",
            "",
            [
                "B-SUBMITTED-09006",
                "B-OPEN-06036",
                "A-VOID-06010",
                "A-CLOSED-06036",
                "A-SUBMITTED-06036",
                "A-OPEN-09006",
                "A-OPEN-06036",
            ],
        ),
        ("city_admin", "status=open", ["B-OPEN-06036", "A-OPEN-09006", "A-OPEN-06036"]),
        ("city_admin", "status=open&category=06036", ["B-OPEN-06036", "A-OPEN-06036"]),
        ("city_admin", "overdue=true", ["B-OPEN-06036", "A-OPEN-06036"]),
        (
            "city_admin",
            "found_after=2026-03-04&found_before=2026-03-06",
            ["A-VOID-06010", "A-CLOSED-06036", "A-SUBMITTED-06036"],
        ),
        ("city_admin", "q=B-", ["B-SUBMITTED-09006", "B-OPEN-06036"]),
        ("community_worker", "", ["A-VOID-06010", "A-CLOSED-06036", "A-SUBMITTED-06036", "A-OPEN-06036"]),
        ("community_worker", "status=open", ["A-OPEN-06036"]),
        ("liaison", "", ["B-SUBMITTED-09006", "B-OPEN-06036"]),  # the paired community and its compounds
        ("street_inspector", "", ["B-SUBMITTED-09006", "B-OPEN-06036"]),
        ("outsider", "", []),
    ],
)
def test_the_list_shows_the_filtered_rows_in_scope(people, listed, who, query, expected):
    response = signed_in(getattr(people, who)).get(f"/problems/?{query}")
    if who == "outsider":
        assert response.status_code == 403  # no right to see problems at all
        return
    assert listed_numbers(response) == expected
    page = html(response)
    for number in expected:
        assert number in page


def test_the_list_filter_by_unit_takes_the_subtree(people, small_city, listed):
    response = signed_in(people.city_admin).get(f"/problems/?unit={small_city.community_a1.pk}")
    assert set(listed_numbers(response)) == {"A-OPEN-06036", "A-SUBMITTED-06036", "A-CLOSED-06036", "A-VOID-06010"}


@pytest.mark.parametrize("query", ["unit=abc", "found_after=2026-13-45", "status=bogus", "overdue=perhaps"])
def test_a_malformed_list_filter_is_a_400_page_naming_the_problem(people, listed, query):
    response = signed_in(people.city_admin).get(f"/problems/?{query}")
    assert response.status_code == 400
    field = query.split("=")[0]
    assert field in response.context["form"].errors
    assert response.context["form"].errors[field][0] in html(response)


def test_the_list_keeps_the_filter_in_the_export_and_map_links(people, listed):
    page = html(signed_in(people.city_admin).get("/problems/?status=open&category=06036"))
    assert 'href="/problems/export.xlsx?status=open&amp;category=06036"' in page
    assert 'href="/problems/map/?status=open&amp;category=06036"' in page


def exported(response) -> tuple[list, list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    return list(rows[1]), [row[0] for row in rows[2:]]  # below the title row


@pytest.mark.parametrize(
    ("who", "query"),
    [
        ("city_admin", ""),
        ("city_admin", "status=open"),
        ("city_admin", "status=open&category=06036"),
        ("city_admin", "found_after=2026-03-04&found_before=2026-03-06"),
        ("city_admin", "overdue=true"),
        ("community_worker", ""),
        ("community_worker", "category=06036"),
        ("liaison", ""),
        ("street_inspector", "status=submitted"),
    ],
)
def test_the_excel_export_holds_exactly_the_rows_of_the_list(people, listed, who, query):
    client = signed_in(getattr(people, who))
    header, numbers = exported(client.get(f"/problems/export.xlsx?{query}"))
    assert header == ProblemExcelExporter(Problem.objects.none()).headers()
    assert numbers == listed_numbers(client.get(f"/problems/?{query}"))


def test_the_export_writes_the_columns_of_each_row(people, small_city, listed):
    response = signed_in(people.community_worker).get("/problems/export.xlsx?status=closed")
    exported = read_export(response.content)
    row = exported.dicts()[0]
    problem = Problem.objects.get(number="A-CLOSED-06036")
    assert row[gettext("Case number")] == "A-CLOSED-06036"
    assert row[gettext("Status")] == problem.get_status_display()
    assert row[gettext("Category")] == "06036 乱堆杂物"
    assert row[gettext("Responsible unit")] == "甲一小区"
    assert (row[gettext("Community")], row[gettext("Street")]) == ("甲一社区", "甲街道")
    # Local wall-clock times, as officials expect them, as real dates.
    assert row[gettext("Found at")] == datetime.datetime(2026, 3, 5, 9, 0)
    assert row[gettext("Closed at")] == datetime.datetime(2026, 3, 5, 15, 0)
    assert exported.sheet["J3"].number_format == "yyyy-mm-dd hh:mm"
    assert len(exported.rows) == 1


def test_a_malformed_export_filter_is_a_400(people, listed):
    assert signed_in(people.city_admin).get("/problems/export.xlsx?found_after=2026-13-45").status_code == 400


def test_the_outsider_cannot_export(people, listed):
    assert signed_in(people.outsider).get("/problems/export.xlsx").status_code == 403


# --- the problem page -----------------------------------------------------------------------------------------------


@pytest.fixture
def looped(people, small_city):
    """Reported, rectified, failed, rectified again and passed."""
    problem = reported(people.inspector, small_city.compound_a1, now=at(2026, 3, 10, 10))
    services.rectification_submit(
        user=people.community_worker, problem=problem, note="清理一半", photos=[jpeg_bytes()], now=at(2026, 3, 11, 9)
    )
    services.rectification_review(
        user=people.inspector, problem=problem, passed=False, note="楼梯口仍有杂物", now=at(2026, 3, 11, 14)
    )
    services.rectification_submit(
        user=people.community_worker, problem=problem, note="全部清理", photos=[jpeg_bytes()], now=at(2026, 3, 12, 9)
    )
    services.rectification_review(user=people.inspector, problem=problem, passed=True, now=at(2026, 3, 12, 15))
    problem.refresh_from_db()
    return problem


def test_the_problem_page_shows_before_and_after_photos(people, looped):
    page = html(signed_in(people.community_worker).get(f"/problems/{looped.pk}/"))
    before_section, after_section = page[page.index("before-after") :].split("</section>")[:2]
    before = looped.photos.get(stage="before")
    after = list(looped.photos.filter(stage="after"))
    assert len(after) == 2
    assert f"/problems/photos/{before.pk}/thumb/" in before_section
    assert f"/problems/photos/{before.pk}/full/" in before_section
    for photo in after:
        assert f"/problems/photos/{photo.pk}/thumb/" in after_section
        assert f"/problems/photos/{photo.pk}/thumb/" not in before_section


def test_the_problem_page_has_a_timeline_entry_per_transition(people, looped):
    page = html(signed_in(people.community_worker).get(f"/problems/{looped.pk}/"))
    assert re.findall(r'data-action="([^"]+)"', page) == [
        "problem.report",
        "problem.rectify",
        "problem.review",
        "problem.rectify",
        "problem.review",
    ]
    assert "楼梯口仍有杂物" in page
    assert page.count('class="timeline-entry') == 5
    label = {status: str(status.label) for status in ProblemStatus}
    assert f"{label[ProblemStatus.OPEN]} → {label[ProblemStatus.SUBMITTED]}" in page
    assert f"{label[ProblemStatus.SUBMITTED]} → {label[ProblemStatus.CLOSED]}" in page
    assert f"{label[ProblemStatus.SUBMITTED]} → {label[ProblemStatus.OPEN]}" in page
    assert "2026-03-11 14:00" in page


def test_the_timeline_shows_the_photos_sent_at_each_step(people, looped):
    entries = selectors.problem_timeline(problem=looped)
    before = looped.photos.get(stage="before")
    after = list(looped.photos.filter(stage="after").order_by("id"))
    assert [[p.pk for p in entry.photos] for entry in entries] == [[before.pk], [after[0].pk], [], [after[1].pk], []]


def test_the_problem_page_offers_only_what_the_viewer_may_do(people, small_city):
    problem = reported(people.inspector, small_city.compound_a1)
    worker = html(signed_in(people.community_worker).get(f"/problems/{problem.pk}/"))
    # Rectifying and re-checking open their own phone pages; the rest are forms on the page.
    assert f'href="/problems/{problem.pk}/rectify/"' in worker
    assert f'action="/problems/{problem.pk}/extension/"' in worker
    assert f'/problems/{problem.pk}/review/"' not in worker
    assert f'action="/problems/{problem.pk}/void/"' not in worker
    inspector = html(signed_in(people.inspector).get(f"/problems/{problem.pk}/"))
    assert f'/problems/{problem.pk}/rectify/"' not in inspector
    assert f'action="/problems/{problem.pk}/void/"' in inspector
    leader = html(signed_in(people.city_leader).get(f"/problems/{problem.pk}/"))
    for action in ("rectify/", "review/", "void/", "extension/", "extension/decide/"):
        assert f'/problems/{problem.pk}/{action}"' not in leader


@pytest.fixture
def a1_and_b1(people, small_city):
    return (
        reported(people.inspector, small_city.compound_a1),
        reported(people.inspector, small_city.community_b1, code="09006"),
    )


@pytest.mark.parametrize(
    ("who", "sees_a1", "sees_b1"),
    [
        ("city_admin", True, True),
        ("city_leader", True, True),
        ("inspector", True, True),
        ("street_officer", True, False),
        ("community_worker", True, False),
        ("compound_manager", True, False),
        ("street_inspector", False, True),
        ("liaison", False, True),
        ("volunteer", False, False),
        ("outsider", False, False),
    ],
)
def test_who_may_open_the_problem_page_and_its_photos(people, a1_and_b1, who, sees_a1, sees_b1):
    client = signed_in(getattr(people, who))
    for problem, sees in zip(a1_and_b1, (sees_a1, sees_b1), strict=True):
        response = client.get(f"/problems/{problem.pk}/")
        assert response.status_code == (200 if sees else 404)
        if not sees:
            assert problem.number not in html(response)
        photo = problem.photos.get()
        for kind in ("full", "thumb"):
            image = client.get(f"/problems/photos/{photo.pk}/{kind}/")
            assert image.status_code == (200 if sees else 404)
            if sees:
                assert image["Content-Type"] == "image/jpeg"
                assert image["Cache-Control"] == "private, max-age=3600"


def test_a_missing_file_is_a_404_not_a_crash(people, small_city):
    problem = reported(people.inspector, small_city.compound_a1)
    photo = problem.photos.get()
    photo.file.storage.delete(photo.file.name)
    assert signed_in(people.inspector).get(f"/problems/photos/{photo.pk}/full/").status_code == 404


def test_anonymous_visitors_cannot_fetch_a_photo(people, small_city):
    photo = reported(people.inspector, small_city.compound_a1).photos.get()
    response = Client().get(f"/problems/photos/{photo.pk}/full/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- acting from the page -------------------------------------------------------------------------------------------


def test_a_rectification_from_the_page(people, small_city):
    problem = reported(people.inspector, small_city.compound_a1)
    response = signed_in(people.community_worker).post(
        f"/problems/{problem.pk}/rectify/", {"note": "已清理", "photos": [upload(jpeg_bytes())], "version": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/problems/{problem.pk}/"
    problem.refresh_from_db()
    assert problem.status == "submitted"
    assert problem.photos.filter(stage="after").count() == 1


def test_a_rectification_with_a_bad_photo_from_the_page_saves_nothing(people, small_city):
    problem = reported(people.inspector, small_city.compound_a1)
    before = saved()
    response = signed_in(people.community_worker).post(
        f"/problems/{problem.pk}/rectify/", {"note": "已清理", "photos": [upload(truncated_jpeg())], "version": "1"}
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["photos"]
    assert "已清理" in html(response), "what was typed is kept"
    assert saved() == before
    assert Problem.objects.get(pk=problem.pk).status == "open"


def test_a_recheck_on_a_stale_page_is_refused_with_a_message(people, small_city):
    problem = reported(people.inspector, small_city.compound_a1)
    services.rectification_submit(user=people.community_worker, problem=problem, note="已清理", photos=[jpeg_bytes()])
    response = signed_in(people.inspector).post(f"/problems/{problem.pk}/review/", {"passed": "true", "version": "1"})
    assert response.status_code == 400
    message = gettext("This problem has changed since you opened it. Reload the page and try again.")
    assert response.context["form"].non_field_errors() == [message]
    assert message in html(response)
    assert Problem.objects.get(pk=problem.pk).status == "submitted"


def test_a_recheck_from_the_page_by_a_community_worker_is_403(people, small_city):
    problem = reported(people.inspector, small_city.compound_a1)
    services.rectification_submit(user=people.community_worker, problem=problem, note="已清理", photos=[jpeg_bytes()])
    response = signed_in(people.community_worker).post(
        f"/problems/{problem.pk}/review/", {"passed": "true", "version": "2"}
    )
    assert response.status_code == 403
    assert Problem.objects.get(pk=problem.pk).status == "submitted"


def test_an_action_on_a_problem_outside_scope_is_404(people, small_city):
    problem = reported(people.inspector, small_city.community_b1)
    for who in ("community_worker", "outsider"):
        response = signed_in(getattr(people, who)).post(
            f"/problems/{problem.pk}/void/", {"reason": "x", "version": "1"}
        )
        assert response.status_code == 404
    assert Problem.objects.get(pk=problem.pk).status == "open"


def test_an_extension_from_the_page_takes_beijing_time(people, small_city):
    problem = reported(people.inspector, small_city.compound_a1, now=at(2026, 3, 10, 10))
    signed_in(people.community_worker).post(
        f"/problems/{problem.pk}/extension/", {"reason": "需要施工", "deadline": "2026-03-20T18:00"}
    )
    assert problem.extensions.get().requested_deadline == at(2026, 3, 20, 18)
    signed_in(people.street_officer).post(f"/problems/{problem.pk}/extension/decide/", {"approve": "true"})
    problem.refresh_from_db()
    assert problem.deadline == at(2026, 3, 20, 18)
    assert problem.original_deadline == at(2026, 3, 12, 23, 59, 59)


# --- the work queue -------------------------------------------------------------------------------------------------


@pytest.fixture
def queued(people, small_city):
    """Open and overdue, submitted, and open with time left (and an extension request), at both streets."""
    p = {
        "a1_open": reported(people.inspector, small_city.compound_a1, now=at(2026, 3, 10, 10)),
        "a1_submitted": reported(people.inspector, small_city.community_a1, now=at(2026, 3, 10, 11)),
        "a2_time_left": ProblemFactory(
            number="A2-TIME-LEFT", unit=small_city.community_a2, deadline=FUTURE, original_deadline=FUTURE
        ),
        "b1_open": reported(people.inspector, small_city.community_b1, now=at(2026, 3, 10, 12)),
        "b1_submitted": reported(people.inspector, small_city.compound_b1, now=at(2026, 3, 10, 13)),
        "a1_closed": reported(people.inspector, small_city.compound_a1, code="06010", now=at(2026, 3, 10, 14)),
    }
    for key in ("a1_submitted", "b1_submitted", "a1_closed"):
        services.rectification_submit(user=people.city_admin, problem=p[key], note="已清理", photos=[jpeg_bytes()])
    services.rectification_review(user=people.inspector, problem=p["a1_closed"], passed=True)
    services.extension_request(
        user=people.city_admin,
        problem=p["a2_time_left"],
        reason="需要施工",
        requested_deadline=FUTURE + datetime.timedelta(days=10),
    )
    return p


QUEUES = {
    # who: (to rectify, to re-check, overdue, extension requests to decide)
    "community_worker": ({"a1_open"}, set(), {"a1_open"}, set()),
    "compound_manager": ({"a1_open"}, set(), {"a1_open"}, set()),
    "inspector": (set(), {"a1_submitted", "b1_submitted"}, {"a1_open", "b1_open"}, set()),
    "street_inspector": (set(), {"b1_submitted"}, {"b1_open"}, set()),
    "street_officer": (set(), set(), {"a1_open"}, {"a2_time_left"}),
    "city_admin": (
        {"a1_open", "a2_time_left", "b1_open"},
        {"a1_submitted", "b1_submitted"},
        {"a1_open", "b1_open"},
        {"a2_time_left"},
    ),
    "city_leader": (set(), set(), {"a1_open", "b1_open"}, set()),
    "liaison": (set(), set(), {"b1_open"}, set()),
}


@pytest.mark.parametrize("who", list(QUEUES))
def test_the_work_queue_shows_each_role_its_own_lists(people, queued, who):
    response = signed_in(getattr(people, who)).get("/problems/queue/")
    assert response.status_code == 200
    queue = response.context["queue"]
    numbers = {key: problem.number for key, problem in queued.items()}
    expected = QUEUES[who]
    assert {p.number for p in queue["to_rectify"]} == {numbers[k] for k in expected[0]}
    assert {p.number for p in queue["to_review"]} == {numbers[k] for k in expected[1]}
    assert {p.number for p in queue["overdue"]} == {numbers[k] for k in expected[2]}
    assert {e.problem.number for e in queue["extensions"]} == {numbers[k] for k in expected[3]}
    page = html(response)
    for key in set().union(*expected):
        assert numbers[key] in page
    for key in set(numbers) - set().union(*expected):
        assert numbers[key] not in page


@pytest.mark.parametrize("who", ["volunteer", "outsider"])
def test_people_without_case_files_get_no_work_queue(people, queued, who):
    assert signed_in(getattr(people, who)).get("/problems/queue/").status_code == 403


def test_a_request_that_can_no_longer_be_decided_leaves_the_queue(people, small_city):
    """GIVEN an extension request awaiting the street's decision
    WHEN the community rectifies the problem anyway and the inspector closes it
    THEN the request no longer waits in the street officer's queue (it cannot be decided any more)."""
    problem = reported(people.inspector, small_city.compound_a1)
    extension = services.extension_request(
        user=people.community_worker, problem=problem, reason="需要施工", requested_deadline=FUTURE
    )
    services.rectification_submit(user=people.community_worker, problem=problem, note="已清理", photos=[jpeg_bytes()])
    services.rectification_review(user=people.inspector, problem=problem, passed=True)
    from gongjian.core.errors import Conflict

    with pytest.raises(Conflict):
        services.extension_decide(user=people.street_officer, extension=extension, approve=True)
    queue = signed_in(people.street_officer).get("/problems/queue/").context["queue"]
    assert list(queue["extensions"]) == []


# --- statistics page ------------------------------------------------------------------------------------------------


@pytest.fixture
def march(small_city):
    for day, code in [(2, "06036"), (3, "06036"), (4, "09006")]:
        ProblemFactory(unit=small_city.compound_a1, category=category(code), found_at=at(2026, 3, day, 9))
    ProblemFactory(unit=small_city.community_b1, category=category("09006"), found_at=at(2026, 3, 5, 9))


def test_the_stats_page_says_the_sentence(people, march):
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 3, 20, 12)):
        response = signed_in(people.street_officer).get("/problems/stats/")
    assert response.status_code == 200
    stats = response.context["stats"]
    expected = gettext(
        "%(period)s %(total)s problems were found, of which %(name)s %(count)s, %(share)s%%, "
        "the most of all categories."
    ) % {
        "period": gettext("Up to %(month)s/%(day)s") % {"month": 3, "day": 20},
        "total": 3,
        "name": "乱堆杂物",
        "count": 2,
        "share": "66.7",
    }
    assert stats.sentence == expected
    assert f'<p class="lead summary-sentence">{expected}</p>' in html(response)


def test_a_month_in_progress_is_labelled_up_to_today_and_every_rate_explains_itself(people, march):
    """GIVEN the month of March still running on the 20th
    WHEN the stats page is read in Chinese
    THEN it says 截至3月20日, and each rate's label carries its definition on hover."""
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 3, 20, 12)), translation.override("zh-hans"):
        response = signed_in(people.street_officer).get("/problems/stats/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        page = html(response)
    assert "截至3月20日" in page
    assert 'title="回潮率 = 回潮数（已结案问题此后又被发现同类问题的） ÷ 结案数' in page
    assert 'title="按期结案率 = 按期结案数（整改在期限内提交并通过复查） ÷ 应结案数' in page
    finished = signed_in(people.street_officer).get("/problems/stats/?month=2026-02")
    assert "截至" not in html(finished) and finished.context["stats"].as_of_day is None


def test_the_stats_page_for_a_unit(people, small_city, march):
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 3, 20, 12)):
        response = signed_in(people.city_admin).get(f"/problems/stats/?unit={small_city.street_b.pk}")
    assert response.status_code == 200
    assert response.context["stats"].counts.found == 1


def test_the_stats_page_for_a_given_month(people, march):
    response = signed_in(people.city_admin).get("/problems/stats/?month=2026-03")
    assert response.status_code == 200
    assert response.context["stats"].counts.found == 4


@pytest.mark.parametrize("query", ["month=2026-13", "unit=abc"])
def test_a_malformed_stats_filter_is_a_400_page(people, query):
    response = signed_in(people.city_admin).get(f"/problems/stats/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.context["form"].errors


@pytest.mark.parametrize("who", ["community_worker", "street_officer"])
def test_the_stats_page_for_a_unit_outside_scope_is_404(people, small_city, who):
    response = signed_in(getattr(people, who)).get(f"/problems/stats/?unit={small_city.community_b1.pk}")
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["volunteer", "outsider"])
def test_people_without_case_files_get_no_stats_page(people, who):
    assert signed_in(getattr(people, who)).get("/problems/stats/").status_code == 403


def test_an_export_above_the_row_limit_is_made_in_the_background_with_the_same_rows(
    people, listed, settings, django_capture_on_commit_callbacks
):
    """GIVEN more rows than EXPORT_JOB_ROWS WHEN the list is exported THEN a job makes the same file
    in a worker; only its requester can follow and download it."""
    settings.EXPORT_JOB_ROWS = 0
    client = signed_in(people.community_worker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/problems/export.xlsx?status=closed")
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    state = client.get(f"{response['Location']}status/").json()
    assert state["status"] == "done", state
    download = client.get(state["download_url"])
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    made = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True).active
    settings.EXPORT_JOB_ROWS = 10_000
    header, numbers = exported(client.get("/problems/export.xlsx?status=closed"))
    rows = list(made.iter_rows(values_only=True))
    assert list(rows[1]) == header and [row[0] for row in rows[2:]] == numbers and numbers  # below the title row
    assert signed_in(people.outsider).get(state["download_url"]).status_code == 404
    assert signed_in(people.street_officer).get(response["Location"]).status_code == 404


def test_inspection_rounds_are_listed_newest_first_across_pages(people, small_city):
    from gongjian.inspections.models import Inspection

    for day in range(1, 36):  # 35 rounds: a page of 30 and a page of 5
        Inspection.objects.create(
            kind="daily", title=f"巡查{day:02d}", date=datetime.date(2026, 3, day % 28 + 1), organiser=small_city.city
        )
    client = signed_in(people.city_admin)
    titles = []
    for page in (1, 2):
        html = client.get(f"/problems/rounds/?page={page}").content.decode()
        titles += re.findall(r"<td>(巡查\d\d)</td>", html)
    expected = list(Inspection.objects.order_by("-date", "-id").values_list("title", flat=True))
    assert titles == expected and len(titles) == 35
