"""Statistics on data whose answer is known: category shares and the sentence on 100 problems, and the five rates
on a small cohort worked out by hand.

The clock stands at 15 May 2026, so March 2026 is a past month evaluated as of its end (1 April 00:00 Beijing).
"""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from gongjian.accounts.access import actor_for
from gongjian.inspections import selectors, services
from gongjian.inspections.indicators import CategoryShare, CohortCounts, summary_sentence
from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import ProblemFactory, at, jpeg_bytes, reported

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)
NOW = at(2026, 5, 15, 12)


@pytest.fixture(autouse=True)
def clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def stats_for(user, month=MARCH, unit=None):
    return selectors.problem_stats(actor=actor_for(user), month=month, unit=unit)


# --- 100 problems in March ------------------------------------------------------------------------------------------

SPREAD = [("06036", 49), ("09006", 20), ("06001", 11), ("06010", 10), ("07001", 10)]


@pytest.fixture
def hundred(small_city):
    """100 problems found in March 2026, cycling over three units (two at street A, one at street B), plus rows
    that must not count: void ones, other months, and another city."""
    units = [small_city.compound_a1, small_city.community_a2, small_city.community_b1]
    placed = {unit.pk: 0 for unit in units}
    n = 0
    for code, count in SPREAD:
        category = Category.objects.get(code=code)
        for _ in range(count):
            unit = units[n % 3]
            placed[unit.pk] += 1
            ProblemFactory(unit=unit, category=category, found_at=at(2026, 3, 2 + n % 28, 8 + n % 10))
            n += 1
    assert n == 100
    noise = Category.objects.get(code="06036")
    for day in (3, 4, 5, 6, 7, 8):
        ProblemFactory(
            unit=small_city.compound_a1, category=noise, found_at=at(2026, 3, day), status="void", void_reason="误报"
        )
    for day in (1, 2, 3, 4, 5):
        ProblemFactory(unit=small_city.compound_a1, category=noise, found_at=at(2026, 2, 20 + day))
    for day in (1, 2, 3, 4):
        ProblemFactory(unit=small_city.community_b1, category=noise, found_at=at(2026, 4, day))
    # The first second of April and the last of February, on Beijing time, are outside March.
    ProblemFactory(unit=small_city.compound_a1, category=noise, found_at=at(2026, 4, 1))
    ProblemFactory(unit=small_city.compound_a1, category=noise, found_at=at(2026, 2, 28, 23, 59, 59))
    for _ in range(3):
        ProblemFactory(unit=small_city.other_community, category=noise, found_at=at(2026, 3, 10))
    return placed


def test_the_shares_of_100_problems_are_exact_and_largest_first(people, hundred):
    stats = stats_for(people.city_admin)
    assert stats.counts.found == 100
    assert stats.counts.void == 6
    assert stats.by_category == [
        CategoryShare("06036", "乱堆杂物", 49, Decimal("49.0")),
        CategoryShare("09006", "占道经营", 20, Decimal("20.0")),
        CategoryShare("06001", "私搭乱建", 11, Decimal("11.0")),
        CategoryShare("06010", "暴露垃圾", 10, Decimal("10.0")),  # ties with 07001: by code
        CategoryShare("07001", "非法小广告", 10, Decimal("10.0")),
    ]


def test_the_sentence_about_100_problems(people, hundred):
    with translation.override("en"):
        stats = stats_for(people.city_admin)
        period = selectors._period_label(MARCH)
        again = summary_sentence(period, 100, stats.by_category)
    assert stats.sentence == (
        f"{period} 100 problems were found, of which 乱堆杂物 49, 49.0%, the most of all categories."
    )
    assert stats.sentence == again


def test_the_sentence_is_in_the_language_of_the_page(people, hundred):
    with translation.override("zh-hans"):
        stats = stats_for(people.city_admin)
        expected = gettext(
            "%(period)s %(total)s problems were found, of which %(name)s %(count)s, %(share)s%%, "
            "the most of all categories."
        ) % {"period": selectors._period_label(MARCH), "total": 100, "name": "乱堆杂物", "count": 49, "share": "49.0"}
    assert stats.sentence == expected


def test_the_shares_at_street_a_count_only_its_units(people, small_city, hundred):
    stats = stats_for(people.city_admin, unit=small_city.street_a)
    at_street_a = hundred[small_city.compound_a1.pk] + hundred[small_city.community_a2.pk]
    assert stats.counts.found == at_street_a
    assert sum(share.count for share in stats.by_category) == at_street_a
    assert stats.by_category == sorted(stats.by_category, key=lambda s: (-s.count, s.code))


