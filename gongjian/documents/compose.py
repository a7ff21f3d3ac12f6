"""Composition (pure): a month's facts in, the bulletin's blocks out — which sentences, which tables,
which attachment. Tested on hand-made ``MonthFacts``; nothing here reads the database or lays out a
page.

The document's own text is Chinese whatever the interface language: a 公文 is written in Chinese
(its format standard covers nothing else).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from gongjian.documents.blocks import Attachment, Block, Figure, Heading, Paragraph, Run, Section, Table
from gongjian.documents.facts import (
    TOP_CATEGORIES,
    TREND_MONTHS,
    FundFigures,
    ListEntry,
    MonthFacts,
    ProblemFigures,
    RankingTable,
)
from gongjian.documents.text import (
    LEVEL_LABELS,
    TWO,
    chinese_number,
    count_change,
    date_text,
    month_text,
    percent_text,
    points_change,
    rate_text,
    title_lines,
    visual_width,
)
from gongjian.inspections import indicators

SANCTION_LABELS = {"commendation": "通报表扬", "criticism": "通报批评", "talk": "约谈主要负责人"}
DRAFT_MARK = "征求意见稿"


@dataclass(frozen=True)
class Issuer:
    """Who issues the document: the full name for the masthead and signature, the organ's short
    prefix for its document number (发文字号), and whom a copy goes to (抄送)."""

    full: str  # "某市三创工作领导小组办公室"
    short: str  # 规范化简称: "某市三创办"
    organ_prefix: str  # the 发文机关代字 of the number: "青三创办"
    copy_to: str = ""  # "市委办公室，市政府办公室。" — "" prints no 抄送 line


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
    number: str  # 发文字号 "青三创办〔2026〕12号"; for a draft the sequence is left blank
    draft: bool  # 征求意见稿: before publication, for the leader's sign-off
    copy_to: str  # 抄送 (版记), "" when none
    problems: ProblemFigures
    rankings: tuple[RankingTable, ...]
    red_flags: tuple[tuple[str, tuple[str, ...]], ...]  # (street, holders) for every street
    red_list: dict[str, tuple[ListEntry, ...]]
    black_list: dict[str, tuple[ListEntry, ...]]
    average_rates: tuple[tuple[datetime.date, dict[str, Decimal | None]], ...]
    opening: Paragraph
    sections: tuple[Section, ...]
    attachments: tuple[Attachment, ...]
    next_steps: str

    @property
    def issue_date_text(self) -> str:
        return date_text(self.issue_date)

    @property
    def filename_stem(self) -> str:
        stem = f"{month_text(self.month)}社区共建工作考核通报"
        return f"{stem}（{DRAFT_MARK}）" if self.draft else stem

    @property
    def figures(self) -> dict[str, bytes]:
        return {b.name: b.png for s in self.sections for b in s.blocks if isinstance(b, Figure)}

    @property
    def attachment_note(self) -> tuple[str, ...]:
        """附件说明 lines: "附件：1. 标题" (one attachment is named without its number)."""
        if not self.attachments:
            return ()
        if len(self.attachments) == 1:
            return (f"附件：{self.attachments[0].title}",)
        return tuple(
            (f"附件：{a.number}. {a.title}" if i == 0 else f"{a.number}. {a.title}")
            for i, a in enumerate(self.attachments)
        )

    @property
    def signature_indent_chars(self) -> float:
        """Right indent (in characters) that centres the issuer over the date, the date standing four
        characters in from the right (GB/T 9704 7.3.5)."""
        return max(0.0, 4 + (visual_width(self.issue_date_text) - visual_width(self.issuer_full)) / 2)


def document_number(prefix: str, year: int, sequence: int | None) -> str:
    """发文字号: organ prefix, the year in hexagonal brackets 〔〕, the sequence without leading zeros
    (GB/T 9704 7.2.2) — "青三创办〔2026〕12号"; a draft leaves the sequence blank."""
    blank = "\u3000\u3000"
    return f"{prefix}〔{year}〕{sequence if sequence is not None else blank}号"


def compose_bulletin(
    facts: MonthFacts, *, issuer: Issuer, number: int | None, issue_date: datetime.date, draft: bool
) -> BulletinData:
    """The bulletin of ``facts``' month: ``number`` is the allocated yearly sequence (None for a
    draft), ``issue_date`` the day of publication (or of the draft)."""
    title = f"关于{month_text(facts.month)}社区共建工作考核情况的通报"
    attachment = ranking_attachment(facts)
    return BulletinData(
        assessment_id=facts.assessment_id,
        month=facts.month,
        city=facts.city,
        title=title,
        title_lines=title_lines(title),
        issuer=issuer.short,
        issuer_full=issuer.full,
        addressee="各街道，各社区，各共建单位：",
        issue_date=issue_date,
        number=document_number(issuer.organ_prefix, issue_date.year, number),
        draft=draft,
        copy_to=issuer.copy_to,
        problems=facts.problems,
        rankings=facts.rankings,
        red_flags=facts.red_flags,
        red_list=facts.red_list,
        black_list=facts.black_list,
        average_rates=facts.averages,
        opening=opening_paragraph(facts),
        sections=compose_sections(facts),
        attachments=(attachment,) if attachment else (),
        next_steps=facts.next_steps
        or default_next_steps(top_category=facts.problems.shares[0].name if facts.problems.shares else None),
    )


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


def opening_paragraph(facts: MonthFacts) -> Paragraph:
    assessed = "、".join(f"{facts.units_assessed[level]}个{LEVEL_LABELS[level]}" for level in facts.levels)
    basis = f"根据《{facts.ruleset_name}》，" if facts.ruleset_name else ""
    text = f"{basis}市三创办对全市{assessed or '各社区'}{month_text(facts.month)}的社区共建工作进行了考核。"
    if facts.as_of:
        text += f"本月尚未结束，以下数据截至{facts.as_of.month}月{facts.as_of.day}日。"
    if facts.forced_close_reason:
        reason = facts.forced_close_reason.rstrip("。.")
        text += f"因{reason}，本月考核在月末前提前结束，考核数据截至结束之日。"
    return Paragraph((Run(text + "现将有关情况通报如下："),))


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


def _scores_sentence(facts: MonthFacts) -> str:
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


def funds_sentence(funds: FundFigures) -> str:
    """The fund ledgers' figure line: 截至3月31日，全市共建资金今年收入12,000.00元，支出4,500.50元，结余7,499.50元。"""
    from gongjian.funds.ledger import yuan

    return (
        f"截至{funds.until.month}月{funds.until.day}日，全市共建资金{funds.year}年收入{yuan(funds.income)}元，"
        f"支出{yuan(funds.spending)}元，结余{yuan(funds.balance)}元。"
    )


