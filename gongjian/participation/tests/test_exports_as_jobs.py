"""The volunteer and activity exports made in the background (more rows than EXPORT_JOB_ROWS) hold
the same rows, with the same filters, as the download made at once; only the requester may follow
the job (gongjian.core.listing.FilteredList serves the list, the export and the job alike)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django.utils.translation import gettext
from freezegun import freeze_time

from gongjian.participation import services
from gongjian.participation.tests.factories import activity, volunteer
from gongjian.testing.excel import read_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(small_city, people):
    volunteer(people.community_worker, small_city.community_a1, 1, name="甲一志愿者")
    volunteer(people.city_admin, small_city.community_b1, 2, name="乙一志愿者")
    services.volunteer_sign_up(community=small_city.community_a1, name="待审核", phone="13900000099")
    activity(people.community_worker, small_city.community_a1, title="甲一清扫")
    activity(people.city_admin, small_city.community_b1, title="乙一清扫")


def _made_by_a_job(client, url, settings, capture):
    settings.EXPORT_JOB_ROWS = 0
    with capture(execute=True):
        response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    state = client.get(f"{response['Location']}status/").json()
    assert state["status"] == "done", state
    download = client.get(state["download_url"])
    settings.EXPORT_JOB_ROWS = 10_000
    return response["Location"], state, b"".join(download.streaming_content)


@pytest.mark.parametrize(
    ("url", "column", "expected"),
    [
        ("/participation/activities/export.xlsx", "Title", ["甲一清扫"]),
        ("/participation/volunteers/export.xlsx", "Name", ["甲一志愿者"]),
        ("/participation/volunteers/export.xlsx?status=pending", "Name", ["待审核"]),
    ],
)
def test_a_large_export_is_made_by_a_job_with_the_rows_of_the_download(
    listed, people, settings, django_capture_on_commit_callbacks, url, column, expected
):
    client = _client(people.community_worker)
    # Both titles say when they were made, to the minute: the clock stands still between the two
    # (on a loaded machine they once fell either side of a minute).
    with freeze_time(timezone.now()):
        location, state, made = _made_by_a_job(client, url, settings, django_capture_on_commit_callbacks)
        at_once = read_export(client.get(url).content)
    in_background = read_export(made)
    assert in_background.column(gettext(column)) == at_once.column(gettext(column)) == expected
    assert in_background.title == at_once.title
    assert _client(people.outsider).get(state["download_url"]).status_code == 404
    assert _client(people.street_officer).get(location).status_code == 404


def test_an_invalid_filter_is_a_400_page_before_any_job(listed, people, settings):
    settings.EXPORT_JOB_ROWS = 0
    response = _client(people.community_worker).get("/participation/activities/export.xlsx?month=2026-13")
    assert response.status_code == 400 and "month" in response.context["form"].errors


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client