def test_a_street_officer_gets_the_same_numbers_as_the_city_for_their_street(people, small_city, hundred):
    mine = stats_for(people.street_officer)
    city = stats_for(people.city_admin, unit=small_city.street_a)
    assert mine.counts == city.counts
    assert mine.by_category == city.by_category


def test_the_roll_up_by_street_and_community(people, small_city, hundred):
    stats = stats_for(people.city_admin)
    a = hundred[small_city.compound_a1.pk] + hundred[small_city.community_a2.pk]
    b = hundred[small_city.community_b1.pk]
    assert [(row["name"], row["found"]) for row in stats.by_street] == sorted(
        [("甲街道", a), ("乙街道", b)], key=lambda r: -r[1]
    )
    communities = {row["name"]: row["found"] for row in stats.by_community}
    assert communities == {
        "甲一社区": hundred[small_city.compound_a1.pk],  # the six void ones there are not "found"
        "甲二社区": hundred[small_city.community_a2.pk],
        "乙一社区": b,
    }
    void_rows = {row["name"]: row["void"] for row in stats.by_community}
    assert void_rows["甲一社区"] == 6


def test_the_trend_covers_the_twelve_months_up_to_the_one_asked_for(people, hundred):
    stats = stats_for(people.city_admin)
    assert stats.trend == [
        {"month": "2026-02", "found": 6, "closed": 0},
        {"month": "2026-03", "found": 100, "closed": 0},
    ]


@pytest.fixture
def edges(small_city):
    """Problems on the edges of months (Beijing midnight, a second before), some closed, one void."""
    noise = Category.objects.get(code="06036")
    moments = [
        (at(2025, 4, 1), "open"),  # the first instant of the oldest month of a March 2026 trend
        (at(2025, 3, 31, 23, 59, 59), "closed"),  # a second too early: outside the trend
        (at(2025, 12, 31, 23, 59, 59), "closed"),
        (at(2026, 1, 1), "closed"),
        (at(2026, 1, 1), "void"),
        (at(2026, 3, 31, 23, 59, 59), "submitted"),
        (at(2026, 4, 1), "open"),  # the month after: outside
    ]
    for found_at, status in moments:
        ProblemFactory(
            unit=small_city.compound_a1,
            category=noise,
            found_at=found_at,
            status=status,
            void_reason="误报" if status == "void" else "",
        )


EDGE_TREND = [
    {"month": "2025-04", "found": 1, "closed": 0},
    {"month": "2025-12", "found": 1, "closed": 1},
    {"month": "2026-01", "found": 1, "closed": 1},
    {"month": "2026-03", "found": 1, "closed": 0},
]


def test_the_city_trend_counts_each_month_up_to_its_last_second(people, edges):
    """The city's trend is twelve counts sent as one statement; a street's is one grouped scan: both agree."""
    city = stats_for(people.city_admin)
    street = stats_for(people.street_officer)
    assert selectors._small_scope(actor_for(people.city_admin), None) is False
    assert selectors._small_scope(actor_for(people.street_officer), None) is True
    assert city.trend == EDGE_TREND
    assert street.trend == EDGE_TREND


def test_the_city_trend_is_one_query(people, edges, django_assert_num_queries):
    scoped = selectors.problems_visible(actor=actor_for(people.city_admin))
    with django_assert_num_queries(1):
        assert selectors._trend(scoped, MARCH, one_scan=False) == EDGE_TREND


def test_the_city_trend_is_counted_month_by_month_if_the_compiled_query_cannot_be_reused(people, edges):
    # The probe instants not found in the parameters stand for a query compiled otherwise than expected.
    with mock.patch.object(selectors, "_position_of", return_value=None):
        assert stats_for(people.city_admin).trend == EDGE_TREND


def test_a_trend_over_a_scope_that_holds_nothing_is_empty(people, edges):
    scoped = selectors.problems_visible(actor=actor_for(people.city_admin)).none()
    assert selectors._trend(scoped, MARCH, one_scan=False) == []


def test_a_month_with_nothing_found_says_so(people, hundred):
    stats = stats_for(people.city_admin, month=datetime.date(2026, 1, 1))
    assert stats.counts == CohortCounts()
    assert stats.by_category == []
    assert stats.sentence == gettext("%(period)s no problems were found.") % {
        "period": selectors._period_label(datetime.date(2026, 1, 1))
    }
    assert set(stats.rates.as_dict().values()) == {None}


def test_the_current_month_is_labelled_up_to_today(people, small_city):
    ProblemFactory(unit=small_city.compound_a1, category=Category.objects.get(code="06036"), found_at=at(2026, 5, 3))
    stats = stats_for(people.city_admin, month=datetime.date(2026, 5, 1))
    today = timezone.localdate()
    assert stats.sentence.startswith(gettext("Up to %(month)s/%(day)s") % {"month": today.month, "day": today.day})
    assert stats.as_of_day == today


