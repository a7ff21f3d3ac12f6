"""Notices and plans in a real browser: the city sends an inspection notice to all communities;
community1 (甲一社区) acknowledges it and replies with a file; the city sees who has not replied;
community1's plan shows its tasks scheduled back from the inspection date. On a desktop screen
(1366 px) and a phone (390 px); screenshots go to var/screenshots/."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from gongjian.archives.tests.factories import jpeg
from gongjian.notices.models import Receipt
from gongjian.plans import services as plan_services
from gongjian.plans.models import PlanTask
from gongjian.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}


def _sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"notices-{name}.png"), full_page=True)


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_an_inspection_notice_is_acknowledged_replied_to_and_drives_the_plan(
    browser, live_server, people, small_city, tmp_path, screen
):
    inspection = timezone.localdate() + datetime.timedelta(days=45)
    plan = plan_services.plan_create(
        actor=people.community_worker,
        unit=small_city.community_a1,
        year=inspection.year,
        title="甲一社区年度共建计划",
        goals="迎接复检",
        requirements="问题清零",
        measures="包片到人",
    )
    survey = plan_services.task_add(actor=people.community_worker, plan=plan, name="摸底排查", duration=3)
    fix = plan_services.task_add(
        actor=people.community_worker, plan=plan, name="集中整治", duration=10, predecessors=[survey]
    )
    plan_services.task_add(actor=people.community_worker, plan=plan, name="资料归档", duration=2, predecessors=[fix])

    context = browser.new_context(locale="zh-CN", **VIEWPORTS[screen])
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    base = live_server.url

    # The city sends the inspection notice to every community.
    _sign_in(page, base, people.city_admin.username)
    page.goto(f"{base}/notices/new/")
    page.select_option("#id_kind", "inspection")
    page.fill("#id_title", "关于开展创建工作复检的通知")
    page.fill("#id_body", "定于下月对各社区进行复检，请做好准备并报送自查情况。")
    page.select_option("#id_level", "community")
    page.check("#id_reply_required")
    page.fill("#id_reply_due", f"{timezone.localdate() + datetime.timedelta(days=10):%Y-%m-%d}")
    page.fill("#id_inspection_on", f"{inspection:%Y-%m-%d}")
    page.fill("#id_inspection_scope", "背街小巷、农贸市场")
    _shot(page, f"form-{screen}")
    page.click("#notice-form button[type=submit]")
    page.wait_for_selector("#receipts")
    notice_url = page.url
    assert page.locator("#receipts tbody tr").count() == 3

    # Community 1 finds it waiting in its work queue, opens it, acknowledges and replies with a photo.
    _sign_in(page, base, people.community_worker.username)
    assert page.locator("#inbox-badge").count() == 1
    page.goto(f"{base}/problems/queue/")
    assert "关于开展创建工作复检的通知" in page.locator("#pending-receipts").inner_text()
    _shot(page, f"queue-{screen}")
    page.goto(notice_url)
    page.click("#acknowledge")
    page.wait_for_selector("#reply-form")
    proof = tmp_path / "自查照片.jpg"
    proof.write_bytes(jpeg(seed=11))
    page.fill("#reply-form #id_text", "已完成自查，问题已整改。")
    page.set_input_files("#reply-form #id_files", str(proof))
    page.click("#send-reply")
    page.wait_for_selector("#own-receipt >> text=已完成自查")
    _shot(page, f"reply-{screen}")
    receipt = Receipt.objects.get(unit=small_city.community_a1)
    assert receipt.replied_at and receipt.files.count() == 1

    # The city sees who has not replied.
    _sign_in(page, base, people.city_admin.username)
    page.goto(notice_url)
    page.click("#filter-unreplied")
    page.wait_for_url("**state=unreplied")
    units = page.locator("#receipts tbody tr").evaluate_all("rows => rows.map(r => r.dataset.unit)")
    assert sorted(units) == sorted([small_city.community_a2.name, small_city.community_b1.name])
    _shot(page, f"unreplied-{screen}")

    # Community 1's plan is scheduled back from the day before the inspection.
    _sign_in(page, base, people.community_worker.username)
    page.goto(f"{base}/plans/{plan.pk}/")
    page.wait_for_selector("#gantt")
    target = inspection - datetime.timedelta(days=1)
    assert f"{target:%Y-%m-%d}" in page.locator("#plan-target").inner_text()
    last = PlanTask.objects.get(name="资料归档")
    row = page.locator('#plan-tasks tr[data-task="资料归档"]')
    assert row.locator(".js-latest-finish").inner_text() == f"{last.latest_finish:%Y-%m-%d}"
    assert last.latest_finish <= target
    assert "摸底排查 → 集中整治 → 资料归档" in page.locator("#critical-path").inner_text()
    widths = page.locator(".gantt-bar").evaluate_all("bars => bars.map(b => b.getBoundingClientRect().width)")
    assert len(widths) == 3 and all(w > 0 for w in widths)
    _shot(page, f"plan-{screen}")

    # The city's list of plans flags those the inspection notice had to create, empty of goals,
    # requirements and measures (the speech's criticism).
    _sign_in(page, base, people.city_admin.username)
    page.goto(f"{base}/plans/")
    flagged = page.locator("#plans tbody tr", has=page.locator(".plan-flag"))
    assert flagged.count() == 2  # community_a2 and community_b1 had no plan
    _shot(page, f"list-{screen}")
    assert not [e for e in errors if "Content Security Policy" in e]
    context.close()
