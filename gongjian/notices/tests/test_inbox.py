"""The in-app inbox: a new notice, overdue receipts and overdue plan tasks reach people once; the
unread count in the navigation; the daily command queues the reminders on the task engine."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from gongjian.notices.models import Notice, Notification
from gongjian.notices.notifications import reminders_send
from gongjian.notices.tests.test_notices import send
from gongjian.plans import services as plan_services

pytestmark = pytest.mark.django_db


def test_a_new_notice_reaches_the_inbox_of_the_recipient_units_people(client, people, small_city):
    notice = send(people, small_city)
    assert Notification.objects.filter(user=people.community_worker, key=f"notice:{notice.pk}").exists()
    assert not Notification.objects.filter(user=people.outsider).exists()
    client.force_login(people.community_worker)
    page = client.get(reverse("home")).content.decode()
    assert 'id="inbox-badge"' in page
    # On a phone the menu is folded: the count also shows beside the menu button, phones only.
    assert 'd-md-none ms-auto me-2" href="/notices/inbox/" id="inbox-link-phone"' in page.replace(
        reverse("notices:inbox"), "/notices/inbox/"
    )


def test_nothing_unread_shows_no_count_beside_the_menu_button(client, people):
    client.force_login(people.community_worker)
    page = client.get(reverse("home")).content.decode()
    assert 'id="inbox-link-phone"' not in page and 'id="inbox-badge"' not in page


def test_overdue_receipts_and_tasks_are_reminded_once(people, small_city):
    notice = send(people, small_city)
    Notice.objects.filter(pk=notice.pk).update(reply_due=timezone.localdate() - datetime.timedelta(days=1))
    plan = plan_services.plan_create(
        actor=people.community_worker,
        unit=small_city.community_a1,
        year=timezone.localdate().year,
        title="计划",
        target_date=timezone.localdate() - datetime.timedelta(days=3),
    )
    plan_services.task_add(
        actor=people.community_worker, plan=plan, name="自查", duration=1, owner=people.community_worker
    )
    first = reminders_send()
    assert first["tasks"] == 1 and first["receipts"] >= 1
    assert reminders_send() == {"tasks": 0, "receipts": 0, "rectifications": 0, "activities": 0, "retried": 0}
    titles = list(Notification.objects.filter(user=people.community_worker).values_list("title", flat=True))
    assert any("自查" in t for t in titles) and any(notice.title in t for t in titles)


def test_the_daily_command_queues_the_reminders_on_the_task_engine(people, small_city):
    notice = send(people, small_city)
    Notice.objects.filter(pk=notice.pk).update(reply_due=timezone.localdate() - datetime.timedelta(days=1))
    out = StringIO()
    call_command("send_reminders", stdout=out)  # the immediate backend in tests runs it at once
    assert "queued" in out.getvalue()
    assert Notification.objects.filter(user=people.community_worker, key__startswith="receipt-overdue").exists()


def test_opening_a_notification_marks_it_read_and_nobody_else_can(client, people, small_city):
    notice = send(people, small_city)
    item = Notification.objects.get(user=people.community_worker)
    client.force_login(people.outsider)
    assert client.post(reverse("notices:inbox-open", args=[item.pk])).status_code == 404
    client.force_login(people.community_worker)
    response = client.post(reverse("notices:inbox-open", args=[item.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notices:detail", args=[notice.pk])
    item.refresh_from_db()
    assert item.read_at is not None
