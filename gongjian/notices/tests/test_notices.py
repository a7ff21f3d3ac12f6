"""Notices with receipts: to a level, read / acknowledged / replied per recipient, overdue receipts
in the recipient's queue, an inspection notice moving the recipients' plan targets, scope (a
community never sees another community's reply; the outsider sees nothing), the API, the archive."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gongjian.accounts.choices import Role
from gongjian.archives.models import Evidence
from gongjian.archives.services import FileIn
from gongjian.archives.tests.factories import archive_ruleset, item, jpeg
from gongjian.notices import selectors, services
from gongjian.notices.choices import NoticeKind
from gongjian.notices.models import Receipt
from gongjian.organizations.choices import UnitLevel
from gongjian.plans import services as plan_services
from gongjian.testing.factories import user_with_role

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def sibling(small_city):
    """A worker of community_a2, the sibling of community_worker's community_a1."""
    return user_with_role(Role.COMMUNITY_WORKER, unit=small_city.community_a2, username="sibling")


def send(people, small_city, **kw):
    defaults = {
        "actor": people.city_admin,
        "sender_unit": small_city.city,
        "title": "关于报送迎检材料的通知",
        "body": "请各社区按时报送。",
        "level": UnitLevel.COMMUNITY,
        "reply_required": True,
        "reply_due": today() + datetime.timedelta(days=5),
    }
    defaults.update(kw)
    return services.notice_send(**defaults)


def own(user, notice):
    from gongjian.accounts.access import actor_for

    return selectors.own_receipt(actor=actor_for(user), notice=notice)


def test_a_notice_to_a_level_reaches_every_community_below_the_sender(people, small_city):
    notice = send(people, small_city, actor=people.street_officer, sender_unit=small_city.street_a)
    assert {r.unit for r in notice.receipts.all()} == {small_city.community_a1, small_city.community_a2}


def test_a_notice_to_a_unit_outside_the_sender_is_refused_and_nothing_is_sent(people, small_city):
    with pytest.raises(ValidationError):
        send(
            people,
            small_city,
            actor=people.street_officer,
            sender_unit=small_city.street_a,
            level="",
            units=[small_city.community_b1],
        )
    assert not Receipt.objects.exists()


def test_a_reply_due_in_the_past_is_refused(people, small_city):
    with pytest.raises(ValidationError, match="past|早于今天"):
        send(people, small_city, reply_due=today() - datetime.timedelta(days=1))


def test_an_attachment_that_is_not_a_document_or_photo_is_refused(people, small_city):
    with pytest.raises(ValidationError):
        send(people, small_city, files=[FileIn(name="a.exe", data=b"MZ\x90\x00binary")])
    assert not Receipt.objects.exists()


def test_opening_acknowledging_and_replying_are_recorded_per_recipient(client, people, small_city):
    notice = send(people, small_city)
    client.force_login(people.city_admin)
    client.get(reverse("notices:detail", args=[notice.pk]))
    assert not Receipt.objects.filter(read_at__isnull=False).exists()  # the sender's reading is not a receipt

    client.force_login(people.community_worker)
    client.get(reverse("notices:detail", args=[notice.pk]))
    receipt = Receipt.objects.get(notice=notice, unit=small_city.community_a1)
    assert receipt.read_at and receipt.read_by == people.community_worker and not receipt.acknowledged_at

    client.post(reverse("notices:acknowledge", args=[notice.pk]))
    receipt.refresh_from_db()
    assert receipt.acknowledged_at and receipt.state == "acknowledged"

    upload = SimpleUploadedFile("现场.jpg", jpeg(seed=3), content_type="image/jpeg")
    response = client.post(reverse("notices:reply", args=[notice.pk]), {"text": "已按要求整改。", "files": [upload]})
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.state == "replied" and receipt.files.count() == 1

    client.force_login(people.city_admin)
    page = client.get(reverse("notices:detail", args=[notice.pk]), {"state": "unreplied"}).content.decode()
    assert small_city.community_a2.name in page and small_city.community_b1.name in page
    assert f'data-unit="{small_city.community_a1.name}"' not in page


