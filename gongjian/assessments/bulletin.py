"""The monthly bulletin (通报) of a published assessment, as a Word file and as a PDF.

Two steps. ``bulletin_data`` reads the month once and turns it into plain dataclasses: the facts
(problem figures compared with last month, ranking tables, red flags, red and black lists, rewards
and penalties, the charts as PNG bytes) and the document they make — sections of headings,
paragraphs, tables and figures. The exporters only lay those blocks out, each following GB/T
9704-2012 (《党政机关公文格式》) as far as its medium allows:

* ``BulletinDocx`` names the fonts officials' machines have (方正小标宋简体, 仿宋_GB2312, 黑体,
  楷体_GB2312), so the file opens exactly right in their Word;
* ``BulletinPdf`` embeds the open Noto fonts the product ships in their place, always named as the
  Simplified Chinese families ('Noto Serif SC', 'Noto Sans SC'; ``gongjian.core.fonts``) so that no
  Japanese glyph shapes appear.

The document's own text is Chinese whatever the interface language: a 公文 is written in Chinese
(its format standard covers nothing else). Messages to the person asking for it are translated.

A bulletin circulates to every street and community, so its figures are the whole city's, read with
the publisher's own reach (whoever published the month manages the city), never the reader's.
"""

from __future__ import annotations

import contextlib
import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import ClassVar

from django.conf import settings
from django.db.models import Avg
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongjian.accounts.access import Actor, Grant
from gongjian.accounts.choices import Role
from gongjian.assessments import selectors
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Assessment, ScoreSheet
from gongjian.core import fonts
from gongjian.core.errors import Conflict
from gongjian.core.exporters import ExportResult
from gongjian.core.pdf import weasyprint
from gongjian.inspections import indicators
from gongjian.inspections.selectors import problem_stats

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"

LEVEL_ORDER = ("community", "compound")
LEVEL_LABELS = {"community": "社区", "compound": "小区"}
SANCTION_LABELS = {"commendation": "通报表扬", "criticism": "通报批评", "talk": "约谈主要负责人"}
TREND_MONTHS = 6
TOP_CATEGORIES = 8
TWO = Decimal("0.01")
ONE = Decimal("0.1")


class BulletinNotReady(Conflict):
    """The month is not published: nothing final to circulate yet."""


# --- blocks of the document -------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A stretch of text in one face: ``body`` (仿宋), ``kai`` (楷体, a sub-heading's lead sentence)
    or ``hei`` (黑体)."""

    text: str
    face: str = "body"


@dataclass(frozen=True)
class Paragraph:
    kind: ClassVar[str] = "paragraph"
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Heading:
    """Level 1 "一、…" (黑体) or level 2 "（一）…" (楷体)."""

    kind: ClassVar[str] = "heading"
    text: str
    level: int


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths_cm: tuple[float, ...]


@dataclass(frozen=True)
class Figure:
    kind: ClassVar[str] = "figure"
    name: str  # file name inside the document, e.g. "categories.png"
    caption: str
    png: bytes = field(repr=False)


Block = Paragraph | Heading | Table | Figure


@dataclass(frozen=True)
class Section:
    heading: str  # "一、基本情况"
    blocks: tuple[Block, ...]


# --- facts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemFigures:
    """The month's problems city-wide, and the same figures for the month before."""

    counts: indicators.CohortCounts
    rates: indicators.Rates
    shares: tuple[indicators.CategoryShare, ...]
    previous_counts: indicators.CohortCounts
    previous_rates: indicators.Rates


@dataclass(frozen=True)
class RankingRow:
    rank_street: int | None
    rank_city: int | None
    unit: str
    score: Decimal
    max_score: Decimal
    rate: Decimal  # a fraction, as on the sheet
    red_flag: bool

    @property
    def rate_text(self) -> str:
        return percent_text(self.rate)


@dataclass(frozen=True)
class RankingTable:
    street: str
    level: str
    rows: tuple[RankingRow, ...]

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)


@dataclass(frozen=True)
class ListEntry:
    unit: str
    street: str
    rate: Decimal
    rank_city: int | None


@dataclass(frozen=True)
class BulletinData:
    assessment_id: int
    month: datetime.date
    city: str
    title: str
    title_lines: tuple[str, ...]
    issuer: str  # 规范化简称: "某市三创办"
    issuer_full: str  # "某市三创工作领导小组办公室"
    addressee: str
    issue_date: datetime.date
    problems: ProblemFigures
    rankings: tuple[RankingTable, ...]
    red_flags: tuple[tuple[str, tuple[str, ...]], ...]  # (street, holders) for every street
    red_list: dict[str, tuple[ListEntry, ...]]
    black_list: dict[str, tuple[ListEntry, ...]]
    average_rates: tuple[tuple[datetime.date, dict[str, Decimal | None]], ...]
    opening: Paragraph
    sections: tuple[Section, ...]
    next_steps: str

    @property
    def issue_date_text(self) -> str:
        return date_text(self.issue_date)

    @property
    def filename_stem(self) -> str:
        return f"{month_text(self.month)}社区共建工作考核通报"

    @property
    def figures(self) -> dict[str, bytes]:
        return {b.name: b.png for s in self.sections for b in s.blocks if isinstance(b, Figure)}

    @property
    def signature_indent_chars(self) -> float:
        """Right indent (in characters) that centres the issuer over the date, the date standing four
        characters in from the right (GB/T 9704 7.3.5)."""
        return max(0.0, 4 + (visual_width(self.issue_date_text) - visual_width(self.issuer_full)) / 2)


# --- small text helpers (pure) ----------------------------------------------------------------


def month_text(month: datetime.date) -> str:
    return f"{month.year}年{month.month}月"


def date_text(day: datetime.date) -> str:
    """GB/T 9704: Arabic digits, no leading zeros — "2026年8月31日"."""
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (for the numbering of headings; up to 99)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[units] if units else "")


