"""The archive in a real browser on a phone-sized screen: a community worker sees the completeness of
their archive with a concrete finding (a photo without a caption), fixes it on the record page and
the finding disappears; then they make the PDF binder, watch the progress bar reach done while the
database queue's worker (django-tasks-db's own ``Worker``, in a thread of this process: the live
server's in-memory database is not reachable from another process) builds it, download it, and its
pages render. Screenshots go to var/screenshots/."""

import datetime
import subprocess
import threading
import time
from pathlib import Path

import pytest

from gongjian.archives import binder
from gongjian.archives.models import BinderJob, Evidence
from gongjian.archives.tests.factories import archive_ruleset, photo, published_template, record
from gongjian.core.jobs import runner
from gongjian.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"archives-{name}.png"), full_page=True)


def _fill_the_archive(people, small_city):
    """Meetings in January to March with two captioned photos each; April's has one uncaptioned."""
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    worker, unit = people.community_worker, small_city.community_a1
    for month in (1, 2, 3):
        day = datetime.date(2026, month, 12)
        record(worker, unit, ruleset, day=day, files=[photo(month * 10, "会场全景"), photo(month * 10 + 1, "居民发言")])
    april = record(
        worker, unit, ruleset, day=datetime.date(2026, 4, 9), files=[photo(40, "签到"), photo(41, "")], title="四月例会"
    )
    record(
        worker, unit, ruleset, code="3.3", kind="document", title="四支队伍花名册", files=[photo(50, "花名册扫描件")]
    )
    return unit, april


def _slowed_down(build):
    """The real builder, pausing at each progress report so a small binder shows its steps."""

    def slow(unit, period, out, *, progress):
        def report(percent, stage):
            progress(percent, stage)
            time.sleep(0.25)

        return build(unit, period, out, progress=report)

    return slow


def _work_the_queue() -> None:
    """django-tasks-db's worker, in batch mode: runs what is queued, then returns."""
    from django.db import connections
    from django_tasks_db.management.commands.db_worker import Worker

    try:
        Worker(
            queue_names=["default"],
            interval=0.1,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="browser-test",
            excluded_queue_names=[],
        ).run()
    finally:
        connections.close_all()