# --- the rates, on a cohort worked out by hand ----------------------------------------------------------------------

FOUND = at(2026, 3, 2, 9)  # Monday; 06036 gives 2 working days → due by Wednesday 4 March 23:59:59


@pytest.fixture
def cohort(people, small_city):
    """Eight problems of 06036 at compound A1, all but G found on Monday 2 March at 09:00 (deadline 4 March end).

    A  rectified 3 March, passed 4 March                          closed on time
    B  rectified 6 March (late), passed 6 March                   closed, late → overdue
    C  rectified 3 March, failed, rectified 4 March, passed        closed on time, reworked
    D  never rectified                                             overdue
    E  voided                                                      left out of everything but "void"
    F  extension approved to 15 April, still open                  not due by 1 April
    G  found 10 March, after B was closed → a relapse; open        overdue (deadline 12 March)
    H  rectified 4 March, awaiting the re-check                    due, rectified on time, not closed

    found 7 (A B C D F G H)   void 1 (E)   due 6 (A B C D G H)   closed 3 (A B C)   closed on time 2 (A C)
    reworked 1 (C)   overdue 3 (B D G)   relapses 1 (G)
    close rate 3/6 = 50.0   on time 2/6 = 33.3   rework 1/6 = 16.7   overdue 3/6 = 50.0   relapse 1/3 = 33.3
    """
    unit, worker, inspector = small_city.compound_a1, people.community_worker, people.inspector

    def rectify(problem, now):
        services.rectification_submit(user=worker, problem=problem, note="已整改", photos=[jpeg_bytes()], now=now)

    def review(problem, now, passed=True):
        services.rectification_review(
            user=inspector, problem=problem, passed=passed, note="" if passed else "未整改到位", now=now
        )

    p = {key: reported(inspector, unit, now=FOUND + datetime.timedelta(minutes=i)) for i, key in enumerate("ABCDEFH")}
    rectify(p["A"], at(2026, 3, 3, 10))
    review(p["A"], at(2026, 3, 4, 9))
    rectify(p["B"], at(2026, 3, 6, 10))
    review(p["B"], at(2026, 3, 6, 15))
    rectify(p["C"], at(2026, 3, 3, 10))
    review(p["C"], at(2026, 3, 3, 15), passed=False)
    rectify(p["C"], at(2026, 3, 4, 10))
    review(p["C"], at(2026, 3, 4, 16))
    services.problem_void(user=inspector, problem=p["E"], reason="重复上报", now=at(2026, 3, 2, 12))
    extension = services.extension_request(
        user=worker,
        problem=p["F"],
        reason="需要施工",
        requested_deadline=at(2026, 4, 15, 23, 59, 59),
        now=at(2026, 3, 3, 9),
    )
    services.extension_decide(user=people.street_officer, extension=extension, approve=True, now=at(2026, 3, 3, 12))
    rectify(p["H"], at(2026, 3, 4, 10))
    p["G"] = reported(inspector, unit, now=at(2026, 3, 10, 9))
    for problem in p.values():
        problem.refresh_from_db()
    return p


def test_the_cohort_is_what_its_description_says(cohort):
    assert {key: p.status for key, p in cohort.items()} == {
        "A": "closed",
        "B": "closed",
        "C": "closed",
        "D": "open",
        "E": "void",
        "F": "open",
        "G": "open",
        "H": "submitted",
    }
    assert cohort["C"].rework_count == 1
    assert cohort["B"].is_late and not cohort["A"].is_late and not cohort["C"].is_late
    assert cohort["G"].relapse_of == cohort["B"]  # the most recently closed before 10 March
    assert cohort["F"].deadline == at(2026, 4, 15, 23, 59, 59)
    assert cohort["F"].original_deadline == at(2026, 3, 4, 23, 59, 59)


def test_the_counts_of_the_cohort(people, cohort):
    assert stats_for(people.city_admin).counts == CohortCounts(
        found=7, due=6, closed=3, closed_on_time=2, reworked=1, overdue=3, relapses=1, void=1, relapsed=1
    )


def test_the_rates_of_the_cohort(people, cohort):
    rates = stats_for(people.city_admin).rates
    assert rates.as_dict() == {
        "close_rate": Decimal("50.0"),  # 3 / 6
        "on_time_close_rate": Decimal("33.3"),  # 2 / 6
        "rework_rate": Decimal("16.7"),  # 1 / 6
        "overdue_rate": Decimal("50.0"),  # 3 / 6
        "relapse_rate": Decimal("33.3"),  # B, closed, relapsed as G / 3 closed
    }