def visual_width(text: str) -> float:
    """Width in full-width characters: half-width digits and letters count a half."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in text)


def masthead_size(name: str) -> int:
    """Point size of the red issuer's mark: as large as 34 pt while it fits the 156 mm line."""
    return min(34, int(430 / max(visual_width(name), 1)))


def percent_text(fraction: Decimal) -> str:
    """A score rate (a fraction) as a percentage with two decimals: 0.955 → "95.50%"."""
    return f"{(Decimal(fraction) * 100).quantize(TWO, rounding=ROUND_HALF_UP)}%"


def rate_text(value: Decimal | None) -> str:
    """An indicator (already a percentage, one decimal) as text."""
    return "—" if value is None else f"{value}%"


def count_change(now: int, before: int) -> str:
    diff = now - before
    if diff > 0:
        return f"比上月增加{diff}处"
    if diff < 0:
        return f"比上月减少{-diff}处"
    return "与上月持平"


def points_change(now: Decimal | None, before: Decimal | None, *, places: Decimal = ONE) -> str:
    """Percentage points between two percentages: "比上月上升3.3个百分点"; "" when either is missing."""
    if now is None or before is None:
        return ""
    diff = (Decimal(now) - Decimal(before)).quantize(places, rounding=ROUND_HALF_UP)
    if diff > 0:
        return f"比上月上升{diff}个百分点"
    if diff < 0:
        return f"比上月下降{-diff}个百分点"
    return "与上月持平"


def title_lines(title: str, *, per_line: float = 16) -> tuple[str, ...]:
    """Break a long title into two lines at a natural joint, the second no longer than the first
    (GB/T 9704 7.3.1: 梯形或菱形, 词意完整)."""
    if visual_width(title) <= per_line:
        return (title,)
    for joint in ("工作", "情况"):
        cut = title.find(joint)
        if cut > 0:
            cut += len(joint)
            first, second = title[:cut], title[cut:]
            if second and visual_width(second) <= visual_width(first):
                return (first, second)
    half = len(title) // 2
    return (title[:half], title[half:])


