"""Participation in a real browser on a phone-sized screen: community1 registers a volunteer and
records an activity with a captioned photo, unit1's liaison sees it on the pairing page, and
volunteer1 signs in and sees their hours. Screenshots go to var/screenshots/."""

import datetime
import io
from pathlib import Path

import pytest
from PIL import Image

from gongjian.accounts.models import User
from gongjian.demo.city import DEMO_PASSWORD, build_demo_city
from gongjian.organizations.models import Pairing
from gongjian.participation import services
from gongjian.participation.models import Activity, Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _jpeg(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 90)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"participation-{name}.png"), full_page=True)


def test_register_record_and_see_it_as_liaison_and_volunteer(live_server, page, tmp_path):
    build_demo_city()
    base = live_server.url
    community_worker = User.objects.get(username="community1")
    community1 = community_worker.memberships.get().unit
    volunteer1 = User.objects.get(username="volunteer1")
    services.volunteer_register(
        user=community_worker,
        community=community1,
        account=volunteer1,
        name="志愿者一号",
        phone="17000000001",
        party_status="in_office",
    )
    unit1_unit = User.objects.get(username="unit1").memberships.get().cobuild_unit
    pairing = Pairing.objects.get(cobuild_unit=unit1_unit, community=community1)

    # community1 registers a volunteer on the phone.
    _sign_in(page, base, "community1")
    page.goto(f"{base}/participation/volunteers/new/")
    page.fill("#id_name", "新志愿者")
    page.fill("#id_phone", "13812345678")
    page.fill("#id_id_number", "11010519491231002X")
    page.select_option("#id_party_status", "resident")
    _shot(page, "volunteer-form")
    page.click("#volunteer-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert "13812345678" not in page.content()  # masked for every role: revealed on purpose only
    assert "138****5678" in page.content()
    registered = Volunteer.objects.get(name="新志愿者")

    # ...a bad phone number is refused with the reason beside the field.
    page.goto(f"{base}/participation/volunteers/new/")
    page.fill("#id_name", "号码错")
    page.fill("#id_phone", "12345")
    page.click("#volunteer-form button[type=submit]")
    page.wait_for_selector(".invalid-feedback")
    _shot(page, "volunteer-form-error")

    # ...and records yesterday's activity with unit1's unit (head present), both volunteers and a photo.
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    page.goto(f"{base}/participation/activities/new/")
    page.fill("#id_title", "邻居节：楼道美化")
    page.select_option("#id_type", "neighbour_festival")
    page.fill("#id_starts_at", f"{yesterday:%Y-%m-%d}T09:00")
    page.fill("#id_place", "和平社区广场")
    page.select_option("#id_units", str(unit1_unit.pk))
    page.select_option("#id_head_units", str(unit1_unit.pk))
    page.select_option("#id_volunteers", [str(registered.pk), str(volunteer1.volunteer.pk)])
    page.fill("#id_hours", "3")
    page.set_input_files("#id_photos", str(_jpeg(tmp_path / "festival.jpg")))
    page.fill("#id_captions", "居民和共建单位一起美化楼道")
    page.click("#activity-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    activity = Activity.objects.get(title="邻居节：楼道美化")
    assert page.url.endswith(f"/participation/activities/{activity.pk}/")
    assert page.locator("#activity-photos figcaption").inner_text() == "居民和共建单位一起美化楼道"
    page.wait_for_function(
        "() => [...document.querySelectorAll('#activity-photos img')].every(i => i.complete && i.naturalWidth > 0)"
    )  # the photo is fetched after the page: wait for it instead of racing it
    assert page.locator("#activity-photos img").evaluate("img => img.naturalWidth") > 0
    _shot(page, "activity-detail")
    page.goto(f"{base}/participation/volunteers/")
    _shot(page, "volunteer-list")
    page.goto(f"{base}/participation/teams/{community1.pk}/")
    _shot(page, "roster")
    page.goto(f"{base}/participation/calendar/?community={community1.pk}&month={yesterday:%Y-%m}")
    assert "邻居节" in page.locator(".calendar-table").inner_text()
    _shot(page, "calendar")
    page.goto(f"{base}/participation/diversity/")
    _shot(page, "diversity")

    # unit1's liaison sees it on the pairing page, phones stay hidden from them.
    _sign_in(page, base, "unit1")
    page.goto(f"{base}/participation/pairings/")
    _shot(page, "pairings")
    page.click(f"a[href='/participation/pairings/{pairing.pk}/']")
    page.wait_for_selector("#joined")
    assert "邻居节：楼道美化" in page.locator("#joined").inner_text()
    assert page.locator("#joined-count").inner_text().startswith("1")
    _shot(page, "pairing-detail")
    assert page.goto(f"{base}/participation/volunteers/{registered.pk}/").status == 404

    # volunteer1 signs in and sees their hours, and no one else's record.
    _sign_in(page, base, "volunteer1")
    page.goto(f"{base}/participation/me/")
    assert "邻居节：楼道美化" in page.content()
    assert "3.0" in page.locator("#service-total").inner_text()
    _shot(page, "my-service")
    assert page.goto(f"{base}/participation/volunteers/{registered.pk}/").status == 404


@pytest.fixture
def phone(browser):
    """A phone: 390×844 with touch."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, locale="zh-CN"
    )
    page = context.new_page()
    yield page
    context.close()


def test_a_community_records_an_overdue_activity_as_held_and_reveals_a_phone_on_purpose(live_server, phone, tmp_path):
    from django.utils import timezone

    from gongjian.core.models import AuditEvent
    from gongjian.participation.models import ActivityType

    build_demo_city()
    base, page = live_server.url, phone
    worker = User.objects.get(username="community1")
    community = worker.memberships.get().unit
    helper = services.volunteer_register(
        user=worker, community=community, name="赵志愿", phone="13912340042", id_number="11010519491231002X"
    )
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    planned = services.activity_record(
        user=worker,
        community=community,
        type=ActivityType.objects.filter(is_active=True).first(),
        title="周末清洁家园",
        organiser="居委会",
        status="planned",
        starts_at=timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(9))),
        place="小区中心花园",
    )
    # Its plan (方案) was approved by the street before the day.
    from gongjian.participation import activity_plans

    plan = activity_plans.plan_submit(
        user=worker,
        activity=planned,
        data=activity_plans.PlanIn(
            aim="清理花园落叶",
            schedule="上午9点至11点",
            place="小区中心花园",
            people="居民和志愿者",
            expected_attendance=30,
            budget="200",
            safety="分区作业，配备手套",
            publicity="楼道张贴通知",
        ),
    )
    activity_plans.plan_decide(user=User.objects.get(username="street1"), plan=plan, approve=True)

    # The overdue activity waits in community1's work queue.
    _sign_in(page, base, "community1")
    page.goto(f"{base}/problems/queue/")
    assert "周末清洁家园" in page.locator("#queue-activities").inner_text()
    _shot(page, "phone-queue-overdue")

    # It is recorded as held on the phone: attendance, hours, a photo with its caption.
    page.locator(f"#queue-activities a[href='/participation/activities/{planned.pk}/']").tap()
    page.wait_for_selector("#activity-overdue")
    _shot(page, "phone-activity-overdue")
    page.locator("#action-hold").tap()
    page.wait_for_selector("#hold-form")
    page.fill("#id_attendance", "32")
    page.fill(f"#id_hours_{helper.pk}", "2.5")
    page.set_input_files("#id_photo_1", str(_jpeg(tmp_path / "clean.jpg")))
    page.fill("#id_caption_1", "居民和志愿者清理花园落叶")
    _shot(page, "phone-hold-form")
    box = page.locator("#hold-submit").bounding_box()
    assert box["height"] >= 44  # a thumb-sized button
    page.locator("#hold-submit").tap()
    page.wait_for_selector(".alert-success")
    planned.refresh_from_db()
    assert (planned.status, planned.attendance) == ("held", 32)
    assert page.locator("#activity-photos figcaption").inner_text() == "居民和志愿者清理花园落叶"
    page.wait_for_function(
        "() => [...document.querySelectorAll('#activity-photos img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    _shot(page, "phone-activity-held")

    # ...and it has left the queue.
    page.goto(f"{base}/problems/queue/")
    assert (
        page.locator("#queue-activities").count() == 0
        or "周末清洁家园" not in page.locator("#queue-activities").inner_text()
    )
    _shot(page, "phone-queue-after")

    # The volunteer's phone is masked until revealed on purpose, with a reason; the reveal is audited.
    page.goto(f"{base}/participation/volunteers/{helper.pk}/")
    assert page.locator("#volunteer-phone").inner_text() == "139****0042"
    page.fill("#reveal-form input[name=reason]", "通知明天的活动")
    _shot(page, "phone-volunteer-masked")
    page.locator("#reveal-button").tap()
    page.wait_for_selector("#revealed-phone")
    assert page.locator("#revealed-phone").inner_text() == "13912340042"
    assert page.locator("#revealed-id").inner_text() == "11010519491231002X"
    _shot(page, "phone-volunteer-revealed")
    event = AuditEvent.objects.get(action="volunteer.reveal", target_id=str(helper.pk))
    assert (event.actor, event.note) == (worker, "通知明天的活动")
    assert event.changes["ip"] == "127.0.0.1" and "Chrome" in event.changes["user_agent"]
