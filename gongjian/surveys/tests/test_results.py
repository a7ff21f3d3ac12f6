"""Results by community: counts, distributions, the satisfaction rate with its interval and the
small-sample note; an Excel export; each office sees only its own communities (elsewhere 404)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from gongjian.surveys.selectors import community_results, question_results
from gongjian.surveys.tests.factories import a_survey, respond


@pytest.fixture
def answered(people, small_city):
    """甲一: 6 answers, 4 satisfied (3 满意, 1 比较满意) → 66.67 %; 甲二: 1 不满意; 乙一: 2 满意."""
    c = small_city
    survey = a_survey(user=people.city_admin, city=c.city, communities=[c.community_a1, c.community_a2, c.community_b1])
    respond(survey, c.community_a1, times=3, satisfaction="满意", scale=5, many=["停车"])
    respond(survey, c.community_a1, times=1, satisfaction="比较满意", scale=4, text='=HYPERLINK("x")')
    respond(survey, c.community_a1, times=2, satisfaction="一般", scale=2, many=["停车", "绿化"])
    respond(survey, c.community_a2, times=1, satisfaction="不满意", scale=1)
    respond(survey, c.community_b1, times=2, satisfaction="满意", scale=5)
    return survey


def test_the_rate_and_its_interval_are_worked_out_per_community(answered, small_city):
    rows = {r.community.name: r for r in community_results(answered, [small_city.community_a1.pk])}
    a1 = rows["甲一社区"]
    assert (a1.responses, a1.satisfied, str(a1.rate)) == (6, 4, "66.67")
    assert a1.note == {"low": 30.0, "high": 90.3, "too_few": True}  # Wilson 4 of 6


def test_the_distributions_count_every_answer(answered, small_city):
    results = {r.question.kind: r for r in question_results(answered, [small_city.community_a1.pk])}
    assert results["single"].counts == [("满意", 3, 50.0), ("比较满意", 1, 16.7), ("一般", 2, 33.3), ("不满意", 0, 0.0)]
    assert results["multiple"].counts == [("垃圾分类", 0, 0.0), ("停车", 5, 100.0), ("绿化", 2, 40.0)]
    assert [c for _label, c, _share in results["scale"].counts] == [0, 2, 0, 1, 3]
    assert results["text"].texts == ['=HYPERLINK("x")']


def test_the_city_office_sees_every_community_and_the_small_sample_note(client, answered, people):
    client.force_login(people.city_admin)
    page = client.get(f"/surveys/office/{answered.pk}/results/").content.decode()
    for name in ("甲一社区", "甲二社区", "乙一社区"):
        assert name in page
    table = page[page.index("community-results") : page.index("community-results") + 1500]
    assert "66.67%" in table and "n < 30" in table


def test_a_street_sees_its_communities_only(client, answered, people):
    client.force_login(people.street_officer)
    page = client.get(f"/surveys/office/{answered.pk}/results/").content.decode()
    assert "甲一社区" in page and "甲二社区" in page and "乙一社区" not in page


def test_a_community_sees_its_own_only(client, answered, people):
    client.force_login(people.community_worker)
    page = client.get(f"/surveys/office/{answered.pk}/results/").content.decode()
    assert "甲一社区" in page and "甲二社区" not in page


@pytest.mark.parametrize("path", ["", "results/", "results.xlsx", "edit/"])
def test_the_outsider_gets_404(client, answered, people, path):
    client.force_login(people.outsider)
    assert client.get(f"/surveys/office/{answered.pk}/{path}").status_code == 404


def test_a_community_cannot_design_or_publish(client, answered, people):
    client.force_login(people.community_worker)
    assert client.get("/surveys/office/new/").status_code == 404
    assert client.post(f"/surveys/office/{answered.pk}/new-version/").status_code == 404


def test_a_community_of_another_survey_does_not_see_it(client, people, small_city):
    survey = a_survey(user=people.city_admin, city=small_city.city, communities=[small_city.community_b1])
    client.force_login(people.community_worker)  # 甲一
    assert client.get(f"/surveys/office/{survey.pk}/results/").status_code == 404


def test_the_excel_export_has_the_figures_and_no_formula(client, answered, people):
    client.force_login(people.street_officer)
    response = client.get(f"/surveys/office/{answered.pk}/results.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    sheets = book.worksheets
    rows = list(sheets[0].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[1], r[2]) for r in rows] == [("甲一社区", 6, 4), ("甲二社区", 1, 0)]
    text_cell = sheets[2]["B3"]
    assert text_cell.value == '=HYPERLINK("x")' and text_cell.data_type == "s"


def test_the_list_shows_each_office_only_the_surveys_of_its_communities(client, answered, people, small_city):
    other = a_survey(user=people.city_admin, city=small_city.city, communities=[small_city.community_b1])
    other.title = "乙街道专项调查"
    other.save()
    client.force_login(people.community_worker)
    page = client.get("/surveys/office/").content.decode()
    assert answered.title in page and "乙街道专项调查" not in page
    client.force_login(people.city_admin)
    assert "乙街道专项调查" in client.get("/surveys/office/").content.decode()
    client.force_login(people.outsider)
    assert client.get("/surveys/office/").status_code == 404