def _month_shift(month: datetime.date, delta: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + delta
    return datetime.date(index // 12, index % 12 + 1, 1)


# --- default next steps -----------------------------------------------------------------------


def default_next_steps(*, top_category: str | None = None) -> str:
    """The section "下一步工作" when the office has not written its own (in the speech's voice).
    One paragraph a line; a line starting with "（一）" has its first sentence set in 楷体."""
    focus = f"针对{top_category}等突出问题开展专项整治，" if top_category else ""
    return "\n".join(
        [
            "（一）整治整改要再具体。各社区要对本月考核发现的问题逐一梳理，建立问题清单和整改台帐，"
            f"按照整改时限落实责任人，确保问题逐一整改销号；{focus}坚持精细化管理，"
            "防止回潮反复和“一阵风”现象。",
            "（二）长效机制要再完善。会议机制、沟通联系制度、建档制度、财务管理制度、督查考核制度、"
            "保洁制度要严格实施，不能成为一纸空文；坚持开展“一月一主题”活动，抓好卫生保洁、文明劝导、"
            "卫生监督、绿化养护四支队伍，巩固整治成果，确保社区共建工作长效运作。",
            "（三）台帐资料要再规范。各社区要按照市三创办统一制作的台帐资料样本，对照考核细则分类收集、"
            "及时归档，做到文字有图片、图片有说明，落实有专长、有责任心的人员专人负责，"
            "确保在上级检查验收中不失分、少失分。",
            "（四）发动群众要再加强。要按标准规范黑板报、宣传牌、倡议书、小喇叭等宣传阵地，组织在职党员、"
            "居民党员注册登记为志愿者，落实门前三包、楼道长制度，开展好市民学校、邻居节、文明家庭评选等活动，"
            "形成“人人参与创建、创建为了人人”的良好氛围。",
            "市三创办将继续每月对各社区进行考核，标准要求将逐步提高，并严格兑现奖惩。",
        ]
    )


def paragraphs_from_text(text: str) -> tuple[Paragraph, ...]:
    """Plain text (one paragraph a line) → paragraphs; "（一）整治整改要再具体。……" sets the
    lead sentence in 楷体, as a level-2 heading run into its paragraph."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("（") and "）" in line[:5]:
            stop = line.find("。")
            if 0 < stop < len(line) - 1:
                out.append(Paragraph((Run(line[: stop + 1], "kai"), Run(line[stop + 1 :]))))
                continue
            out.append(Paragraph((Run(line, "kai"),)))
            continue
        out.append(Paragraph((Run(line),)))
    return tuple(out)


# --- gathering the facts ----------------------------------------------------------------------


def _figures_actor(assessment: Assessment) -> Actor:
    """The reach the bulletin's figures are read with: the city office's read-only view of its own
    city (a city-leader grant at the city), whoever asks and whatever became of the publisher's
    account since."""
    return Actor(user_id=None, grants=(Grant(role=Role.CITY_LEADER, unit_id=assessment.city_id, cobuild_unit_id=None),))


def _average_rates(assessment: Assessment) -> tuple[tuple[datetime.date, dict[str, Decimal | None]], ...]:
    """The city-wide average score rate per ranked level, for the last six months (published
    months only; a month without one has None)."""
    months = [_month_shift(assessment.month, -k) for k in range(TREND_MONTHS - 1, -1, -1)]
    rows = (
        ScoreSheet.objects.filter(
            assessment__city_id=assessment.city_id,
            assessment__status=AssessmentStatus.PUBLISHED,
            assessment__month__gte=months[0],
            assessment__month__lte=months[-1],
        )
        .values("assessment__month", "level")
        .annotate(avg=Avg("rate"))
        .order_by()
    )
    found = {(r["assessment__month"], r["level"]): Decimal(str(r["avg"])) for r in rows if r["avg"] is not None}
    levels = [level for level in LEVEL_ORDER if level in assessment.ruleset.levels]
    return tuple((m, {level: found.get((m, level)) for level in levels}) for m in months)


def bulletin_data(assessment: Assessment, *, actor: Actor | None = None) -> BulletinData:
    """Everything the bulletin of a published month says. ``actor`` is the reader: when given, the
    month must be one they may see (else 404, as for any object out of scope)."""
    if assessment.status != AssessmentStatus.PUBLISHED:
        raise BulletinNotReady(
            _("The assessment of %(month)s is not published yet: its bulletin is issued when it is.")
            % {"month": f"{assessment.month:%Y-%m}"}
        )
    if actor is not None and not selectors.assessments(actor=actor).filter(pk=assessment.pk).exists():
        raise Http404
    with translation.override("zh-hans"):
        return _gather(assessment)


def _list_entry(sheet: ScoreSheet) -> ListEntry:
    return ListEntry(
        unit=sheet.unit.name,
        street=sheet.street.name if sheet.street_id else "",
        rate=sheet.rate,
        rank_city=sheet.rank_city,
    )


def _gather(assessment: Assessment) -> BulletinData:
    city = assessment.city
    ruleset = assessment.ruleset
    month = assessment.month
    office = _figures_actor(assessment)
    now = problem_stats(actor=office, month=month, unit=city)
    before = problem_stats(actor=office, month=_month_shift(month, -1), unit=city)
    problems = ProblemFigures(
        counts=now.counts,
        rates=now.rates,
        shares=tuple(now.by_category),
        previous_counts=before.counts,
        previous_rates=before.rates,
    )

    flag_sheets = {flag.sheet_id for flag in selectors.red_flags(assessment=assessment)}
    sheets = list(selectors.rankings(actor=office, assessment=assessment))
    levels = [level for level in LEVEL_ORDER if any(s.level == level for s in sheets)]
    streets: dict[int | None, str] = {}
    grouped: dict[tuple[int | None, str], list] = defaultdict(list)
    street_codes: dict[int | None, str] = {}
    for sheet in sheets:
        streets[sheet.street_id] = sheet.street.name if sheet.street_id else "其他"
        street_codes[sheet.street_id] = sheet.street.code if sheet.street_id else "\uffff"
        grouped[(sheet.street_id, sheet.level)].append(sheet)
    street_order = sorted(streets, key=lambda sid: street_codes[sid])
    rankings = []
    for street_id in street_order:
        for level in levels:
            rows = sorted(
                grouped.get((street_id, level), []),
                key=lambda s: (s.rank_street or s.rank_city or 10**9, s.unit.code),
            )
            if rows:
                rankings.append(
                    RankingTable(
                        street=streets[street_id],
                        level=level,
                        rows=tuple(
                            RankingRow(
                                rank_street=s.rank_street,
                                rank_city=s.rank_city,
                                unit=s.unit.name,
                                score=s.score,
                                max_score=s.max_score,
                                rate=s.rate,
                                red_flag=s.id in flag_sheets,
                            )
                            for s in rows
                        ),
                    )
                )

    flag_level = ruleset.flag_level
    red_flags = tuple(
        (
            streets[street_id],
            tuple(s.unit.name for s in grouped.get((street_id, flag_level), []) if s.id in flag_sheets),
        )
        for street_id in street_order
        if street_id is not None and grouped.get((street_id, flag_level))
    )

    red_list: dict[str, tuple[ListEntry, ...]] = {}
    black_list: dict[str, tuple[ListEntry, ...]] = {}
    for level in levels:
        top, bottom = selectors.red_and_black_lists(assessment=assessment, level=level)
        on_red = {s.unit_id for s in top}
        red_list[level] = tuple(_list_entry(s) for s in top)
        # A unit is never on both lists (a small city may have fewer units than two lists).
        black_list[level] = tuple(_list_entry(s) for s in bottom if s.unit_id not in on_red)

    sanctions = list(selectors.sanctions(assessment=assessment))
    averages = _average_rates(assessment)
    next_steps = assessment.next_steps.strip() or default_next_steps(
        top_category=problems.shares[0].name if problems.shares else None
    )
    issuer_full = f"{city.name}三创工作领导小组办公室"
    title = f"关于{month_text(month)}社区共建工作考核情况的通报"
    published = timezone.localtime(assessment.published_at).date() if assessment.published_at else timezone.localdate()
    units_assessed = {level: sum(1 for s in sheets if s.level == level) for level in levels}

    facts = _Facts(
        month=month,
        ruleset_name=ruleset.name.strip("《》 "),
        problems=problems,
        rankings=tuple(rankings),
        levels=tuple(levels),
        units_assessed=units_assessed,
        red_flags=red_flags,
        flag_level=flag_level,
        flag_threshold=ruleset.red_flag_threshold,
        red_list=red_list,
        black_list=black_list,
        list_size=ruleset.list_size,
        sanctions=tuple((s.kind, s.unit.name) for s in sanctions),
        policy=tuple(ruleset.policy or ()),
        averages=averages,
        next_steps=next_steps,
        charts=_Charts(month=month, shares=problems.shares, averages=averages),
    )
    return BulletinData(
        assessment_id=assessment.pk,
        month=month,
        city=city.name,
        title=title,
        title_lines=title_lines(title),
        issuer=f"{city.name}三创办",
        issuer_full=issuer_full,
        addressee="各街道，各社区，各共建单位：",
        issue_date=published,
        problems=problems,
        rankings=tuple(rankings),
        red_flags=red_flags,
        red_list=red_list,
        black_list=black_list,
        average_rates=averages,
        opening=opening_paragraph(facts),
        sections=compose_sections(facts),
        next_steps=next_steps,
    )


# --- composing the text (pure: facts in, blocks out) ------------------------------------------


@dataclass(frozen=True)
class _Charts:
    """Renders the two charts on demand (composition stays testable without matplotlib)."""

    month: datetime.date
    shares: tuple[indicators.CategoryShare, ...]
    averages: tuple[tuple[datetime.date, dict[str, Decimal | None]], ...]

    def categories(self) -> bytes:
        return category_chart(self.shares[:TOP_CATEGORIES])

    def trend(self) -> bytes:
        return trend_chart(self.averages)


@dataclass(frozen=True)
class _Facts:
    month: datetime.date
    ruleset_name: str
    problems: ProblemFigures
    rankings: tuple[RankingTable, ...]
    levels: tuple[str, ...]
    units_assessed: dict[str, int]
    red_flags: tuple[tuple[str, tuple[str, ...]], ...]
    flag_level: str
    flag_threshold: Decimal
    red_list: dict[str, tuple[ListEntry, ...]]
    black_list: dict[str, tuple[ListEntry, ...]]
    list_size: int
    sanctions: tuple[tuple[str, str], ...]  # (kind, unit name)
    policy: tuple[dict, ...]
    averages: tuple[tuple[datetime.date, dict[str, Decimal | None]], ...]
    next_steps: str
    charts: _Charts


def opening_paragraph(facts: _Facts) -> Paragraph:
    assessed = "、".join(f"{facts.units_assessed[level]}个{LEVEL_LABELS[level]}" for level in facts.levels)
    basis = f"根据《{facts.ruleset_name}》，" if facts.ruleset_name else ""
    return Paragraph(
        (
            Run(
                f"{basis}市三创办对全市{assessed or '各社区'}{month_text(facts.month)}的社区共建工作进行了考核。"
                "现将有关情况通报如下："
            ),
        )
    )


def problems_sentence(month: datetime.date, figures: ProblemFigures) -> str:
    """ "8月，全市共发现问题N处，其中乱堆杂物M处，占X%，居各类问题首位；其次为……。问题总数比上月增加K处。"
    The first clause is the speech's sentence (``indicators.summary_sentence``)."""
    counts, shares = figures.counts, list(figures.shares)
    period = f"{month.month}月，全市"
    sentence = indicators.summary_sentence(period, counts.found, shares).rstrip("。.")
    if shares:
        top = shares[0]
        others = [s for s in shares[1:] if s.count != top.count][:2]
        if others:
            sentence += "；其次为" + "、".join(f"{s.name}{s.count}处（占{s.share}%）" for s in others)
    before = figures.previous_counts.found
    return f"{sentence}。问题总数{count_change(counts.found, before)}（上月{before}处）。"


def rectification_sentence(figures: ProblemFigures) -> str:
    c, r = figures.counts, figures.rates
    pc, pr = figures.previous_counts, figures.previous_rates
    if c.due == 0:
        head = "本月发现的问题均未到整改期限"
    else:

        def with_change(text: str, change: str) -> str:
            return f"{text}，{change}" if change else text

        head = "；".join(
            [
                with_change(
                    f"从整改情况看，本月发现的问题中应结案{c.due}处，已整改销号{c.closed}处，结案率{rate_text(r.close_rate)}",
                    points_change(r.close_rate, pr.close_rate),
                ),
                with_change(
                    f"按期结案{c.closed_on_time}处，按期结案率{rate_text(r.on_time_close_rate)}",
                    points_change(r.on_time_close_rate, pr.on_time_close_rate),
                ),
                f"超期整改{c.overdue}处，{count_change(c.overdue, pc.overdue)}",
                f"复查不合格返工{c.reworked}处，{count_change(c.reworked, pc.reworked)}",
                f"销号后回潮{c.relapses}处，{count_change(c.relapses, pc.relapses)}",
            ]
        )
    return head + "。"


def _scores_sentence(facts: _Facts) -> str:
    if not facts.averages:
        return ""
    current = facts.averages[-1][1]
    previous = facts.averages[-2][1] if len(facts.averages) > 1 else {}
    parts = []
    for level in facts.levels:
        value = current.get(level)
        if value is None:
            continue
        text = f"全市{LEVEL_LABELS[level]}平均得分率{percent_text(value)}"
        before = previous.get(level)
        change = points_change(value * 100, before * 100 if before is not None else None, places=TWO)
        parts.append(f"{text}，{change}" if change else text)
    assessed = "、".join(f"{LEVEL_LABELS[level]}{facts.units_assessed[level]}个" for level in facts.levels)
    lead = f"本月共考核{assessed}。" if assessed else ""
    return lead + ("；".join(parts) + "。" if parts else "") + f"近{TREND_MONTHS}个月全市平均得分率见图2。"


def _unit_list(entries: tuple[ListEntry, ...]) -> str:
    return "、".join(
        f"{e.unit}（{e.street + '，' if e.street else ''}{percent_text(e.rate)}，全市第{e.rank_city}名）"
        for e in entries
    )


def _rule_description(kind: str, policy: tuple[dict, ...], flag_label: str) -> str:
    reasons = []
    for rule in policy:
        if rule.get("kind") != kind:
            continue
        if rule.get("when") == "red_flag":
            reasons.append(f"获得本街道{flag_label}流动红旗")
        elif rule.get("when") == "rate_below":
            threshold = (Decimal(str(rule.get("threshold", 0))) * 100).normalize()
            months = int(rule.get("months", 1))
            span = "本月" if months == 1 else f"连续{months}个月"
            reasons.append(f"{span}得分率低于{threshold:f}%")
    return "或".join(reasons)


def compose_sections(facts: _Facts) -> tuple[Section, ...]:
    month = facts.month
    figures = facts.problems
    flag_label = LEVEL_LABELS.get(facts.flag_level, "")

    # 一、基本情况
    found = problems_sentence(month, figures)
    basic: list[Block] = [
        Paragraph((Run(found + ("各类问题数量见图1。" if figures.shares else "")),)),
        Paragraph((Run(rectification_sentence(figures)),)),
    ]
    if figures.shares:
        shown = min(TOP_CATEGORIES, len(figures.shares))
        basic.append(
            Figure("categories.png", f"图1　{month_text(month)}各类问题数量（前{shown}类）", facts.charts.categories())
        )

    # 二、考核排名
    ranking: list[Block] = [Paragraph((Run(_scores_sentence(facts)),))]
    ranking.append(Figure("score-trend.png", f"图2　近{TREND_MONTHS}个月全市平均得分率", facts.charts.trend()))
    street_no = 0
    current_street = None
    for table_no, table in enumerate(facts.rankings, start=1):
        if table.street != current_street:
            street_no += 1
            current_street = table.street
            ranking.append(Heading(f"（{chinese_number(street_no)}）{table.street}", 2))
        ranking.append(
            Table(
                title=f"表{table_no}　{table.street}{table.level_label}考核排名",
                header=("名次", f"{table.level_label}名称", "得分", "满分", "得分率", "全市排名", "备注"),
                rows=tuple(
                    (
                        str(row.rank_street or row.rank_city or ""),
                        row.unit,
                        f"{row.score:.2f}",
                        f"{row.max_score:.2f}",
                        row.rate_text,
                        str(row.rank_city or ""),
                        "流动红旗" if row.red_flag else "",
                    )
                    for row in table.rows
                ),
                widths_cm=(1.4, 4.4, 1.8, 1.8, 2.2, 2.0, 2.0),
            )
        )

    # 三、流动红旗和红黑榜
    flags: list[Block] = [Heading("（一）流动红旗", 2)]
    holders = [(street, units) for street, units in facts.red_flags if units]
    empty = [street for street, units in facts.red_flags if not units]
    threshold = percent_text(facts.flag_threshold).replace(".00%", "%")
    text = f"各街道得分率最高且达到{threshold}的{flag_label}获得本月流动红旗。"
    if holders:
        text += "获得流动红旗的是：" + "；".join(f"{street}{'、'.join(units)}" for street, units in holders) + "。"
    if empty:
        text += f"{'、'.join(empty)}本月无{flag_label}达到标准，流动红旗暂不授予。"
    flags.append(Paragraph((Run(text),)))
    flags.append(Heading("（二）红榜", 2))
    for level in facts.levels:
        entries = facts.red_list.get(level, ())
        body = _unit_list(entries) if entries else "无"
        flags.append(Paragraph((Run(f"{LEVEL_LABELS[level]}红榜（全市得分率前{facts.list_size}名）：{body}。"),)))
    flags.append(Heading("（三）黑榜", 2))
    for level in facts.levels:
        entries = facts.black_list.get(level, ())
        body = _unit_list(entries) if entries else "无"
        flags.append(Paragraph((Run(f"{LEVEL_LABELS[level]}黑榜（全市得分率后{facts.list_size}名）：{body}。"),)))
    flags.append(Heading("（四）奖惩情况", 2))
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, unit in facts.sanctions:
        if unit not in by_kind[kind]:
            by_kind[kind].append(unit)
    if by_kind:
        clauses = []
        for kind in ("commendation", "criticism", "talk", *sorted(set(by_kind) - set(SANCTION_LABELS))):
            units = by_kind.get(kind)
            if not units:
                continue
            why = _rule_description(kind, facts.policy, flag_label)
            clause = f"对{'、'.join(units)}予以{SANCTION_LABELS.get(kind, kind)}"
            clauses.append(f"{clause}（{why}）" if why else clause)
        flags.append(Paragraph((Run("根据考核奖惩办法，" + "；".join(clauses) + "。"),)))
    else:
        flags.append(Paragraph((Run("本月无奖惩事项。"),)))

    # 四、下一步工作
    steps = paragraphs_from_text(facts.next_steps)

    return (
        Section("一、基本情况", tuple(basic)),
        Section("二、考核排名", tuple(ranking)),
        Section("三、流动红旗和红黑榜", tuple(flags)),
        Section("四、下一步工作", steps),
    )


# --- charts -----------------------------------------------------------------------------------


def chart_font_family() -> str:
    """The shipped 'Noto Sans SC', registered with matplotlib (``gongjian.core.fonts``); raises
    ``FontsMissing`` without it rather than draw Chinese as empty boxes."""
    return fonts.chart_family()


@contextlib.contextmanager
def _chart_context():
    """matplotlib's settings for one chart: the shipped CJK font."""
    import matplotlib

    with matplotlib.rc_context({"axes.unicode_minus": False, "font.size": 10, "font.family": [chart_font_family()]}):
        yield


def _png(figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    canvas.print_png(buffer)
    return buffer.getvalue()


INK = "#1f3a68"
RED = "#c00000"


def category_chart(shares) -> bytes:
    """Horizontal bars of the month's problems by category, the largest on top (PNG)."""
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import MaxNLocator

    shares = list(shares)
    with _chart_context():
        figure = MplFigure(figsize=(6.3, 0.36 * max(len(shares), 3) + 0.8), dpi=200)
        axes = figure.add_subplot()
        if not shares:
            axes.text(0.5, 0.5, "本月未发现问题", ha="center", va="center", transform=axes.transAxes)
            axes.set_axis_off()
        else:
            names = [s.name for s in reversed(shares)]
            counts = [s.count for s in reversed(shares)]
            colours = [INK] * (len(shares) - 1) + [RED]
            bars = axes.barh(names, counts, color=colours, height=0.6)
            peak = max(counts)
            for bar, share in zip(bars, reversed(shares), strict=True):
                axes.text(
                    bar.get_width() + peak * 0.015,
                    bar.get_y() + bar.get_height() / 2,
                    f"{share.count}处（{share.share}%）",
                    va="center",
                    fontsize=9,
                )
            axes.set_xlim(0, peak * 1.3)
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            axes.set_xlabel("问题数（处）")
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
            axes.grid(axis="x", color="#dddddd", linewidth=0.6)
            axes.set_axisbelow(True)
        figure.tight_layout()
        return _png(figure)


def trend_chart(averages) -> bytes:
    """Lines of the city-wide average score rate per level over the last months (PNG)."""
    from matplotlib.figure import Figure as MplFigure

    averages = list(averages)
    labels = [
        f"{m.year}年{m.month}月" if i == 0 or m.month == 1 else f"{m.month}月" for i, (m, _v) in enumerate(averages)
    ]
    styles = {"community": (RED, "o"), "compound": (INK, "s")}
    with _chart_context():
        figure = MplFigure(figsize=(6.3, 2.6), dpi=200)
        axes = figure.add_subplot()
        values_seen = []
        for level in LEVEL_ORDER:
            if not averages or level not in averages[0][1]:
                continue
            ys = [float(v[level] * 100) if v.get(level) is not None else float("nan") for _m, v in averages]
            colour, marker = styles[level]
            axes.plot(range(len(ys)), ys, color=colour, marker=marker, linewidth=1.6, label=LEVEL_LABELS[level])
            # Communities' values below their points, compounds' above, so that they never collide.
            below = level == "community"
            for x, y in enumerate(ys):
                if y == y:  # not NaN
                    values_seen.append(y)
                    axes.annotate(
                        f"{y:.1f}%",
                        (x, y),
                        textcoords="offset points",
                        xytext=(0, -13 if below else 7),
                        ha="center",
                        fontsize=8,
                        color=colour,
                    )
        axes.set_xticks(range(len(labels)), labels)
        axes.set_xlim(-0.4, len(labels) - 0.6)
        if values_seen:
            low = max(0.0, min(values_seen) - 12)
            axes.set_ylim(low, min(105.0, max(values_seen) + 8))
            axes.legend(loc="lower left", frameon=False, ncol=2)
        else:
            axes.text(0.5, 0.5, "暂无已发布的考核数据", ha="center", va="center", transform=axes.transAxes)
        axes.set_ylabel("平均得分率（%）")
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)
        figure.tight_layout()
        return _png(figure)


# --- Word -------------------------------------------------------------------------------------

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_HEI = "黑体"
FONT_KAI = "楷体_GB2312"
FONT_SONG = "宋体"
LATIN = "Times New Roman"
FACES = {"body": FONT_BODY, "kai": FONT_KAI, "hei": FONT_HEI}
# Children of w:pPr in schema order (Word refuses a file whose elements are out of order).
PPR_ORDER = (
    "w:pStyle",
    "w:keepNext",
    "w:keepLines",
    "w:pageBreakBefore",
    "w:framePr",
    "w:widowControl",
    "w:numPr",
    "w:suppressLineNumbers",
    "w:pBdr",
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
TBLPR_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")


def _ppr_child(ppr, tag: str):
    """The ``tag`` child of a w:pPr, created in its schema position when missing."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    found = ppr.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        ppr.insert_element_before(found, *PPR_ORDER[PPR_ORDER.index(tag) + 1 :])
    return found


def _no_grid_snap(paragraph) -> None:
    from docx.oxml.ns import qn

    _ppr_child(paragraph._p.get_or_add_pPr(), "w:snapToGrid").set(qn("w:val"), "0")


class BulletinDocx:
    """The bulletin as a Word file laid out after GB/T 9704-2012."""

    def __init__(self, assessment: Assessment, *, actor: Actor | None = None, data: BulletinData | None = None):
        self.assessment = assessment
        self.actor = actor
        self.data = data

    def render(self) -> ExportResult:
        data = self.data or bulletin_data(self.assessment, actor=self.actor)
        return ExportResult(f"{data.filename_stem}.docx", DOCX, _DocxWriter(data).build())


class _DocxWriter:
    LINE = 28.95  # points: 22 lines in the 225 mm type area
    BODY = 16  # 3号
    TABLE = 12  # 小4号

    def __init__(self, data: BulletinData):
        from docx import Document

        self.data = data
        self.doc = Document()

    # low-level helpers
    def _fonts(self, run, east_asia: str, *, latin: str | None = None, size: float | None = None, bold=False):
        from docx.oxml.ns import qn
        from docx.shared import Pt

        run.font.name = latin or east_asia  # w:ascii and w:hAnsi
        fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), east_asia)
        fonts.set(qn("w:cs"), latin or east_asia)
        run.font.size = Pt(size or self.BODY)
        run.font.bold = bold
        return run

    def _paragraph(self, *, align="justify", indent=True, line: float | None = None, grid=True):
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.oxml.ns import qn
        from docx.shared import Pt

        paragraph = self.doc.add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.alignment = {
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "left": WD_ALIGN_PARAGRAPH.LEFT,
        }[align]
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        if line is None:
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        else:
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(line)
        fmt.first_line_indent = Pt(2 * self.BODY) if indent else Pt(0)
        if indent:
            paragraph._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")
        if not grid:
            _no_grid_snap(paragraph)
        fmt.widow_control = True
        return paragraph

    def _body(self, runs, *, indent=True, align="justify"):
        paragraph = self._paragraph(align=align, indent=indent, line=self.LINE)
        for run in runs:
            self._fonts(paragraph.add_run(run.text), FACES.get(run.face, FONT_BODY), latin=LATIN)
        return paragraph

    def _blank(self, lines: int = 1):
        for _line in range(lines):
            self._paragraph(indent=False, line=self.LINE)

    def _border(self, paragraph, side: str, *, size: int, color: str = "000000"):
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        borders = _ppr_child(paragraph._p.get_or_add_pPr(), "w:pBdr")
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), str(size))
        edge.set(qn("w:space"), "1")
        edge.set(qn("w:color"), color)
        borders.append(edge)

    # the document
    def build(self) -> bytes:
        properties = self.doc.core_properties
        properties.title = self.data.title
        properties.author = properties.last_modified_by = self.data.issuer_full
        properties.subject = properties.comments = properties.keywords = ""
        self._page()
        self._styles()
        self._footer()
        self._masthead()
        self._title()
        self._body((Run(self.data.addressee),), indent=False)
        self._body(self.data.opening.runs)
        for section in self.data.sections:
            self._heading(section.heading, 1)
            for block in section.blocks:
                self._block(block)
        self._signature()
        self._colophon()
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()

    def _page(self):
        from docx.oxml.ns import qn
        from docx.shared import Mm

        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.header_distance = Mm(15)
        # The page number's dash line stands 7 mm below the type area (GB/T 9704 7.5).
        section.footer_distance = Mm(22)
        # 22 lines of 28 characters: the line pitch is 28.95 pt and each character of 16 pt is narrowed
        # to 442.2 pt / 28 (charSpace in 1/4096 pt relative to the 16 pt default size).
        grid = section._sectPr.find(qn("w:docGrid"))
        if grid is None:
            from docx.oxml import OxmlElement

            grid = OxmlElement("w:docGrid")
            section._sectPr.append(grid)
        grid.set(qn("w:type"), "linesAndChars")
        grid.set(qn("w:linePitch"), "579")
        grid.set(qn("w:charSpace"), "-849")

    def _styles(self):
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        normal = self.doc.styles["Normal"]
        normal.font.name = LATIN
        normal.font.size = Pt(self.BODY)
        rpr = normal.element.get_or_add_rPr()
        fonts = rpr.get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), FONT_BODY)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:eastAsia"), "zh-CN")
        # The defaults: explicit fonts instead of the template's theme fonts (a theme attribute would
        # win over them), Chinese as the East Asian language, and the 16 pt size the character grid is
        # measured against.
        defaults = self.doc.styles.element.find(qn("w:docDefaults"))
        drpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}") if defaults is not None else None
        if drpr is not None:
            dfonts = drpr.find(qn("w:rFonts"))
            if dfonts is not None:
                for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                    dfonts.attrib.pop(qn(attr), None)
                for attr, value in (("w:ascii", LATIN), ("w:hAnsi", LATIN), ("w:eastAsia", FONT_BODY), ("w:cs", LATIN)):
                    dfonts.set(qn(attr), value)
            for tag in ("w:sz", "w:szCs"):
                node = drpr.find(qn(tag))
                if node is not None:
                    node.set(qn("w:val"), str(self.BODY * 2))
            dlang = drpr.find(qn("w:lang"))
            if dlang is not None:
                dlang.set(qn("w:eastAsia"), "zh-CN")
            spacing = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:spacing')}")
            if spacing is not None:
                spacing.set(qn("w:after"), "0")
                spacing.set(qn("w:line"), "240")

    def _page_number(self, paragraph):
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        def run(text=""):
            return self._fonts(paragraph.add_run(text), FONT_SONG, size=14)

        run("— ")
        begin = OxmlElement("w:fldChar")
        begin.set(qn("w:fldCharType"), "begin")
        run()._r.append(begin)
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = " PAGE "
        run()._r.append(instr)
        separate = OxmlElement("w:fldChar")
        separate.set(qn("w:fldCharType"), "separate")
        run()._r.append(separate)
        run("1")
        end = OxmlElement("w:fldChar")
        end.set(qn("w:fldCharType"), "end")
        run()._r.append(end)
        run(" —")

    def _footer(self):
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        self.doc.settings.odd_and_even_pages_header_footer = True
        section = self.doc.sections[0]
        # Odd pages: right, one character in; even pages: left, one character in.
        for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0]
            paragraph.paragraph_format.alignment = (
                WD_ALIGN_PARAGRAPH.RIGHT if align == "right" else WD_ALIGN_PARAGRAPH.LEFT
            )
            if align == "right":
                paragraph.paragraph_format.right_indent = Pt(14)
            else:
                paragraph.paragraph_format.left_indent = Pt(14)
            self._page_number(paragraph)

    def _masthead(self):
        from docx.shared import Mm, Pt, RGBColor

        # The issuer's mark: its top edge 35 mm below the top of the type area (GB/T 9704 7.2.1); the
        # mark's line is a quarter taller than its characters, half of that above them.
        name = self.data.issuer_full
        size = masthead_size(name)
        self._paragraph(indent=False, line=Mm(35).pt - size * 0.125, grid=False)
        mark = self._paragraph(align="center", indent=False, line=size * 1.25, grid=False)
        run = self._fonts(mark.add_run(name), FONT_TITLE, size=size)
        run.font.color.rgb = RGBColor(0xE6, 0x00, 0x12)
        # The red rule, as wide as the type area.
        rule = self._paragraph(indent=False, line=8, grid=False)
        self._border(rule, "bottom", size=18, color="E60012")
        rule.paragraph_format.space_after = Pt(0)
        self._blank(2)

    def _title(self):
        from docx.enum.text import WD_BREAK

        paragraph = self._paragraph(align="center", indent=False, line=36, grid=False)
        for index, line in enumerate(self.data.title_lines):
            run = self._fonts(paragraph.add_run(line), FONT_TITLE, size=22)
            if index < len(self.data.title_lines) - 1:
                run.add_break(WD_BREAK.LINE)
        self._blank(1)

    def _heading(self, text: str, level: int):
        paragraph = self._paragraph(line=self.LINE)
        paragraph.paragraph_format.keep_with_next = True
        face = FONT_HEI if level == 1 else FONT_KAI
        self._fonts(paragraph.add_run(text), face, latin=face)

    def _block(self, block: Block):
        if isinstance(block, Heading):
            self._heading(block.text, block.level)
        elif isinstance(block, Paragraph):
            self._body(block.runs)
        elif isinstance(block, Table):
            self._table(block)
        elif isinstance(block, Figure):
            self._figure(block)

    def _figure(self, figure: Figure):
        from docx.shared import Cm

        holder = self._paragraph(align="center", indent=False, grid=False)
        holder.paragraph_format.keep_with_next = True
        holder.add_run().add_picture(io.BytesIO(figure.png), width=Cm(15))
        caption = self._paragraph(align="center", indent=False, line=self.LINE, grid=False)
        self._fonts(caption.add_run(figure.caption), FONT_HEI, size=14)

    def _table(self, table: Table):
        from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Cm, Pt

        caption = self._paragraph(align="center", indent=False, line=self.LINE, grid=False)
        caption.paragraph_format.keep_with_next = True
        self._fonts(caption.add_run(table.title), FONT_HEI, size=14)

        grid = self.doc.add_table(rows=1 + len(table.rows), cols=len(table.header))
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        grid.autofit = False
        tbl_pr = grid._tbl.tblPr
        borders = OxmlElement("w:tblBorders")
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            edge = OxmlElement(f"w:{side}")
            edge.set(qn("w:val"), "single")
            edge.set(qn("w:sz"), "6")
            edge.set(qn("w:space"), "0")
            edge.set(qn("w:color"), "000000")
            borders.append(edge)
        tbl_pr.insert_element_before(borders, *TBLPR_AFTER_BORDERS)
        for index, width in enumerate(table.widths_cm):
            grid.columns[index].width = Cm(width)
        for row_index, values in enumerate([table.header, *table.rows]):
            row = grid.rows[row_index]
            tr_pr = row._tr.get_or_add_trPr()
            cant_split = OxmlElement("w:cantSplit")
            tr_pr.append(cant_split)
            if row_index == 0:
                repeat = OxmlElement("w:tblHeader")
                tr_pr.append(repeat)
            row.height = Cm(0.8)
            for col_index, value in enumerate(values):
                cell = row.cells[col_index]
                cell.width = Cm(table.widths_cm[col_index])
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                paragraph = cell.paragraphs[0]
                fmt = paragraph.paragraph_format
                fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
                fmt.space_before = Pt(0)
                fmt.space_after = Pt(0)
                fmt.first_line_indent = Pt(0)
                _no_grid_snap(paragraph)
                face = FONT_HEI if row_index == 0 else FONT_BODY
                self._fonts(paragraph.add_run(value), face, latin=face if row_index == 0 else LATIN, size=self.TABLE)
        # A little air after the table before the next line of text.
        self._paragraph(indent=False, line=10, grid=False)

    def _signature(self):
        from docx.shared import Pt

        # One blank line after the text; the last paragraph, the blank, the issuer and the date stay
        # on one page (a page holding only the signature is not allowed).
        last = self.doc.paragraphs[-1]
        last.paragraph_format.keep_with_next = True
        self._blank(1)
        self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        issuer = self._body((Run(self.data.issuer_full),), indent=False, align="right")
        issuer.paragraph_format.right_indent = Pt(self.BODY * self.data.signature_indent_chars)
        issuer.paragraph_format.keep_with_next = True
        date = self._body((Run(self.data.issue_date_text),), indent=False, align="right")
        date.paragraph_format.right_indent = Pt(self.BODY * 4)

    def _colophon(self):
        """版记: the issuing office and the date of printing between two rules."""
        from docx.enum.text import WD_TAB_ALIGNMENT
        from docx.shared import Mm, Pt

        self._blank(2)
        paragraph = self._paragraph(align="left", indent=False, line=self.LINE, grid=False)
        fmt = paragraph.paragraph_format
        # The office one character in from the left, the date one character in from the right (tab
        # stops count from the margin).
        fmt.left_indent = Pt(14)
        fmt.right_indent = Pt(14)
        fmt.tab_stops.add_tab_stop(Mm(156) - Pt(14), WD_TAB_ALIGNMENT.RIGHT)
        self._border(paragraph, "top", size=8)
        self._border(paragraph, "bottom", size=8)
        self._fonts(paragraph.add_run(f"{self.data.issuer_full}\t{self.data.issue_date_text}印发"), FONT_BODY, size=14)


# --- PDF --------------------------------------------------------------------------------------

IMAGE_SCHEME = "bulletin"


def _stylesheet() -> str:
    from django.contrib.staticfiles import finders

    path = finders.find("css/bulletin.css") or str(Path(settings.BASE_DIR) / "static" / "css" / "bulletin.css")
    return Path(path).read_text(encoding="utf-8")


class BulletinPdf:
    """The bulletin as a PDF from ``templates/assessments/bulletin_pdf.html`` (WeasyPrint), with the
    shipped Noto SC fonts embedded. Nothing is fetched from anywhere but memory and the shipped font
    files: the charts are served by a fetcher that knows only them and the fonts."""

    def __init__(self, assessment: Assessment, *, actor: Actor | None = None, data: BulletinData | None = None):
        self.assessment = assessment
        self.actor = actor
        self.data = data

    def render(self) -> ExportResult:
        fonts.require()  # refuse at once rather than print Chinese as empty boxes
        engine = weasyprint()
        CSS, HTML = engine.CSS, engine.HTML

        data = self.data or bulletin_data(self.assessment, actor=self.actor)
        html = render_to_string("assessments/bulletin_pdf.html", {"data": data, "image_scheme": IMAGE_SCHEME})
        fetcher = _memory_fetcher({f"{IMAGE_SCHEME}:{name}": png for name, png in data.figures.items()})
        # What depends on the data (the issuer's length) comes as a second, generated stylesheet.
        sized = (
            f".issuer-mark {{ font-size: {masthead_size(data.issuer_full)}pt; }}\n"
            f".signature .issuer {{ padding-right: {data.signature_indent_chars:.2f}em; }}\n"
        )
        font_config = engine.text.fonts.FontConfiguration()
        stylesheets = [
            CSS(string=css, url_fetcher=fetcher, font_config=font_config)
            for css in (fonts.font_face_css(), _stylesheet(), sized)
        ]
        pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=stylesheets, font_config=font_config)
        return ExportResult(f"{data.filename_stem}.pdf", PDF, pdf)


def _memory_fetcher(files: dict[str, bytes]):
    urls = weasyprint().urls
    URLFetcher, URLFetcherResponse = urls.URLFetcher, urls.URLFetcherResponse

    class MemoryFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url in files:
                return URLFetcherResponse(url, files[url], {"Content-Type": "image/png"})
            if (font := fonts.font_file(url)) is not None:
                return URLFetcherResponse(url, font.read_bytes(), {"Content-Type": "font/ttf"})
            raise ValueError(f"the bulletin serves only its own images and the shipped fonts, not {url}")

    return MemoryFetcher(allowed_protocols=[IMAGE_SCHEME, "file"])
