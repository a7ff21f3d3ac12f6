"""The reason a sheet gives for an archive deduction is one sentence in the reader's language —
not "台帐资料不完整：一、年度计划与总结、四支队伍花名册，2026、2026 缺失"."""

from __future__ import annotations

import datetime

from django.utils import translation

from gongjian.archives.completeness import RequirementView, SlotStatus
from gongjian.archives.periods import MONTH, QUARTER, YEAR, Period
from gongjian.archives.scoring import reason

PLAN = RequirementView(1, "年度计划", (), "yearly", 1, 0)
SUMMARY = RequirementView(2, "年度总结", (), "yearly", 1, 0)
MEETINGS = RequirementView(3, "", (), "monthly", 1, 0)
YEAR_2026 = Period(datetime.date(2026, 1, 1), YEAR)


def unmet(requirement, period):
    return SlotStatus(requirement=requirement, slot=period, records=[])


def test_a_missing_plan_and_summary_read_as_one_chinese_sentence():
    with translation.override("zh-hans"):
        said = reason("一、年度计划与总结", [unmet(PLAN, YEAR_2026), unmet(SUMMARY, YEAR_2026)])
    assert said == "台帐资料“一、年度计划与总结”缺少2026年度的“年度计划”和2026年度的“年度总结”。"


def test_the_same_reason_in_english_names_the_periods_in_english():
    with translation.override("en"):
        said = reason("Plans", [unmet(PLAN, YEAR_2026), unmet(SUMMARY, YEAR_2026)])
    assert said == "The archive section “Plans” lacks “年度计划” for the year 2026 and “年度总结” for the year 2026."
    assert "、" not in said


def test_months_and_quarters_are_said_as_periods_and_a_list_of_three_is_joined_properly():
    periods = [Period(datetime.date(2026, m, 1), MONTH) for m in (6, 7)] + [Period(datetime.date(2026, 7, 1), QUARTER)]
    with translation.override("zh-hans"):
        said = reason("会议记录", [unmet(MEETINGS, p) for p in periods])
    assert said == "台帐资料“会议记录”缺少2026年6月的记录、2026年7月的记录和2026年第3季度的记录。"
    with translation.override("en"):
        said = reason("Meetings", [unmet(MEETINGS, p) for p in periods])
    assert said.startswith("The archive section “Meetings” lacks the records for June 2026, the records for July 2026")
    assert said.endswith("and the records for Q3 2026.")
