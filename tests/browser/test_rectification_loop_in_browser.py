"""The whole rectification loop in a real browser, as inspector1 and community1:
report with photo → rectify with after-photo → re-check fails (rework) → rectify → passes → closed,
and the timeline shows every step."""

import io
from pathlib import Path

import pytest
from PIL import Image

from gongjian.accounts.models import User
from gongjian.demo.city import DEMO_PASSWORD, build_demo_city
from gongjian.inspections.models import Problem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _jpeg(path: Path, colour) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _sign_out(page) -> None:
    if page.locator(".navbar-toggler").is_visible():  # a phone: open the menu first
        page.click(".navbar-toggler")
        page.wait_for_selector("#main-nav.collapse.show")  # the slide-down animation has finished
    page.click("#user-menu")
    page.wait_for_selector(".dropdown-menu.show")
    page.click("text=退出登录")


def _rectify(page, base, problem_id, photo, note):
    page.goto(f"{base}/problems/{problem_id}/")
    page.click("#rectify")  # the phone page: the after-photo first
    page.set_input_files("#id_photos", str(photo))
    page.wait_for_selector(".photo-preview[data-state=sent]")
    page.fill("#id_note", note)
    page.click(".js-submit")
    page.wait_for_url(f"{base}/problems/{problem_id}/")
    page.wait_for_selector(".alert-success")


def _review(page, base, problem_id, passed: bool, note: str, photo=None):
    page.goto(f"{base}/problems/{problem_id}/")
    page.click("#review")
    page.click("label[for=review-pass]" if passed else "label[for=review-fail]")
    page.fill("#id_note", note)
    if photo is not None:
        page.set_input_files("#id_photos", str(photo))
        page.wait_for_selector(".photo-preview[data-state=sent]")
    page.click(".js-submit")
    page.wait_for_url(f"{base}/problems/{problem_id}/")
    page.wait_for_selector(".alert-success")


def test_the_whole_loop_as_inspector1_and_community1(live_server, page, tmp_path):
    build_demo_city()
    base = live_server.url
    community1 = User.objects.get(username="community1").memberships.get().unit
    compound = community1.children.order_by("code").first()
    before = _jpeg(tmp_path / "before.jpg", (150, 120, 90))
    after = _jpeg(tmp_path / "after.jpg", (200, 200, 190))

    # The inspector reports clutter at a compound of community1, on a phone-sized screen.
    _sign_in(page, base, "inspector1")
    page.goto(f"{base}/problems/report/")
    page.set_input_files("#id_photos", str(before))
    page.wait_for_selector(".photo-preview[data-state=sent]")
    page.fill("[data-name=category] .js-pick-search", "乱堆")
    page.press("[data-name=category] .js-pick-search", "Enter")  # typing filters, Enter selects
    assert page.locator("input[name=category]:checked").input_value() == "06036"
    page.fill("[data-name=unit] .js-pick-search", compound.name)
    page.click(f"label:has(input[name=unit][value='{compound.pk}'])")
    page.click("summary")
    page.fill("#id_address", f"{compound.name}3幢楼道口")
    page.fill("#id_description", "楼道口堆放废旧家具")
    page.click(".js-submit")
    page.wait_for_selector(".alert-success")
    problem = Problem.objects.get()
    assert page.url.endswith(f"/problems/{problem.pk}/")
    assert "整改中" in page.inner_text("main")
    _sign_out(page)

    # community1 rectifies; the inspector sends it back; community1 rectifies again; it passes.
    _sign_in(page, base, "community1")
    page.goto(f"{base}/problems/queue/")
    assert problem.number in page.inner_text("main")
    _rectify(page, base, problem.pk, after, "已清理杂物")
    _sign_out(page)

    _sign_in(page, base, "inspector1")
    _review(page, base, problem.pk, passed=False, note="仍有纸箱未清理", photo=before)
    _sign_out(page)

    _sign_in(page, base, "community1")
    _rectify(page, base, problem.pk, after, "纸箱已全部清运")
    _sign_out(page)

    _sign_in(page, base, "inspector1")
    _review(page, base, problem.pk, passed=True, note="")

    problem.refresh_from_db()
    assert (problem.status, problem.rework_count) == ("closed", 1)
    main = page.inner_text("main")
    assert "已销号" in main and "返工 1 次" in main
    steps = page.locator(".timeline-action").evaluate_all("els => els.map(e => e.dataset.action)")
    assert steps == [
        "problem.report",
        "problem.rectify",
        "problem.review",
        "problem.rectify",
        "problem.review",
    ]
    # Before and after photos side by side, served through the permission check.
    assert page.locator(".before-after img").count() == 3
    for src in page.locator(".before-after img").evaluate_all("els => els.map(e => e.src)"):
        assert page.request.get(src).headers["content-type"] == "image/jpeg"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "rectification-loop.png"), full_page=True)