def test_a_reply_with_a_bad_file_changes_nothing(client, people, small_city):
    notice = send(people, small_city)
    client.force_login(people.community_worker)
    upload = SimpleUploadedFile("x.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100)
    response = client.post(reverse("notices:reply", args=[notice.pk]), {"text": "回执", "files": [upload]})
    assert response.status_code == 400
    assert not Receipt.objects.filter(replied_at__isnull=False).exists()


def test_only_the_recipient_unit_acknowledges(people, small_city):
    notice = send(people, small_city)
    receipt = Receipt.objects.get(notice=notice, unit=small_city.community_a1)
    from gongjian.core.errors import NotPermitted

    with pytest.raises(NotPermitted):
        services.receipt_acknowledge(actor=people.street_officer, receipt=receipt)


def test_a_community_never_sees_another_communitys_reply(client, people, small_city, sibling):
    notice = send(people, small_city)
    services.receipt_reply(
        actor=people.community_worker, receipt=own(people.community_worker, notice), text="甲一的回执"
    )
    client.force_login(sibling)
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert "甲一的回执" not in page and small_city.community_a1.name not in page
    api = client.get(f"/api/v1/notices/{notice.pk}/").json()
    assert [r["unit"] for r in api["receipts"]] == [small_city.community_a2.pk]
    client.force_login(people.outsider)
    assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == 404
    assert client.get(f"/api/v1/notices/{notice.pk}/").status_code == 404
    # The street sees the replies of its own communities only.
    client.force_login(people.street_inspector)
    assert "甲一的回执" not in client.get(reverse("notices:detail", args=[notice.pk])).content.decode()


def test_reply_files_are_served_only_in_scope(client, people, small_city, sibling):
    notice = send(people, small_city)
    receipt = services.receipt_reply(
        actor=people.community_worker,
        receipt=own(people.community_worker, notice),
        text="附照片",
        files=[FileIn(name="p.jpg", data=jpeg(seed=5))],
    )
    url = reverse("notices:reply-file", args=[notice.pk, receipt.files.get().pk])
    client.force_login(people.city_admin)
    assert client.get(url).status_code == 200
    client.force_login(sibling)
    assert client.get(url).status_code == 404


def test_overdue_receipts_appear_in_the_recipients_queue(client, people, small_city):
    notice = send(people, small_city)
    type(notice).objects.filter(pk=notice.pk).update(reply_due=today() - datetime.timedelta(days=2))
    client.force_login(people.community_worker)
    page = client.get(reverse("problems:queue")).content.decode()
    assert "pending-receipts" in page and notice.title in page and "list-group-item-danger" in page


def test_an_inspection_notice_moves_the_recipients_plan_target_and_reschedules(people, small_city):
    inspection = today() + datetime.timedelta(days=40)
    plan = plan_services.plan_create(
        actor=people.community_worker, unit=small_city.community_a1, year=inspection.year, title="计划"
    )
    task = plan_services.task_add(actor=people.community_worker, plan=plan, name="迎检准备", duration=3)
    assert task.latest_finish is None
    send(people, small_city, kind=NoticeKind.INSPECTION, inspection_on=inspection, inspection_scope="背街小巷")
    plan.refresh_from_db()
    task.refresh_from_db()
    assert plan.target_date == inspection - datetime.timedelta(days=1)
    assert task.latest_finish is not None and task.latest_finish < inspection
    # A community without a plan for that year gets one, flagged as missing its parts.
    other = small_city.community_a2.work_plans.get(year=inspection.year)
    assert other.target_date == plan.target_date and other.missing_parts


def test_an_inspection_notice_needs_a_future_date(people, small_city):
    with pytest.raises(ValidationError):
        send(people, small_city, kind=NoticeKind.INSPECTION, inspection_on=today())


def test_the_api_acknowledges_and_replies_for_the_callers_unit(client, people, small_city, sibling):
    notice = send(people, small_city)
    assert client.post(f"/api/v1/notices/{notice.pk}/acknowledge/").status_code == 401
    client.force_login(people.community_worker)
    assert client.post(f"/api/v1/notices/{notice.pk}/acknowledge/").json()["state"] == "acknowledged"
    assert client.post(f"/api/v1/notices/{notice.pk}/reply/", {"text": ""}).status_code == 400
    upload = SimpleUploadedFile("a.jpg", jpeg(seed=7), content_type="image/jpeg")
    response = client.post(f"/api/v1/notices/{notice.pk}/reply/", {"text": "已完成", "files": [upload]})
    assert response.status_code == 201 and response.json()["files"] == ["a.jpg"]
    client.force_login(people.city_admin)
    rows = {r["unit_name"]: r["state"] for r in client.get(f"/api/v1/notices/{notice.pk}/").json()["receipts"]}
    assert rows[small_city.community_a1.name] == "replied" and rows[small_city.community_a2.name] == "unread"
    client.force_login(people.outsider)
    assert client.post(f"/api/v1/notices/{notice.pk}/acknowledge/").status_code == 404


def test_an_acknowledged_notice_with_its_reply_files_itself_in_the_archive(
    people, small_city, django_capture_on_commit_callbacks
):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    notice = send(people, small_city, rule_items=[item(ruleset, "3.2")])
    with django_capture_on_commit_callbacks(execute=True):
        services.receipt_reply(
            actor=people.community_worker,
            receipt=own(people.community_worker, notice),
            text="回执正文",
            files=[FileIn(name="p.jpg", data=jpeg(seed=9))],
        )
    record = Evidence.objects.get(source="receipt", is_current=True)
    assert record.unit == small_city.community_a1 and "回执正文" in record.text and record.files.count() == 1
    assert list(record.rule_items.values_list("code", flat=True)) == ["3.2"]


def test_collect_pending_catches_up_plans_and_receipts_filed_before_the_template(people, small_city):
    from gongjian.archives.services import collect_pending
    from gongjian.archives.tests.factories import published_template

    notice = send(people, small_city)
    services.receipt_acknowledge(actor=people.community_worker, receipt=own(people.community_worker, notice))
    plan_services.plan_create(actor=people.community_worker, unit=small_city.community_a1, year=2026, title="计划")
    assert not Evidence.objects.filter(source__in=["plan", "receipt"]).exists()  # no template asked for documents
    published_template(people.city_admin, archive_ruleset(people.city_admin, small_city.city))
    collect_pending(unit_ids=[small_city.community_a1.pk])
    assert set(Evidence.objects.filter(is_current=True).values_list("source", flat=True)) >= {"plan", "receipt"}
