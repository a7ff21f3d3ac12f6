"""The ledger pages on the web: a community's bookkeeper records an entry with its receipt, reverses
one with a reason and files the year's statement, each through the audited services; bad input is
refused in Chinese and changes nothing; the street reads its communities' ledgers, the city all of
them, a liaison its pairing's; the outsider and a sibling community get 404 and the reading roles
403 on a write; receipts are streamed only after the scope check."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from gongjian.archives.models import Evidence
from gongjian.archives.services.files import FileIn
from gongjian.archives.tests.factories import archive_ruleset, jpeg, published_template
from gongjian.core.audit import AuditEvent
from gongjian.funds import services
from gongjian.funds.models import FundEntry, FundReceipt, FundStatement
from gongjian.testing.excel import read_export

pytestmark = pytest.mark.django_db
D = datetime.date
LAST_YEAR = timezone.localdate().year - 1


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ledger_url(community) -> str:
    return f"/funds/communities/{community.pk}/"


def book(user, community, **kw):
    values = {"kind": "income", "source": "allocation", "amount": "1000", "date": D(LAST_YEAR, 3, 1)}
    values.update(kw)
    return services.fund_entry_record(user=user, community=community, **values)


def receipt_upload(name="发票.jpg", data=None):
    return SimpleUploadedFile(name, jpeg(seed=7) if data is None else data, content_type="image/jpeg")


def spending_form(**overrides):
    form = {
        "kind": "spending",
        "purpose": "activity",
        "source": "",
        "pairing": "",
        "amount": "1,234.50",
        "date": f"{LAST_YEAR}-05-04",
        "note": "清扫工具",
    }
    form.update(overrides)
    return form


def test_a_bookkeeper_records_a_spending_with_its_receipt_on_the_ledger_page(people, small_city):
    """GIVEN community a1's worker on the ledger page
    WHEN they book a spending of 1,234.50 with a photo of the invoice
    THEN one entry and one receipt are stored, audited, and the page shows them with the balance."""
    worker = client_for(people.community_worker)
    url = ledger_url(small_city.community_a1)
    response = worker.post(url, {**spending_form(), "receipts": [receipt_upload()]})
    assert response.status_code == 302 and response["Location"] == url
    entry = FundEntry.objects.get()
    assert (entry.kind, entry.purpose, entry.amount, entry.created_by) == (
        "spending",
        "activity",
        Decimal("1234.50"),
        people.community_worker,
    )
    receipt = FundReceipt.objects.get(entry=entry)
    assert receipt.kind == "image"
    assert AuditEvent.objects.filter(action="fund.entry.record", target_id=str(entry.pk)).count() == 1
    page = worker.get(f"{url}?year={LAST_YEAR}").content.decode()
    assert "−1,234.50" in page and f"/funds/receipts/{receipt.pk}/" in page and "清扫工具" in page
    served = worker.get(f"/funds/receipts/{receipt.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content)[:2] == b"\xff\xd8"


def test_the_same_entry_form_sent_twice_books_one_entry(people, small_city):
    """GIVEN the entry form as the page shows it (with its hidden write key)
    WHEN it is sent twice (a double tap, or a resend after the answer was lost)
    THEN one entry and one receipt are booked and the second send says so; a new form books anew."""
    worker = client_for(people.community_worker)
    url = ledger_url(small_city.community_a1)
    page = worker.get(url).content.decode()
    key = re.search(r'name="write_key" value="([0-9a-f-]{36})"', page).group(1)
    first = worker.post(url, {**spending_form(), "write_key": key, "receipts": [receipt_upload()]})
    again = worker.post(url, {**spending_form(), "write_key": key, "receipts": [receipt_upload()]}, follow=True)
    assert first.status_code == 302 and again.status_code == 200
    assert FundEntry.objects.count() == 1 and FundReceipt.objects.count() == 1
    assert "nothing was added" in again.content.decode() or "未重复记账" in again.content.decode()
    fresh = re.search(r'name="write_key" value="([0-9a-f-]{36})"', worker.get(url).content.decode()).group(1)
    assert fresh != key
    worker.post(url, {**spending_form(), "write_key": fresh})
    assert FundEntry.objects.count() == 2


def test_a_used_form_filled_in_anew_is_refused_not_silently_dropped(people, small_city):
    """A page brought back with the Back button still holds the key its first send used: another entry
    sent with it is refused with the reason (nothing booked), and the form comes back with a new key."""
    worker = client_for(people.community_worker)
    url = ledger_url(small_city.community_a1)
    key = "3c9d2f7a-1b4e-4c6d-8e2f-9a0b1c2d3e4f"
    assert worker.post(url, {**spending_form(), "write_key": key}).status_code == 302
    other = worker.post(url, {**spending_form(amount="99", note="另一笔"), "write_key": key})
    assert other.status_code == 400 and FundEntry.objects.count() == 1
    page = other.content.decode()
    assert f"#{FundEntry.objects.get().pk}" in page or str(FundEntry.objects.get().pk) in page
    fresh = re.search(r'name="write_key" value="([0-9a-f-]{36})"', page).group(1)
    assert fresh != key
    assert worker.post(url, {**spending_form(amount="99", note="另一笔"), "write_key": fresh}).status_code == 302
    assert sorted(FundEntry.objects.values_list("amount", flat=True)) == [Decimal("99"), Decimal("1234.50")]


def test_a_refused_entry_keeps_its_write_key_free_for_the_corrected_send(people, small_city):
    worker = client_for(people.community_worker)
    url = ledger_url(small_city.community_a1)
    key = "0b7f6f1e-2f52-4d1e-9a57-3c1f3c2d9e01"
    refused = worker.post(url, {**spending_form(amount="1e3"), "write_key": key})
    assert refused.status_code == 400 and not FundEntry.objects.exists()
    assert key in refused.content.decode()  # the re-shown form sends the same key again
    assert worker.post(url, {**spending_form(), "write_key": key}).status_code == 302
    assert FundEntry.objects.count() == 1


def test_another_users_write_key_books_their_own_entry(people, small_city):
    key = "5d3a1c2b-0000-4000-8000-00000000abcd"
    url = ledger_url(small_city.community_a1)
    client_for(people.community_worker).post(url, {**spending_form(), "write_key": key})
    client_for(people.street_officer).post(url, {**spending_form(), "write_key": key})
    assert FundEntry.objects.count() == 2


def test_the_ledger_shows_the_running_balance_and_the_years_totals(people, small_city):
    a1 = small_city.community_a1
    book(people.community_worker, a1, amount="1000", date=D(LAST_YEAR - 1, 12, 1))
    book(people.community_worker, a1, kind="spending", purpose="publicity", amount="250.55", date=D(LAST_YEAR, 2, 1))
    book(people.community_worker, a1, source="donation", amount="0.05", date=D(LAST_YEAR, 3, 1))
    page = client_for(people.community_worker).get(f"{ledger_url(a1)}?year={LAST_YEAR}").content.decode()
    # The year's rows with the balance after each, carried in from the year before.
    rows = page[page.index('id="ledger-entries"') :]
    assert rows.index("749.45") < rows.index("749.50")
    summary = page[page.index('id="ledger-summary"') :]
    assert "1,000.00" in summary and "0.05" in summary and "250.55" in summary and "749.50" in summary
    yearly = page[page.index('id="ledger-yearly"') :]
    assert str(LAST_YEAR - 1) in yearly and str(LAST_YEAR) in yearly


def test_the_kind_filter_shows_only_that_kind_and_the_export_holds_the_same_rows(people, small_city):
    a1 = small_city.community_a1
    book(people.community_worker, a1, amount="1000")
    book(people.community_worker, a1, kind="spending", purpose="publicity", amount="250.55", note="=1+1")
    book(people.street_officer, small_city.community_a2, kind="spending", purpose="publicity", amount="9")
    worker = client_for(people.community_worker)
    page = worker.get(f"{ledger_url(a1)}?year={LAST_YEAR}&kind=spending").content.decode()
    rows = page[page.index('id="ledger-entries"') : page.index("</table>", page.index('id="ledger-entries"'))]
    assert "250.55" in rows and "+1,000.00" not in rows
    response = worker.get(f"{ledger_url(a1)}export/?year={LAST_YEAR}&kind=spending")
    assert response.status_code == 200
    sheet = read_export(response.content)
    assert [(row[1], float(row[5]), row[8]) for row in sheet.rows] == [("甲一社区", 250.55, "=1+1")]
    assert sheet.sheet.cell(3, 9).data_type == "s"  # formula-like text stays text


AMOUNT_FORMAT = "请填写金额（元），例如 1200.00。"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"amount": "1e9"}, AMOUNT_FORMAT),
        ({"amount": "1e3"}, AMOUNT_FORMAT),
        ({"amount": "-0"}, "金额必须大于零"),
        ({"amount": "0.00"}, "金额必须大于零"),
        ({"amount": "12.345"}, "金额最多保留两位小数"),
        ({"amount": "十二元"}, AMOUNT_FORMAT),
        ({"amount": "abc"}, AMOUNT_FORMAT),
        ({"amount": "10000000.01"}, "金额超过单笔上限"),
        ({"amount": ""}, "该字段是必填项"),
        ({"date": "1999-12-31"}, "之间的日期"),
        ({"date": "2026-13-01"}, "日期"),
        ({"date": "next week"}, "日期"),
        ({"date": f"{timezone.localdate() + datetime.timedelta(days=1):%Y-%m-%d}"}, "记账日期不能晚于今天"),
        ({"kind": ""}, "该字段是必填项"),
        ({"kind": "gift"}, "选择一个有效的选项"),
        ({"purpose": ""}, "请选择支出用途"),
        ({"kind": "income", "source": "contribution"}, "共建单位出资须注明结对关系"),
        ({"note": "很" * 301}, "300"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(people, small_city, overrides, message):
    response = client_for(people.community_worker).post(
        ledger_url(small_city.community_a1), {**spending_form(**overrides), "receipts": [receipt_upload()]}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert FundEntry.objects.count() == 0 and FundReceipt.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="fund.").exists()


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("发票.jpg", b"GIF89a not really an image at all", "仅接收"),
        ("发票.jpg", b"<?php echo 1; ?>", "仅接收"),
        ("发票.pdf", b"%PDF-1.4 cut short", "PDF"),
        ("发票.jpg", b"", "文件"),
    ],
)
def test_a_fake_or_empty_receipt_is_refused_and_nothing_is_stored(people, small_city, name, data, message):
    response = client_for(people.community_worker).post(
        ledger_url(small_city.community_a1), {**spending_form(), "receipts": [receipt_upload(name, data)]}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert FundEntry.objects.count() == 0 and FundReceipt.objects.count() == 0


def test_a_receipt_over_the_size_limit_is_refused_before_it_is_read(people, small_city, settings):
    settings.ARCHIVE_FILE_MAX_BYTES = 1024 * 1024
    big = receipt_upload("扫描件.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10) + b"\n%%EOF")
    response = client_for(people.community_worker).post(
        ledger_url(small_city.community_a1), {**spending_form(), "receipts": [big]}
    )
    assert response.status_code == 400
    assert "扫描件.pdf" in response.content.decode() and "1 MB" in response.content.decode()
    assert FundEntry.objects.count() == 0


def test_more_than_ten_receipts_are_refused(people, small_city):
    files = [receipt_upload(f"发票{n}.jpg", jpeg(seed=n)) for n in range(11)]
    response = client_for(people.community_worker).post(
        ledger_url(small_city.community_a1), {**spending_form(), "receipts": files}
    )
    assert response.status_code == 400 and "10" in response.content.decode()
    assert FundEntry.objects.count() == 0 and FundReceipt.objects.count() == 0


def test_a_contribution_is_booked_on_the_pairing_ledger_and_shows_there(people, small_city):
    pairing = small_city.community_b1.pairings.get()
    book(people.city_admin, small_city.community_b1, kind="spending", purpose="equipment", amount="40")
    office = client_for(people.city_admin)
    url = f"/funds/pairings/{pairing.pk}/"
    form = {"kind": "income", "source": "contribution", "purpose": "", "amount": "5000", "date": f"{LAST_YEAR}-06-01"}
    response = office.post(url, {**form, "pairing": str(pairing.pk)})
    assert response.status_code == 302
    entry = FundEntry.objects.get(kind="income")
    assert entry.pairing == pairing and entry.community == small_city.community_b1
    page = office.get(f"{url}?year={LAST_YEAR}").content.decode()
    assert "+5,000.00" in page and "40.00" not in page  # only the entries naming the pairing
    assert office.get(f"{ledger_url(small_city.community_b1)}?year={LAST_YEAR}").content.decode().count("5,000.00")


def test_an_entry_is_corrected_by_a_reversing_entry_with_a_reason(people, small_city):
    a1 = small_city.community_a1
    entry = book(people.community_worker, a1, kind="spending", purpose="activity", amount="860")
    worker = client_for(people.community_worker)
    url = f"/funds/entries/{entry.pk}/reverse/"
    back = f"{ledger_url(a1)}?year={LAST_YEAR}"

    refused = worker.post(url, {"reason": "  ", "next": back})
    assert refused.status_code == 400 and "该字段是必填项" in refused.content.decode()
    assert FundEntry.objects.count() == 1

    response = worker.post(url, {"reason": "金额录错", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    reversal = FundEntry.objects.get(reverses=entry)
    assert (reversal.amount, reversal.note, reversal.created_by) == (
        Decimal("860.00"),
        "金额录错",
        people.community_worker,
    )
    assert AuditEvent.objects.filter(action="fund.entry.reverse", target_id=str(entry.pk), note="金额录错").exists()
    entry.refresh_from_db()
    assert (entry.amount, entry.kind, entry.purpose) == (Decimal("860.00"), "spending", "activity")  # never edited

    again = worker.post(url, {"reason": "再冲一次", "next": back})
    assert again.status_code == 400 and "该笔账目已冲销" in again.content.decode()
    twice = worker.post(f"/funds/entries/{reversal.pk}/reverse/", {"reason": "冲销冲销"})
    assert twice.status_code == 400 and "冲销分录不能再冲销" in twice.content.decode()
    assert FundEntry.objects.count() == 2


def test_a_foreign_next_address_is_not_followed_after_a_reversal(people, small_city):
    entry = book(people.community_worker, small_city.community_a1)
    response = client_for(people.community_worker).post(
        f"/funds/entries/{entry.pk}/reverse/", {"reason": "重复录入", "next": "https://evil.example/"}
    )
    assert response["Location"] == ledger_url(small_city.community_a1)


def test_the_years_statement_is_filed_in_the_archive_on_purpose(people, small_city, django_capture_on_commit_callbacks):
    a1 = small_city.community_a1
    with django_capture_on_commit_callbacks(execute=True):
        book(people.community_worker, a1, amount="1200.50")
    worker = client_for(people.community_worker)
    url = f"/funds/communities/{a1.pk}/statement/"
    no_template = worker.post(url, {"year": LAST_YEAR}, follow=True)
    assert "模板发布后归档" in no_template.content.decode()
    assert not Evidence.objects.filter(source="funds").exists()

    published_template(people.city_admin, archive_ruleset(people.city_admin, small_city.city))
    response = worker.post(url, {"year": LAST_YEAR})
    evidence = Evidence.objects.get(source="funds", is_current=True)
    assert response.status_code == 302 and str(evidence.record_key) in response["Location"]
    assert "1,200.50" in evidence.text
    statement = FundStatement.objects.get(community=a1, year=LAST_YEAR)
    assert AuditEvent.objects.filter(action="fund.statement.file", target_id=str(statement.pk)).count() == 2

    bad = worker.post(url, {"year": "1999"})
    assert bad.status_code == 400 and "选择一个有效的选项" in bad.content.decode()


@pytest.mark.parametrize(
    "who, community, status",
    [
        ("community_worker", "community_a1", 200),
        ("community_worker", "community_a2", 404),  # a sibling community
        ("street_officer", "community_a1", 200),
        ("street_officer", "community_a2", 200),
        ("street_officer", "community_b1", 404),  # another street's
        ("city_leader", "community_b1", 200),
        ("city_admin", "community_b1", 200),
        ("liaison", "community_b1", 404),  # its pairing's page, never the whole ledger
        ("volunteer", "community_a1", 404),
        ("outsider", "community_a1", 404),
        ("city_admin", "other_community", 404),  # another city's
    ],
)
def test_each_reads_the_ledgers_of_their_scope(people, small_city, who, community, status):
    assert client_for(getattr(people, who)).get(ledger_url(getattr(small_city, community))).status_code == status
    export = client_for(getattr(people, who)).get(f"{ledger_url(getattr(small_city, community))}export/")
    assert export.status_code == status


def test_outsiders_cannot_book_reverse_file_or_fetch_receipts(people, small_city):
    a1 = small_city.community_a1
    entry = book(
        people.community_worker,
        a1,
        kind="spending",
        purpose="activity",
        amount="12",
        files=[FileIn(name="发票.jpg", data=jpeg(seed=3))],
    )
    receipt = entry.receipts.get()
    for who in ("outsider", "volunteer", "liaison"):
        client = client_for(getattr(people, who))
        assert client.post(ledger_url(a1), spending_form()).status_code == 404
        assert client.post(f"/funds/entries/{entry.pk}/reverse/", {"reason": "x"}).status_code == 404
        assert client.post(f"/funds/communities/{a1.pk}/statement/", {"year": LAST_YEAR}).status_code == 404
        assert client.get(f"/funds/receipts/{receipt.pk}/").status_code == 404
    sibling = client_for(people.community_worker)
    a2_entry = book(people.street_officer, small_city.community_a2)
    assert sibling.post(ledger_url(small_city.community_a2), spending_form()).status_code == 404
    assert sibling.post(f"/funds/entries/{a2_entry.pk}/reverse/", {"reason": "x"}).status_code == 404
    assert FundEntry.objects.count() == 2 and not FundEntry.objects.filter(reverses__isnull=False).exists()


def test_the_city_leader_reads_every_ledger_but_writes_none(people, small_city):
    a1 = small_city.community_a1
    entry = book(people.community_worker, a1)
    leader = client_for(people.city_leader)
    page = leader.get(f"{ledger_url(a1)}?year={LAST_YEAR}").content.decode()
    assert "1,000.00" in page and 'id="entry-form"' not in page and "ledger-reverse" not in page
    assert leader.post(ledger_url(a1), spending_form()).status_code == 403
    assert leader.post(f"/funds/entries/{entry.pk}/reverse/", {"reason": "x"}).status_code == 403
    assert leader.post(f"/funds/communities/{a1.pk}/statement/", {"year": LAST_YEAR}).status_code == 403
    assert FundEntry.objects.count() == 1


def test_the_street_keeps_its_communities_ledgers(people, small_city):
    response = client_for(people.street_officer).post(
        ledger_url(small_city.community_a2), {**spending_form(), "receipts": [receipt_upload()]}
    )
    assert response.status_code == 302
    assert FundEntry.objects.get().community == small_city.community_a2


def test_a_liaison_reads_its_pairings_ledger_and_receipts_only(people, small_city):
    b1 = small_city.community_b1
    pairing = b1.pairings.get()
    mine = book(
        people.city_admin,
        b1,
        source="contribution",
        pairing=pairing,
        amount="3000",
        files=[FileIn(name="到账回单.jpg", data=jpeg(seed=4))],
    )
    other = book(
        people.city_admin,
        b1,
        kind="spending",
        purpose="equipment",
        amount="77",
        files=[FileIn(name="其他.jpg", data=jpeg(seed=5))],
    )
    liaison = client_for(people.liaison)
    page = liaison.get(f"/funds/pairings/{pairing.pk}/?year={LAST_YEAR}").content.decode()
    assert "3,000.00" in page and "77.00" not in page and 'id="entry-form"' not in page
    assert liaison.get(f"/funds/receipts/{mine.receipts.get().pk}/").status_code == 200
    assert liaison.get(f"/funds/receipts/{other.receipts.get().pk}/").status_code == 404
    overview = liaison.get("/funds/").content.decode()
    assert f"/funds/pairings/{pairing.pk}/" in overview
    assert client_for(people.outsider).get(f"/funds/pairings/{pairing.pk}/").status_code == 404
    assert client_for(people.community_worker).get(f"/funds/pairings/{pairing.pk}/").status_code == 404


def test_the_overview_lists_every_community_in_scope_with_a_link_to_its_ledger(people, small_city):
    page = client_for(people.street_officer).get("/funds/").content.decode()
    assert ledger_url(small_city.community_a1) in page and ledger_url(small_city.community_a2) in page
    assert ledger_url(small_city.community_b1) not in page
    worker = client_for(people.community_worker).get("/funds/").content.decode()
    assert ledger_url(small_city.community_a1) in worker and ledger_url(small_city.community_a2) not in worker


def test_odd_ids_and_filters_are_404_or_ignored(people, small_city):
    worker = client_for(people.community_worker)
    assert worker.get(f"/funds/communities/{2**70}/").status_code == 404
    assert worker.get(f"/funds/receipts/{2**70}/").status_code == 404
    assert worker.get(f"/funds/communities/{small_city.compound_a1.pk}/").status_code == 404  # not a community
    assert worker.get(f"{ledger_url(small_city.community_a1)}?year=abc&kind=%00").status_code == 200
    book(people.community_worker, small_city.community_a1, amount="31.40", date=D(LAST_YEAR - 2, 1, 1))
    every_year = worker.get(f"{ledger_url(small_city.community_a1)}?year=all").content.decode()
    assert "31.40" in every_year and 'id="ledger-summary"' not in every_year


def spend_with_receipt(user, community, *, seed):
    return book(
        user, community, kind="spending", purpose="activity", amount="1", files=[FileIn("a.jpg", jpeg(seed=seed))]
    )


def test_the_ledger_page_query_count_does_not_grow_with_its_entries(people, small_city):
    a1 = small_city.community_a1
    worker = client_for(people.community_worker)
    url = f"{ledger_url(a1)}?year={LAST_YEAR}"
    for n in range(3):
        book(
            people.community_worker,
            a1,
            kind="spending",
            purpose="activity",
            amount="1",
            files=[FileIn(name="a.jpg", data=jpeg(seed=n))],
        )
    worker.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        worker.get(url)
    for n in range(12):
        book(
            people.community_worker,
            a1,
            kind="spending",
            purpose="activity",
            amount="1",
            files=[FileIn(name="a.jpg", data=jpeg(seed=10 + n))],
        )
    with CaptureQueriesContext(connection) as many:
        worker.get(url)
    assert len(many) == len(few)
