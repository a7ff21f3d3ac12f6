"""The leader's speech draft (讲话稿): each part states the right facts, every sentence links back to
where its figure comes from, nothing is said without a figure; the page is the city office's."""

from __future__ import annotations

import datetime
import io
import json
from dataclasses import replace
from decimal import Decimal
from unittest import mock

import pytest
from django.test import Client
from docx import Document

from gongjian.archives.periods import MONTH, QUARTER, YEAR, Period
from gongjian.core.jobs.models import Job
from gongjian.documents.speech import compose_speech, period_label
from gongjian.documents.speech_facts import Linked, SpeechFacts, previous_period
from gongjian.inspections import indicators
from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import ProblemFactory, at

AUGUST = Period(datetime.date(2026, 8, 1), MONTH)
LINKS = {
    "problems": "/problems/?all",
    "previous": "/problems/?before",
    "relapses": "/problems/?relapse=true",
    "overdue": "/problems/?overdue=true",
    "stats": "/problems/stats/",
    "months": "/assessments/",
    "pairings": "/participation/pairings/",
    "category:06036": "/problems/?category=06036",
    "category:09006": "/problems/?category=09006",
}


def facts(**changes) -> SpeechFacts:
    now = indicators.CohortCounts(found=100, due=80, closed=60, closed_on_time=50, overdue=30, relapses=4, relapsed=3)
    before = indicators.CohortCounts(
        found=120, due=90, closed=54, closed_on_time=40, overdue=50, relapses=2, relapsed=2
    )
    base = SpeechFacts(
        city="青田市",
        period=AUGUST,
        previous=previous_period(AUGUST),
        as_of=None,
        counts=now,
        rates=indicators.rates(now),
        previous_counts=before,
        previous_rates=indicators.rates(before),
        shares=(
            indicators.CategoryShare("06036", "乱堆杂物", 49, Decimal("49.0")),
            indicators.CategoryShare("09006", "占道经营", 21, Decimal("21.0")),
        ),
        months_assessed=1,
        leaders=(Linked("乙一社区", Decimal("0.955"), "/assessments/2026-08/units/7/", "乙街道"),),
        flag_holders=(Linked("乙一小区", 1, "/units/8/", "乙街道"),),
        relapse_units=(Linked("甲一小区", 3, "/problems/?unit=5&relapse=true"),),
        overdue_units=(Linked("甲二社区", 6, "/problems/?unit=4&overdue=true"), Linked("甲一小区", 2, "/x")),
        overdue_total=9,
        idle_partners=(Linked("市供电公司", "", "/participation/pairings/3/", "甲一社区"),),
        archive_risks=(Linked("甲二社区", Decimal("4.50"), "/archives/4/"),),
        weak_items=(Linked("门前三包", Decimal("0.6"), "/assessments/2026-08/"),),
        next_inspection=Linked("省文明城市复评", "2026年10月15日", "/problems/rounds/"),
        links=LINKS,
    )
    return replace(base, **changes)


def text(section) -> str:
    return "".join(s.text for s in section.sentences)


def test_the_speech_has_the_three_parts_of_the_speech_it_comes_from():
    speech = compose_speech(facts())
    assert [s.heading for s in speech.sections] == ["一、总结成绩", "二、存在问题", "三、下步工作"]
    assert speech.subtitle == "（2026年8月工作讲话稿）"
    assert speech.salutation == "同志们："


def test_achievements_state_what_improved_who_led_and_who_holds_the_red_flag():
    said = text(compose_speech(facts()).sections[0])
    assert "2026年8月，全市共发现问题100处，比上月减少20处，下降16.7%。" in said
    assert "结案率75%，比上月上升15个百分点" in said  # 60/80 against 54/90
    assert "按期结案率62.5%，比上月上升18.1个百分点" in said  # 50/80 against 40/90
    assert "超期率37.5%，比上月下降18.1个百分点" in said
    assert "回潮率" not in said  # 3/60 = 5.0% against 2/54 = 3.7%: worse, so not an achievement
    assert "乙街道乙一社区在2026年8月考核中平均得分率95.50%，成绩位居全市前列。" in said
    assert "乙街道乙一小区2026年8月获得流动红旗。" in said


def test_problems_name_the_top_category_with_its_share_relapses_overdue_idle_partners_and_archives():
    said = text(compose_speech(facts()).sections[1])
    assert "乱堆杂物问题49处，占本次检查发现问题的49%，居所有问题的第一位。" in said
    assert "占道经营问题21处，占21%，居第二位。" in said
    assert "发现销号后又回潮的问题4处，主要集中在甲一小区3处。" in said
    assert "仍有9处超过整改期限未整改，其中甲二社区6处、甲一小区2处。" in said
    assert "共建单位市供电公司2026年8月未参加甲一社区的共建活动，也没有履行共建责任的记录。" in said
    assert "甲二社区台帐资料不齐全，2026年8月考核中因此失分4.50分。" in said


