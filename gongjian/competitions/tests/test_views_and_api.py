"""The competition's pages, API and Excel export, with the scope of each role: the city sees every
unit, a street its own, a co-construction unit's user only its own sheet, the outsider and another
city's office nothing (404)."""

from decimal import Decimal as D

import pytest
from django.test import Client

from gongjian.accounts.choices import Role
from gongjian.competitions import services
from gongjian.competitions.models import Competition, Entry
from gongjian.competitions.tests.helpers import ITEMS, make_competition, score_the_hand_computed_case
from gongjian.testing.excel import read_export
from gongjian.testing.factories import CobuildUnitFactory, user_with_role

pytestmark = pytest.mark.django_db
API = "/api/v1/competitions/"


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def computed(people, small_city):
    setup = make_competition(people, small_city)
    score_the_hand_computed_case(people, setup)
    services.competition_compute(user=people.city_admin, competition=setup.competition)
    return setup


def _ranking_names(response):
    assert response.status_code == 200, response.content
    return [row["unit_name"] for row in response.json()["ranking"]]


def test_the_city_sees_every_unit_ranked_with_ties(people, computed):
    response = signed_in(people.city_leader).get(f"{API}{computed.competition.pk}/")
    rows = response.json()["ranking"]
    assert [(r["unit_name"], r["rank_city"], r["score"]) for r in rows] == [
        ("乙一企业", 1, "100.00"),
        ("甲一企业", 2, "88.00"),
        ("甲二机关", 2, "88.00"),
        (computed.own.cobuild_unit.name, 4, "50.00"),
    ]
    page = signed_in(people.city_leader).get(f"/competitions/{computed.competition.pk}/")
    assert page.status_code == 200 and "乙一企业" in page.content.decode()


def test_the_ranking_filters_by_street_and_kind(people, small_city, computed):
    client = signed_in(people.city_admin)
    assert _ranking_names(client.get(f"{API}{computed.competition.pk}/?street={small_city.street_a.pk}")) == [
        "甲一企业",
        "甲二机关",
    ]
    assert _ranking_names(client.get(f"{API}{computed.competition.pk}/?kind=enterprise")) == ["乙一企业", "甲一企业"]
    assert client.get(f"{API}{computed.competition.pk}/?kind=spaceship").status_code == 400
    page = client.get(f"/competitions/{computed.competition.pk}/?kind=enterprise").content.decode()
    assert "乙一企业" in page and "甲二机关" not in page


def test_a_street_sees_only_the_units_of_the_street(people, computed):
    client = signed_in(people.street_officer)  # 甲街道
    assert _ranking_names(client.get(f"{API}{computed.competition.pk}/")) == ["甲一企业", "甲二机关"]
    assert client.get(f"/competitions/{computed.competition.pk}/units/{computed.a1.pk}/").status_code == 200
    assert client.get(f"/competitions/{computed.competition.pk}/units/{computed.b1.pk}/").status_code == 404
    assert client.get(f"{API}{computed.competition.pk}/units/{computed.b1.pk}/").status_code == 404


def test_a_co_construction_units_own_user_sees_only_its_own_sheet(people, computed):
    """GIVEN the liaison's unit and 乙一企业 both sit in 乙一社区 (the liaison's paired community)
    THEN the liaison sees its own sheet, not 乙一企业's."""
    client = signed_in(people.liaison)
    assert _ranking_names(client.get(f"{API}{computed.competition.pk}/")) == [computed.own.cobuild_unit.name]
    sheet = client.get(f"{API}{computed.competition.pk}/units/{computed.own.pk}/").json()
    assert (sheet["score"], sheet["rank_city"]) == ("50.00", 4)
    assert [(line["item"], line["lost"]) for line in sheet["lines"]] == [
        ("A1", "20.00"),
        ("A2", "30.00"),
        ("A3", "0.00"),
    ]
    for other in (computed.b1, computed.a1):
        assert client.get(f"/competitions/{computed.competition.pk}/units/{other.pk}/").status_code == 404
        assert client.get(f"{API}{computed.competition.pk}/units/{other.pk}/").status_code == 404
    assert client.get(f"/competitions/{computed.competition.pk}/units/{computed.own.pk}/entry/").status_code == 403


@pytest.mark.parametrize("who", ["outsider", "other_city_admin"])
def test_an_outsider_sees_nothing(people, small_city, computed, who):
    user = (
        people.outsider
        if who == "outsider"
        else user_with_role(Role.CITY_ADMIN, unit=small_city.other_city, username="other_admin")
    )
    client = signed_in(user)
    pk = computed.competition.pk
    assert client.get(API).json()["results"] == []
    assert client.get(f"{API}{pk}/").status_code == 404
    assert client.get(f"{API}{pk}/units/{computed.a1.pk}/").status_code == 404
    for path in ("", "export.xlsx", f"units/{computed.a1.pk}/", f"units/{computed.a1.pk}/entry/"):
        assert client.get(f"/competitions/{pk}/{path}").status_code == 404, path
    assert client.post(f"/competitions/{pk}/publish/").status_code == 404
    assert Competition.objects.get().status == "computed"


def test_the_api_asks_for_a_sign_in(computed):
    assert Client().get(API).status_code == 401