def compose_sections(facts: MonthFacts) -> tuple[Section, ...]:
    month = facts.month
    figures = facts.problems
    flag_label = LEVEL_LABELS.get(facts.flag_level, "")

    # 一、基本情况
    found = problems_sentence(month, figures)
    basic: list[Block] = [
        Paragraph((Run(found + ("各类问题数量见图1。" if figures.shares else "")),)),
        Paragraph((Run(rectification_sentence(figures)),)),
    ]
    if facts.funds:
        basic.append(Paragraph((Run(funds_sentence(facts.funds)),)))
    if figures.shares:
        shown = min(TOP_CATEGORIES, len(figures.shares))
        basic.append(
            Figure("categories.png", f"图1　{month_text(month)}各类问题数量（前{shown}类）", facts.charts.categories())
        )

    # 二、考核排名 (the tables themselves stand in 附件1 after the body)
    ranking: list[Block] = [Paragraph((Run(_scores_sentence(facts)),))]
    ranking.append(Figure("score-trend.png", f"图2　近{TREND_MONTHS}个月全市平均得分率", facts.charts.trend()))
    if facts.rankings:
        ranking.append(Paragraph((Run(f"各街道{_levels_text(facts)}考核排名见附件1。"),)))

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
    steps = paragraphs_from_text(
        facts.next_steps or default_next_steps(top_category=figures.shares[0].name if figures.shares else None)
    )

    return (
        Section("一、基本情况", tuple(basic)),
        Section("二、考核排名", tuple(ranking)),
        Section("三、流动红旗和红黑榜", tuple(flags)),
        Section("四、下一步工作", steps),
    )


def _levels_text(facts: MonthFacts) -> str:
    return "、".join(LEVEL_LABELS[level] for level in facts.levels)


def ranking_attachment(facts: MonthFacts) -> Attachment | None:
    """附件1: the ranking tables street by street (a long table belongs after the body, GB/T 9704
    8.x: 附件 begins on a new page after the 版记-less body, numbered "附件1")."""
    if not facts.rankings:
        return None
    blocks: list[Block] = []
    street_no = 0
    current_street = None
    for table_no, table in enumerate(facts.rankings, start=1):
        if table.street != current_street:
            street_no += 1
            current_street = table.street
            blocks.append(Heading(f"（{chinese_number(street_no)}）{table.street}", 2))
        blocks.append(
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
                widths_cm=(1.3, 3.6, 1.9, 1.9, 2.4, 2.4, 2.1),
            )
        )
    return Attachment(
        number=1, title=f"{month_text(facts.month)}各街道{_levels_text(facts)}考核排名表", blocks=tuple(blocks)
    )
