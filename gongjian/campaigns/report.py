"""The campaign's closing report (专项整治总结) in Word, on the documents app's pattern: the facts
read once (``report_facts``), composed purely (``compose_report``, the figures as sentences and two
tables), laid out by the documents app's Word renderer (``CampaignDocxWriter``).

Written in Chinese like the bulletin (a 公文 of the office), whatever the requester's language."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from gongjian.campaigns import rules
from gongjian.documents.blocks import Paragraph, Run, Section, Table
from gongjian.documents.word import DocxWriter


@dataclass(frozen=True)
class ReportFacts:
    name: str
    city: str
    starts_on: datetime.date
    ends_on: datetime.date
    categories: tuple[str, ...]  # empty: every category
    scope: str  # "各社区" or the chosen units' names
    units: tuple[tuple[str, rules.Tally], ...]
    weeks: tuple[tuple[str, rules.Tally], ...]
    total: rules.Tally


@dataclass(frozen=True)
class CampaignReport:
    title: str
    subtitle: str
    sections: tuple[Section, ...]

    @property
    def filename_stem(self) -> str:
        return self.title


LEVEL_WORDS = {"district": "各区", "street": "各街道", "community": "各社区"}


def report_facts(*, campaign, figures) -> ReportFacts:
    """``figures``: selectors.campaign_figures for the requester (the city office sees all)."""
    if campaign.level:
        scope = LEVEL_WORDS.get(campaign.level, "")
    else:
        scope = "、".join(u.name for u in campaign.units.order_by("code", "id"))
    return ReportFacts(
        name=campaign.name,
        city=campaign.city.name,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        categories=tuple(campaign.categories.order_by("code").values_list("name", flat=True)),
        scope=scope,
        units=tuple((unit.name, tally) for unit, tally in figures.unit_rows()),
        weeks=tuple(figures.week_rows()),
        total=figures.figures.total,
    )


def _date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _rate(tally: rules.Tally) -> str:
    return "—" if tally.closed_rate is None else f"{tally.closed_rate}%"


def _week_label(code: str) -> str:
    year, week = rules.week_parts(code)
    return f"{year}年第{week}周"


def compose_report(facts: ReportFacts) -> CampaignReport:
    total = facts.total
    categories = "、".join(facts.categories) if facts.categories else "全部类别"
    basic = [
        Paragraph(
            (
                Run(
                    f"{facts.name}于{_date(facts.starts_on)}至{_date(facts.ends_on)}在{facts.scope}开展，"
                    f"整治类别为{categories}。"
                ),
            )
        ),
        Paragraph(
            (
                Run("整治期间共发现问题", "body"),
                Run(f"{total.found}个", "hei"),
                Run(f"，已整改销号{total.closed}个，整改率{_rate(total)}；尚未销号{total.open}个；"),
                Run(f"回潮或返工问题{total.relapse}个。"),
            )
        ),
    ]
    if facts.units:
        most = max(facts.units, key=lambda row: (row[1].found, row[0]))
        if most[1].found:
            basic.append(Paragraph((Run(f"发现问题最多的是{most[0]}，共{most[1].found}个。"),)))
    unit_table = Table(
        title="表1  各单位发现、销号和回潮情况",
        header=("单位", "发现", "销号", "未销号", "回潮", "整改率"),
        rows=tuple(
            (name, str(t.found), str(t.closed), str(t.open), str(t.relapse), _rate(t)) for name, t in facts.units
        )
        + (("合计", str(total.found), str(total.closed), str(total.open), str(total.relapse), _rate(total)),),
        widths_cm=(4.6, 2.0, 2.0, 2.2, 2.0, 2.6),
    )
    week_table = Table(
        title="表2  逐周发现、销号和回潮情况",
        header=("周次", "发现", "销号", "回潮"),
        rows=tuple((_week_label(code), str(t.found), str(t.closed), str(t.relapse)) for code, t in facts.weeks),
        widths_cm=(5.4, 3.0, 3.0, 3.0),
    )
    next_steps = [
        Paragraph((Run(f"尚未销号的{total.open}个问题由责任单位继续整改，市三创办跟踪复查，直至销号。"),))
        if total.open
        else Paragraph((Run("发现的问题已全部整改销号。"),)),
    ]
    if total.relapse:
        next_steps.append(
            Paragraph((Run(f"对回潮或返工的{total.relapse}个问题，责任单位要查找原因，建立长效管理机制，防止反弹。"),))
        )
    return CampaignReport(
        title=f"{facts.name}工作总结",
        subtitle=f"（{_date(facts.starts_on)}—{_date(facts.ends_on)}）",
        sections=(
            Section("一、基本情况", tuple(basic)),
            Section("二、分单位情况", (unit_table,)),
            Section("三、逐周情况", (week_table,)),
            Section("四、下步工作", tuple(next_steps)),
        ),
    )


class CampaignDocxWriter(DocxWriter):
    """The report on the bulletin's page and faces: the title in 小标宋, the period in 楷体, the
    sections headed in 黑体, tables as the bulletin's."""

    def __init__(self, report: CampaignReport):
        from docx import Document

        self.data = report
        self.doc = Document()

    def build(self) -> bytes:
        self._titled_opening()
        for section in self.data.sections:
            self._heading(section.heading, 1)
            for block in section.blocks:
                self._block(block)
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()
