"""What the browser walk-through of issue 16 found on the notice list: the newest notice came last
(Django leaves Meta.ordering out of a query with aggregates)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gongjian.accounts.access import actor_for
from gongjian.notices import selectors
from gongjian.notices.models import Notice
from gongjian.notices.tests.test_notices import send

pytestmark = pytest.mark.django_db


def test_the_newest_notice_comes_first_for_the_sender_and_the_recipient(client, people, small_city):
    titles = ["甲通知", "乙通知", "丙通知"]
    notices = [send(people, small_city, title=title) for title in titles]
    now = timezone.now()
    # The first sent is the newest: an order by id alone would put it last.
    for age, notice in zip((0, 2, 1), notices, strict=True):
        Notice.objects.filter(pk=notice.pk).update(sent_at=now - datetime.timedelta(days=age))
    expected = ["甲通知", "丙通知", "乙通知"]
    for user in (people.city_admin, people.community_worker):
        listed = [n.title for n in selectors.notice_list(actor=actor_for(user))]
        assert listed == expected
        client.force_login(user)
        page = client.get(reverse("notices:index")).content.decode()
        assert [page.index(t) for t in expected] == sorted(page.index(t) for t in expected)