def test_next_steps_name_the_coming_inspection_the_weakest_item_and_the_overdue_cases():
    said = text(compose_speech(facts()).sections[2])
    assert "省文明城市复评定于2026年10月15日进行" in said
    assert "“门前三包”得分率仅为60.00%，是失分最多的项目" in said
    assert "对已超过整改期限的9处问题，责任单位要限期整改销号。" in said


def test_every_sentence_links_to_where_its_figure_comes_from():
    speech = compose_speech(facts())
    links = {s.text: s.link for s in speech.sentences}
    assert all(link for link in links.values())
    top = next(t for t in links if "居所有问题的第一位" in t)
    assert links[top] == "/problems/?category=06036"
    assert links[next(t for t in links if "市供电公司" in t)] == "/participation/pairings/3/"
    assert links[next(t for t in links if "回潮的问题" in t)] == "/problems/?relapse=true"


def test_nothing_is_said_without_a_figure():
    """GIVEN a period with no problems, no assessment, no partners, no inspection planned
    THEN the draft says nothing at all rather than a made-up sentence."""
    empty = indicators.CohortCounts()
    speech = compose_speech(
        facts(
            counts=empty,
            rates=indicators.rates(empty),
            previous_counts=empty,
            previous_rates=indicators.rates(empty),
            shares=(),
            leaders=(),
            flag_holders=(),
            relapse_units=(),
            overdue_units=(),
            overdue_total=0,
            idle_partners=(),
            archive_risks=(),
            weak_items=(),
            next_inspection=None,
        )
    )
    assert speech.sentences == ()


def test_a_rise_in_problems_is_a_problem_not_an_achievement():
    more = indicators.CohortCounts(found=150, due=80, closed=60)
    speech = compose_speech(facts(counts=more, rates=indicators.rates(more)))
    assert "减少" not in text(speech.sections[0])
    assert "问题总数150处，比上月增加30处。" in text(speech.sections[1])


@pytest.mark.parametrize(
    ("period", "label", "previous"),
    [
        (Period(datetime.date(2026, 7, 1), QUARTER), "2026年第三季度", datetime.date(2026, 4, 1)),
        (Period(datetime.date(2026, 1, 1), YEAR), "2026年", datetime.date(2025, 1, 1)),
        (Period(datetime.date(2026, 1, 1), MONTH), "2026年1月", datetime.date(2025, 12, 1)),
    ],
)
def test_quarters_and_years_are_named_and_compared_with_the_period_before(period, label, previous):
    assert period_label(period) == label
    assert previous_period(period).start == previous
    speech = compose_speech(facts(period=period, previous=previous_period(period)))
    assert speech.subtitle == f"（{label}工作讲话稿）"
    if period.kind == QUARTER:
        assert "比上季度减少20处" in text(speech.sections[0])


def test_a_period_still_running_says_up_to_which_day():
    speech = compose_speech(facts(as_of=datetime.date(2026, 8, 20)))
    assert speech.subtitle == "（2026年8月（截至8月20日）工作讲话稿）"


# --- the page ------------------------------------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_city_office_reads_the_draft_with_links_and_downloads_it_in_word(
    people, small_city, django_capture_on_commit_callbacks
):
    for day in (3, 4, 5):
        ProblemFactory(
            unit=small_city.compound_a1, category=Category.objects.get(code="06036"), found_at=at(2026, 8, day, 9)
        )
    ProblemFactory(
        unit=small_city.community_a2, category=Category.objects.get(code="09006"), found_at=at(2026, 8, 6, 9)
    )
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 9, 10, 10)):
        page = client_for(people.city_admin).get("/documents/speech/?period=2026-08")
        client = client_for(people.city_admin)
        with django_capture_on_commit_callbacks(execute=True):
            asked = client.get("/documents/speech/?period=2026-08&format=docx")
        state = json.loads(client.get(f"{asked['Location']}status/").content)
        outsider = client_for(people.outsider).get(state["download_url"])
        word = client.get(state["download_url"])
    assert asked.status_code == 302 and asked["Location"].startswith("/jobs/")  # written in the background
    assert state["status"] == "done", state
    assert outsider.status_code == 404
    assert page.status_code == 200
    html = page.content.decode()
    assert "乱堆杂物问题3处，占本次检查发现问题的75%，居所有问题的第一位。" in html
    assert "category=06036" in html and 'class="speech-sentence' in html
    # Four problems past their deadlines, still open.
    assert "仍有4处超过整改期限未整改" in html
    assert word.status_code == 200
    content = b"".join(word.streaming_content)
    document = Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    assert "在全市社区共建工作会议上的讲话" in texts and "二、存在问题" in texts
    assert any("居所有问题的第一位" in t for t in texts)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["community_worker", "street_officer", "outsider"])
def test_no_one_but_the_city_office_and_its_leaders_gets_the_speech(people, who):
    assert client_for(getattr(people, who)).get("/documents/speech/?period=2026-08").status_code == 404
    assert client_for(getattr(people, who)).get("/documents/speech/?period=2026-08&format=docx").status_code == 404
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_period_that_is_not_one_is_refused_with_the_reason(people):
    response = client_for(people.city_admin).get("/documents/speech/?period=2026-13")
    assert response.status_code == 400
    assert "2026-13" in response.content.decode()
