"""What the browser walk-through of issue 16 found on the campaign page: a running campaign was
badged 生成中 (a job's word) and its weeks read 2026-W10 instead of Chinese."""

import pytest
from django.urls import reverse
from freezegun import freeze_time

from gongjian.campaigns.tests.test_campaigns import cats, client_for, counted  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@freeze_time("2026-03-10 10:00:00+08:00")
def test_a_running_campaign_reads_in_progress_and_its_weeks_in_chinese(people, counted):  # noqa: F811
    assert counted.state() == "running"
    page = client_for(people.city_admin).get(reverse("campaigns:detail", args=[counted.pk])).content.decode()
    assert "进行中" in page and "生成中" not in page
    assert "2026年第10周" in page and "2026-W10" not in page


@freeze_time("2026-03-10 10:00:00+08:00")
def test_the_campaign_list_badges_a_running_campaign_in_progress(people, counted):  # noqa: F811
    page = client_for(people.city_admin).get(reverse("campaigns:index")).content.decode()
    assert "进行中" in page and "生成中" not in page


@freeze_time("2026-03-10 10:00:00+08:00")
def test_on_a_phone_the_campaign_list_keeps_the_name_readable(people, counted):  # noqa: F811
    """The categories column squeezed the name to one character a line at 390 px: it is left to
    wider screens, and the period may break between its two dates."""
    page = client_for(people.city_admin).get(reverse("campaigns:index")).content.decode()
    assert '<th class="d-none d-md-table-cell">类别</th>' in page
    assert 'class="campaign-name"' in page and '<td class="campaign-period">' in page
