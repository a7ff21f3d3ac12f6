"""A community's bookkeeper keeps the fund ledger in a real browser, at 1280 px and on a 390×844
touch phone: a refused amount ("1e9") changes nothing; a spending is booked with the photo of its
invoice (the receipt is streamed back); the entry is reversed with a reason; the balance and the
year's totals come back; the Excel export holds the three entries. Every tap target on the phone is
at least 44 px and nothing scrolls sideways. Screenshots go to var/screenshots/."""

import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from gongjian.funds import services
from gongjian.funds.models import FundEntry
from gongjian.testing.excel import read_export
from gongjian.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "locale": "zh-CN"},
}
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
      '.ledger-page .btn, .ledger-page .form-control, .ledger-page .form-select, .ledger-page summary,'
      + ' .ledger-page .breadcrumb a, .ledger-page .ledger-receipt, .ledger-page .ledger-chip'))
    .filter((el) => el.offsetParent !== null)
    .map((el) => [el.id || el.className || el.tagName, Math.round(el.getBoundingClientRect().height)])
    .filter(([, height]) => height < 44)"""


def _invoice(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (240, 235, 220)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_a_bookkeeper_books_a_spending_with_its_receipt_reverses_it_and_exports_the_ledger(
    browser, live_server, people, small_city, tmp_path, screen
):
    today = timezone.localdate()
    a1 = small_city.community_a1
    services.fund_entry_record(
        user=people.street_officer,
        community=a1,
        kind="income",
        source="allocation",
        amount="5000",
        date=datetime.date(today.year, 1, 1),
    )
    context = browser.new_context(**SCREENS[screen], accept_downloads=True)
    page = context.new_page()
    base = live_server.url

    def press(selector_or_locator):
        target = page.locator(selector_or_locator) if isinstance(selector_or_locator, str) else selector_or_locator
        target.tap() if screen == "phone" else target.click()

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", people.community_worker.username)
    page.fill("#id_password", PASSWORD)
    press(page.locator("main button[type=submit]"))
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/funds/")
    press(page.locator(".fund-ledger-link", has_text="甲一社区"))
    page.wait_for_url(f"{base}/funds/communities/{a1.pk}/")
    assert "5,000.00" in page.locator("#ledger-balance").inner_text()

    # A bad amount: the page says why, in Chinese, and nothing is booked.
    press("#ledger-add-link")
    press("label[for=kind-spending]")
    assert page.locator(".js-income-only").is_hidden()
    page.select_option("#id_purpose", "activity")
    page.fill("#id_amount", "1e9")
    page.set_input_files("#id_receipts", str(_invoice(tmp_path / "发票.jpg")))
    press("#entry-submit")
    page.wait_for_selector("#entry-form .invalid-feedback")
    assert "请填写金额" in page.locator("#entry-form").inner_text()
    assert FundEntry.objects.count() == 1

    # The right amount, with the invoice.
    assert page.locator("#kind-spending").is_checked()
    page.fill("#id_amount", "1,234.50")
    page.fill("#id_note", "清扫工具")
    page.set_input_files("#id_receipts", str(tmp_path / "发票.jpg"))
    if screen == "phone":
        small = page.evaluate(SMALL_TARGETS)
        assert small == [], f"tap targets under 44 px: {small}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"fund-ledger-form-{screen}.png"), full_page=True)
    press("#entry-submit")
    page.wait_for_selector(".alert-success")
    spending = FundEntry.objects.get(kind="spending")
    row = page.locator(f"#entry-{spending.pk}")
    assert "−1,234.50" in row.inner_text() and "3,765.50" in row.inner_text()
    assert "3,765.50" in page.locator("#ledger-balance").inner_text()
    receipt = page.request.get(base + row.locator(".ledger-receipt").get_attribute("href"))
    assert receipt.status == 200 and receipt.headers["content-type"] == "image/jpeg"
    assert receipt.body()[:2] == b"\xff\xd8"

    # Reverse it with a reason: the booked entry stays, a reversing entry cancels it.
    press(row.locator("summary"))
    row.locator("textarea[name=reason]").fill("金额录错，重新录入")
    press(row.get_by_role("button", name="确认冲销"))
    page.wait_for_selector(".alert-success")
    reversal = FundEntry.objects.get(reverses=spending)
    assert reversal.note == "金额录错，重新录入"
    assert "冲销 #" in page.locator(f"#entry-{reversal.pk}").inner_text()
    assert "已被 #" in page.locator(f"#entry-{spending.pk}").inner_text()
    assert page.locator(f"#entry-{spending.pk} summary").count() == 0, "a reversed entry is not reversed twice"
    assert "5,000.00" in page.locator("#ledger-balance").inner_text()
    assert page.locator("#summary-income").inner_text() == "5,000.00"
    assert page.locator("#summary-spending").inner_text() == "0.00"
    assert page.locator("#summary-closing").inner_text() == "5,000.00"
    if screen == "phone":
        small = page.evaluate(SMALL_TARGETS)
        assert small == [], f"tap targets under 44 px: {small}"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / f"fund-ledger-{screen}.png"), full_page=True)

    # The Excel export holds what the page shows.
    with page.expect_download() as download_info:
        press("#ledger-export")
    sheet = read_export(Path(download_info.value.path()).read_bytes())
    amounts = sorted((row[2], float(row[5]), float(row[6])) for row in sheet.rows)
    assert amounts == [("支出", 1234.5, -1234.5), ("支出", 1234.5, 1234.5), ("收入", 5000.0, 5000.0)]
    context.close()