def test_the_excel_export_opens_and_matches_the_ranking(people, small_city, computed):
    response = signed_in(people.city_admin).get(f"/competitions/{computed.competition.pk}/export.xlsx")
    assert response.status_code == 200
    sheet = read_export(b"".join(response.streaming_content) if response.streaming else response.content)
    assert computed.competition.name in sheet.title
    assert sheet.headers[:3] == ["全市排名", "共建单位", "类型"]
    assert [(r[0], r[1], r[3], r[4], D(str(r[5]))) for r in sheet.rows] == [
        (1, "乙一企业", "乙街道", "乙一社区", D("100")),
        (2, "甲一企业", "甲街道", "甲一社区", D("88")),
        (2, "甲二机关", "甲街道", "甲二社区", D("88")),
        (4, computed.own.cobuild_unit.name, "乙街道", "乙一社区", D("50")),
    ]
    street = signed_in(people.street_officer).get(f"/competitions/{computed.competition.pk}/export.xlsx")
    assert [r[1] for r in read_export(street.content).rows] == ["甲一企业", "甲二机关"]


def test_the_city_office_creates_a_competition_from_the_page(people, small_city):
    unit = CobuildUnitFactory(name="甲一企业", kind="enterprise", located_in=small_city.community_a1)
    client = signed_in(people.city_admin)
    assert "competition-form" in client.get("/competitions/").content.decode()
    data = {
        "name": "2026年企事业单位内外环境管理达标竞赛",
        "starts_on": "2026-04-01",
        "ends_on": "2026-09-30",
        "items": ITEMS,
        "cobuild_units": [unit.pk],
    }
    bad = client.post("/competitions/new/", {**data, "items": "A1 | 门前 | 20 | deduct"})
    assert bad.status_code == 400 and "第 1 行" in bad.content.decode() and not Competition.objects.exists()
    response = client.post("/competitions/new/", data)
    competition = Competition.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/competitions/{competition.pk}/"
    assert list(competition.items.values_list("code", flat=True)) == ["A1", "A2", "A3"]
    assert "competition-form" not in signed_in(people.inspector).get("/competitions/").content.decode()
    assert signed_in(people.inspector).post("/competitions/new/", data).status_code == 403


def test_an_inspector_enters_a_result_on_the_page_and_bad_input_changes_nothing(people, small_city):
    setup = make_competition(people, small_city)
    client = signed_in(people.inspector)
    url = f"/competitions/{setup.competition.pk}/units/{setup.a1.pk}/entry/"
    item = setup.item("A1")
    page = client.get(url)
    assert page.status_code == 200 and "门前三包责任落实" in page.content.decode()
    bad = client.post(url, {"item": item.pk, f"item{item.pk}-value": "2", f"item{item.pk}-reason": ""})
    assert bad.status_code == 400 and "扣分须填写原因" in bad.content.decode() and not Entry.objects.exists()
    ok = client.post(url, {"item": item.pk, f"item{item.pk}-value": "2", f"item{item.pk}-reason": "门前堆物"})
    assert ok.status_code == 302
    assert Entry.objects.get().value == 2
    sheet = client.get(f"/competitions/{setup.competition.pk}/units/{setup.a1.pk}/").content.decode()
    assert "门前堆物" in sheet and "−6.00" in sheet


def test_the_page_refuses_to_publish_a_stale_competition(people, small_city, computed):
    from gongjian.competitions.tests.helpers import score

    score(people.inspector, computed, computed.b1, "A3", "5", reason="缺株")
    client = signed_in(people.city_admin)
    page = client.get(f"/competitions/{computed.competition.pk}/").content.decode()
    assert "competition-stale" in page
    response = client.post(f"/competitions/{computed.competition.pk}/publish/", follow=True)
    assert "重新计算" in response.content.decode() and Competition.objects.get().status == "computed"


def test_the_operators_command_writes_every_unit(computed, tmp_path):
    from django.core.management import call_command

    target = tmp_path / "ranking.xlsx"
    call_command("competition_ranking", str(computed.competition.pk), output=str(target))
    assert [r[1] for r in read_export(target.read_bytes()).rows] == [
        "乙一企业",
        "甲一企业",
        "甲二机关",
        computed.own.cobuild_unit.name,
    ]


def test_the_ranking_page_costs_the_same_queries_for_more_units(
    people, small_city, computed, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(people.city_admin)
    url = f"/competitions/{computed.competition.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as four:
        assert client.get(url).status_code == 200
    more = [CobuildUnitFactory(kind="enterprise", located_in=small_city.community_a2) for _ in range(6)]
    services.competition_create(
        user=people.city_admin,
        city=small_city.city,
        name="十个单位",
        starts_on=computed.competition.starts_on,
        ends_on=computed.competition.ends_on,
        items_text=ITEMS,
        cobuild_units=[p.cobuild_unit for p in (computed.a1, computed.a2, computed.b1, computed.own)] + more,
    )
    bigger = Competition.objects.get(name="十个单位")
    services.competition_compute(user=people.city_admin, competition=bigger)
    client.get(f"/competitions/{bigger.pk}/")
    with CaptureQueriesContext(connection) as ten:
        assert client.get(f"/competitions/{bigger.pk}/").status_code == 200
    assert len(ten) == len(four)