def test_the_rates_roll_up_to_the_community_and_the_street(people, cohort):
    stats = stats_for(people.city_admin)
    for rows in (stats.by_street, stats.by_community):
        assert len(rows) == 1
        row = rows[0]
        assert (row["found"], row["due"], row["closed"], row["overdue"]) == (7, 6, 3, 3)
        assert (row["close_rate"], row["on_time_close_rate"], row["overdue_rate"]) == (
            Decimal("50.0"),
            Decimal("33.3"),
            Decimal("50.0"),
        )


def test_without_the_extension_the_problem_would_have_been_due_and_overdue(people, small_city):
    """GIVEN two problems found on 2 March, one with its extension approved to 15 April and one rejected
    THEN only the rejected one is due (and overdue) in March: due 1, overdue 1 → 100.0 %."""
    worker = people.community_worker
    approved = reported(people.inspector, small_city.compound_a1, now=FOUND)
    rejected = reported(people.inspector, small_city.compound_a1, now=FOUND)
    for problem, approve in ((approved, True), (rejected, False)):
        extension = services.extension_request(
            user=worker,
            problem=problem,
            reason="需要施工",
            requested_deadline=at(2026, 4, 15, 23, 59, 59),
            now=at(2026, 3, 3, 9),
        )
        services.extension_decide(user=people.street_officer, extension=extension, approve=approve)
    stats = stats_for(people.city_admin)
    assert (stats.counts.found, stats.counts.due, stats.counts.overdue) == (2, 1, 1)
    assert stats.rates.overdue_rate == Decimal("100.0")


def test_in_the_current_month_a_problem_is_due_only_once_its_deadline_has_passed(people, small_city):
    reported(people.inspector, small_city.compound_a1, now=FOUND)
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 3, 4, 23, 59, 58)):
        before = stats_for(people.city_admin)
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 3, 5, 0, 0, 1)):
        after = stats_for(people.city_admin)
    assert (before.counts.due, before.rates.overdue_rate) == (0, None)
    assert (after.counts.due, after.counts.overdue, after.rates.overdue_rate) == (1, 1, Decimal("100.0"))


def test_void_problems_count_nowhere_but_in_void(people, small_city):
    problem = reported(people.inspector, small_city.compound_a1, now=FOUND)
    services.problem_void(user=people.inspector, problem=problem, reason="误报", now=at(2026, 3, 2, 10))
    stats = stats_for(people.city_admin)
    assert stats.counts == CohortCounts(void=1)
    assert stats.by_category == []


def test_a_problem_sent_back_for_rework_and_still_open_after_its_deadline_is_overdue(people, small_city):
    """GIVEN a problem rectified on 3 March (on time) and failed at the re-check the same day
    WHEN nothing more is done by its deadline (4 March)
    THEN it was not rectified by the deadline: due 1, overdue 1, and the list agrees."""
    problem = reported(people.inspector, small_city.compound_a1, now=FOUND)
    services.rectification_submit(
        user=people.community_worker, problem=problem, note="已整改", photos=[jpeg_bytes()], now=at(2026, 3, 3, 10)
    )
    services.rectification_review(
        user=people.inspector, problem=problem, passed=False, note="未整改到位", now=at(2026, 3, 3, 15)
    )
    problem.refresh_from_db()
    assert problem.is_overdue
    listed_overdue = selectors.problem_list(actor=actor_for(people.city_admin), overdue=True)
    assert list(listed_overdue) == [problem]
    stats = stats_for(people.city_admin)
    assert (stats.counts.due, stats.counts.reworked, stats.counts.overdue) == (1, 1, 1)
    assert stats.rates.overdue_rate == Decimal("100.0")


def test_a_unit_wholly_in_scope_drops_the_redundant_scope_predicate_and_one_outside_keeps_it(people, small_city):
    """The city office filtering by a street reads the street's index only; a street officer asking
    for another street, or the outsider, still gets nothing."""
    from gongjian.inspections.tests.factories import ProblemFactory, at

    ProblemFactory(unit=small_city.compound_a1, found_at=at(2026, 3, 2))
    ProblemFactory(unit=small_city.compound_b1, found_at=at(2026, 3, 2))
    city = selectors.problems_visible_in(actor=actor_for(people.city_admin), unit_id=small_city.street_a.pk)
    assert "city_id" not in str(city.query).split("WHERE", 1)[1]
    assert city.count() == 1
    street = selectors.problems_visible_in(actor=actor_for(people.street_officer), unit_id=small_city.street_b.pk)
    assert street.count() == 0
    outsider = selectors.problems_visible_in(actor=actor_for(people.outsider), unit_id=small_city.street_a.pk)
    assert outsider.count() == 0
