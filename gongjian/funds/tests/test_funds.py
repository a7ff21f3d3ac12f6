"""The fund ledger: recording (bad input changes nothing), reversing (audited, once), receipts checked
like archive uploads, scope through the API (a community its own, the street its communities, the
city all, a liaison its pairing's; the outsider and a sibling community nothing), the Excel export,
the yearly statement in the archive and the figures in the bulletin and the speech."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from gongjian.archives.models import Evidence
from gongjian.archives.services.files import FileIn
from gongjian.archives.tests.factories import archive_ruleset, jpeg, published_template
from gongjian.core.audit import AuditEvent
from gongjian.core.errors import NotPermitted
from gongjian.funds import services
from gongjian.funds.models import FundEntry, FundReceipt
from gongjian.testing.factories import PairingFactory

D = datetime.date
M = Decimal
pytestmark = pytest.mark.django_db
LIST = "/api/v1/fund-entries/"


def record(user, community, **kw):
    values = {"kind": "income", "source": "allocation", "amount": "1000", "date": D(2025, 3, 1)}
    values.update(kw)
    return services.fund_entry_record(user=user, community=community, **values)


@pytest.fixture
def ledgers(people, small_city, django_capture_on_commit_callbacks):
    """a1: 1000 in, 250.55 out; a2 (a1's sibling): 500 in; b1: 2000 from the liaison's pairing, 30 out."""
    pairing = small_city.community_b1.pairings.get()
    with django_capture_on_commit_callbacks(execute=True):
        a1_in = record(people.community_worker, small_city.community_a1)
        a1_out = record(
            people.community_worker,
            small_city.community_a1,
            kind="spending",
            purpose="activity",
            amount="250.55",
            date=D(2025, 4, 2),
            files=[FileIn(name="发票.jpg", data=jpeg(seed=1))],
        )
        a2_in = record(people.street_officer, small_city.community_a2, amount="500")
        b1_in = record(
            people.city_admin, small_city.community_b1, source="contribution", pairing=pairing, amount="2000.00"
        )
        b1_out = record(people.city_admin, small_city.community_b1, kind="spending", purpose="publicity", amount="30")
    return {"a1_in": a1_in, "a1_out": a1_out, "a2_in": a2_in, "b1_in": b1_in, "b1_out": b1_out}


def api(user):
    client = Client()
    client.force_login(user)
    return client


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_an_entry_is_recorded_with_its_receipt_and_audited(ledgers):
    entry = ledgers["a1_out"]
    assert entry.amount == M("250.55") and entry.receipts.get().kind == "image"
    assert AuditEvent.objects.filter(action="fund.entry.record", target_id=str(entry.pk)).exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "99999999"}, "amount"),
        ({"kind": "gift"}, "kind"),
        ({"source": ""}, "source"),
        ({"kind": "spending", "purpose": "party"}, "purpose"),
        ({"source": "contribution"}, "pairing"),
        ({"date": "2025-02-30"}, "date"),
        ({"date": D(2999, 1, 1)}, "date"),
        ({"note": "长" * 301}, "note"),
        ({"kind": "spending", "purpose": "other", "files": [FileIn(name="宏.xlsm", data=b"PK\x03\x04junk")]}, "files"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(people, small_city, changes, field):
    with pytest.raises(ValidationError) as error:
        record(people.community_worker, small_city.community_a1, **changes)
    assert field in error.value.message_dict
    assert not FundEntry.objects.exists() and not FundReceipt.objects.exists()


def test_a_pairing_with_another_community_is_refused(people, small_city):
    other = PairingFactory(community=small_city.community_b1)
    with pytest.raises(ValidationError) as error:
        record(people.community_worker, small_city.community_a1, source="contribution", pairing=other)
    assert "pairing" in error.value.message_dict


def test_only_the_keepers_of_the_ledger_may_record(people, small_city):
    for user in (people.outsider, people.city_leader, people.liaison, people.volunteer):
        with pytest.raises(NotPermitted):
            record(user, small_city.community_a1)
    with pytest.raises(NotPermitted):  # a sibling community
        record(people.community_worker, small_city.community_a2)
    with pytest.raises(ValidationError):  # a ledger belongs to a community, not a street
        record(people.street_officer, small_city.street_a)


def test_a_correction_is_a_reversing_entry_made_once_and_audited(people, ledgers):
    entry = ledgers["a1_out"]
    reversal = services.fund_entry_reverse(user=people.community_worker, entry=entry, reason="金额录错")
    entry.refresh_from_db()
    assert entry.amount == M("250.55")  # the original stays as it was
    assert reversal.reverses == entry and reversal.kind == "spending" and reversal.note == "金额录错"
    event = AuditEvent.objects.get(action="fund.entry.reverse")
    assert event.target_id == str(entry.pk) and event.from_state == "spending 250.55"
    assert event.to_state == f"reversed by {reversal.pk}" and event.actor_id == people.community_worker.pk
    with pytest.raises(ValidationError):
        services.fund_entry_reverse(user=people.community_worker, entry=entry, reason="再来一次")
    with pytest.raises(ValidationError):
        services.fund_entry_reverse(user=people.community_worker, entry=reversal, reason="冲销冲销")
    with pytest.raises(ValidationError):
        services.fund_entry_reverse(user=people.community_worker, entry=ledgers["a1_in"], reason="  ")
    with pytest.raises(NotPermitted):
        services.fund_entry_reverse(user=people.community_worker, entry=ledgers["a2_in"], reason="不是我的")


@pytest.mark.parametrize(
    "who, sees",
    [
        ("community_worker", {"a1_in", "a1_out"}),
        ("street_officer", {"a1_in", "a1_out", "a2_in"}),
        ("city_leader", {"a1_in", "a1_out", "a2_in", "b1_in", "b1_out"}),
        ("liaison", {"b1_in"}),
        ("inspector", set()),
        ("volunteer", set()),
        ("outsider", set()),
    ],
)
def test_each_sees_the_entries_of_their_scope(people, ledgers, who, sees):
    client = api(getattr(people, who))
    assert ids(client.get(LIST)) == {ledgers[name].pk for name in sees}
    for name, entry in ledgers.items():
        expected = 200 if name in sees else 404
        assert client.get(f"{LIST}{entry.pk}/").status_code == expected


def test_the_api_records_an_entry_with_a_receipt_and_reverses_it(people, small_city):
    client = api(people.community_worker)
    response = client.post(
        LIST,
        {
            "community": small_city.community_a1.pk,
            "kind": "spending",
            "purpose": "environment",
            "amount": "88.80",
            "date": "2025-05-05",
            "note": '=HYPERLINK("x")',
            "files": [SimpleUploadedFile("票据.jpg", jpeg(seed=3), content_type="image/jpeg")],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "88.80" and body["effect"] == "-88.80" and body["receipts"] == ["票据.jpg"]
    reversed_ = client.post(f"{LIST}{body['id']}/reverse/", {"reason": "重复录入"}, content_type="application/json")
    assert reversed_.status_code == 201 and reversed_.json()["reverses"] == body["id"]
    assert client.get(f"{LIST}{body['id']}/").json()["reversed_by"] == reversed_.json()["id"]


def test_the_api_books_an_entry_once_per_idempotency_key(people, small_city):
    client = api(people.community_worker)
    body = {"community": small_city.community_a1.pk, "kind": "income", "source": "donation", "date": "2025-05-05"}
    key = {"HTTP_IDEMPOTENCY_KEY": "7d1e0c55-8b8e-4c1a-9a4b-2f0a5d3e6c11"}
    first = client.post(LIST, {**body, "amount": "50"}, content_type="application/json", **key)
    again = client.post(LIST, {**body, "amount": "50"}, content_type="application/json", **key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and FundEntry.objects.count() == 1
    other = client.post(LIST, {**body, "amount": "60"}, content_type="application/json", **key)
    assert other.status_code == 409 and FundEntry.objects.count() == 1
    bad_key = client.post(LIST, {**body, "amount": "50"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="x")
    assert bad_key.status_code == 400 and FundEntry.objects.count() == 1


def test_the_api_refuses_bad_amounts_and_other_communities(people, small_city):
    client = api(people.community_worker)
    base = {"community": small_city.community_a1.pk, "kind": "income", "source": "donation", "date": "2025-05-05"}
    for amount in ("-1", "1.001", "x", "1e9"):
        response = client.post(LIST, {**base, "amount": amount}, content_type="application/json")
        assert response.status_code == 400 and "amount" in response.json()
    sibling = client.post(
        LIST, {**base, "community": small_city.community_a2.pk, "amount": "5"}, content_type="application/json"
    )
    assert sibling.status_code == 400
    outsider = api(people.outsider).post(LIST, {**base, "amount": "5"}, content_type="application/json")
    assert outsider.status_code == 400
    assert not FundEntry.objects.exists()


def test_yearly_totals_per_community_to_the_cent(people, ledgers):
    rows = api(people.city_leader).get(f"{LIST}totals/?year=2025").json()
    by_name = {row["community_name"]: row for row in rows}
    assert by_name["甲一社区"]["income"] == "1000.00" and by_name["甲一社区"]["spending"] == "250.55"
    assert by_name["甲一社区"]["closing"] == "749.45"
    assert by_name["乙一社区"]["closing"] == "1970.00"
    assert {row["community_name"] for row in api(people.community_worker).get(f"{LIST}totals/").json()} == {"甲一社区"}


def test_the_excel_export_holds_the_entries_and_totals_and_is_formula_safe(people, small_city, ledgers):
    record(people.community_worker, small_city.community_a1, amount="1", note="=1+1")
    response = api(people.street_officer).get(f"{LIST}export/?year=2025")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    entries, totals = book.worksheets
    values = [[cell.value for cell in row] for row in entries.iter_rows(min_row=3)]
    assert {row[1] for row in values} == {"甲一社区", "甲二社区"}
    assert any(row[8] == "=1+1" and entries.cell(values.index(row) + 3, 9).data_type == "s" for row in values)
    assert not any(isinstance(c.value, str) and c.data_type == "f" for r in entries.iter_rows() for c in r)
    totals_rows = [[cell.value for cell in row] for row in totals.iter_rows(min_row=3)]
    assert ["甲一社区", 2025, 0, 1001, 250.55, 750.45] in [[r[0], r[1], *map(float, r[2:])] for r in totals_rows]


def test_the_yearly_statement_files_itself_in_the_archive(people, small_city, django_capture_on_commit_callbacks):
    published_template(people.city_admin, archive_ruleset(people.city_admin, small_city.city))
    with django_capture_on_commit_callbacks(execute=True):
        record(people.community_worker, small_city.community_a1, amount="1200.50")
    assert Evidence.objects.get(source="funds", is_current=True).version == 1
    with django_capture_on_commit_callbacks(execute=True):
        record(
            people.community_worker,
            small_city.community_a1,
            kind="spending",
            purpose="equipment",
            amount="200",
            files=[FileIn(name="发票.jpg", data=jpeg(seed=2))],
        )
    evidence = Evidence.objects.get(source="funds", is_current=True)
    assert evidence.unit == small_city.community_a1 and "2025" in evidence.title
    assert "1,200.50" in evidence.text and "1,000.50" in evidence.text and evidence.files.count() == 1
    assert evidence.version == 2  # the second entry brought the same record up to date


def test_the_bulletin_and_the_speech_say_the_years_fund_totals(people, small_city, ledgers):
    from gongjian.archives.periods import YEAR, Period
    from gongjian.documents.compose import funds_sentence
    from gongjian.documents.facts import figures_actor, fund_figures
    from gongjian.documents.speech import compose_speech
    from gongjian.documents.tests.test_compose import bulletin
    from gongjian.documents.tests.test_speech import facts

    figures = fund_figures(figures_actor(small_city.city.pk), 2025, D(2025, 12, 31))
    assert (figures.income, figures.spending, figures.balance) == (M("3500.00"), M("280.55"), M("3219.45"))
    assert fund_figures(figures_actor(small_city.city.pk), 2025, D(2025, 3, 31)).income == M("3500.00")
    assert fund_figures(figures_actor(small_city.city.pk), 2024, D(2024, 12, 31)) is None
    sentence = funds_sentence(figures)
    assert sentence == "截至12月31日，全市共建资金2025年收入3,500.00元，支出280.55元，结余3,219.45元。"
    text = "".join(getattr(b, "text", "") for s in bulletin(funds=figures).sections for b in s.blocks)
    assert sentence in text
    assert "共建资金" not in "".join(getattr(b, "text", "") for s in bulletin().sections for b in s.blocks)
    speech = compose_speech(facts(funds=figures, period=Period(D(2025, 1, 1), YEAR)))
    said = [s for s in speech.sentences if "共建资金" in s.text]
    assert said and "收入3,500.00元，支出280.55元，结余3,219.45元" in said[0].text