def test_a_worker_fixes_a_finding_and_downloads_the_binder(
    live_server, page, tmp_path, people, small_city, settings, monkeypatch
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(runner, "PROGRESS_EVERY_SECONDS", 0.0)
    monkeypatch.setattr(binder, "build_pdf", _slowed_down(binder.build_pdf))
    unit, april = _fill_the_archive(people, small_city)
    uncaptioned = april.files.get(caption="")
    base = live_server.url

    _sign_in(page, base, people.community_worker.username)
    # The archive menu leads a community worker to their own community's archive of this year.
    page.goto(f"{base}/archives/")
    page.wait_for_selector("#completeness")
    assert page.url.startswith(f"{base}/archives/{unit.pk}/")
    page.goto(f"{base}/archives/{unit.pk}/?period=2026")
    percent = page.locator("#completeness-percent").inner_text()
    assert percent.endswith("%") and 0 < int(percent.rstrip("%")) < 100
    bar_width = page.locator("#completeness .js-progress").evaluate("el => el.getBoundingClientRect().width")
    assert bar_width > 0  # app.js set the width from data-progress
    finding = page.locator(".finding-no_caption")
    assert finding.count() == 1 and uncaptioned.name in finding.inner_text()
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, "unit-phone")

    # The finding links to the photo on the record page; the caption is written there.
    finding.locator("a").click()
    page.wait_for_selector(f"#file-{uncaptioned.pk} form.caption-form")
    assert page.locator("#record-version").get_attribute("data-version") == "1"
    _shot(page, "record-phone")
    page.fill(f"#file-{uncaptioned.pk} input[name=caption]", "居民代表在签到")
    page.click(f"#file-{uncaptioned.pk} button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert page.locator("#record-version").get_attribute("data-version") == "2"
    assert page.locator("#versions tbody tr").count() == 2
    assert Evidence.objects.filter(record_key=april.record_key).count() == 2
    _shot(page, "record-after-caption")

    page.goto(f"{base}/archives/{unit.pk}/?period=2026")
    assert page.locator(".finding-no_caption").count() == 0
    assert "居民代表在签到" not in page.locator("#findings").inner_text()

    # The PDF binder: queued, built by a worker while the page watches the progress, then downloaded.
    page.click("#binder-pdf")
    page.wait_for_selector("#binder")
    job = BinderJob.objects.get()
    worker = threading.Thread(target=_work_the_queue, daemon=True)
    worker.start()
    assert page.url == f"{base}/archives/binders/{job.pk}/"
    seen = set()
    for _ in range(240):
        value = int(page.locator("#binder [role=progressbar]").get_attribute("aria-valuenow"))
        if 0 < value < 100 and not any(0 < p < 100 for p in seen):
            _shot(page, "binder-running")
        seen.add(value)
        if page.locator("#binder-download").is_visible():
            break
        page.wait_for_timeout(500)
    worker.join(timeout=60)
    assert page.locator("#binder-download").is_visible(), page.locator("#binder").inner_text()
    assert page.locator("#binder [role=progressbar]").get_attribute("aria-valuenow") == "100"
    assert {p for p in seen if 0 < p < 100}, seen  # the bar took steps while the page watched
    page.wait_for_timeout(600)  # the bar's width transition
    _shot(page, "binder-done")
    with page.expect_download() as download_info:
        page.click("#binder-download")
    pdf = tmp_path / "binder.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "3", str(pdf), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == 3 and all(p.stat().st_size > 1000 for p in pngs)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert unit.name in text

    # The same archive page on a desktop screen.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/archives/{unit.pk}/?period=2026")
    _shot(page, "unit-desktop")


def test_the_other_archive_pages_fit_a_phone_and_rows_are_added_by_script(live_server, page, people, small_city):
    """Meetings (a row added with the button), mechanisms, the ranking and the template form."""
    unit, _april = _fill_the_archive(people, small_city)
    base = live_server.url

    _sign_in(page, base, people.community_worker.username)
    page.goto(f"{base}/archives/meetings/new/")
    assert page.locator("#att-formset .formset-row").count() == 3
    page.click("#att-formset .js-formset-add")
    assert page.locator("#att-formset .formset-row").count() == 4
    assert page.locator("input[name=att-TOTAL_FORMS]").input_value() == "4"
    assert page.locator("#id_att-3-name").count() == 1
    page.fill("#id_title", "十一月例会")
    page.fill("#id_minutes", "讨论冬季保洁")
    page.fill("#id_att-0-name", "张三")
    page.fill("#id_att-3-name", "李四")
    page.fill("#id_dec-0-text", "增加保洁频次")
    page.fill("#id_dec-0-owner", "王五")
    page.fill("#id_dec-0-due_on", "2026-12-31")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, "meeting-form")
    page.click("#meeting-form button[type=submit]")
    page.wait_for_selector(".alert-success, .invalid-feedback, .alert-danger")
    assert page.locator(".alert-success").count() == 1, page.locator("main").inner_text()
    assert "张三、李四" in page.locator("#attendees").inner_text()
    _shot(page, "meeting-detail")

    page.goto(f"{base}/archives/{unit.pk}/mechanisms/?period=2026")
    assert page.locator(".mechanism-row").count() == 6
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, "mechanisms")

    _sign_in(page, base, people.street_officer.username)
    page.goto(f"{base}/archives/ranking/?period=2026")
    assert page.locator("#ranking tbody tr").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, "ranking")

    _sign_in(page, base, people.city_admin.username)
    page.goto(f"{base}/archives/templates/new/")
    page.click("#sec-formset .js-formset-add")
    assert page.locator("#sec-formset .formset-row").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, "template-form")
