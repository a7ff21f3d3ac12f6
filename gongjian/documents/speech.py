"""The leader's speech draft (讲话稿), composed from a period's facts (pure: facts in, sentences out).

It follows the speech this product comes from: 总结成绩 (the figures that improved, the units that
led, the red-flag holders), 存在问题 (the top categories with their shares — "乱堆杂物占本次检查发现
问题的49%，居所有问题的第一位" —, relapses, units past their deadlines, co-construction units that
did not take part, archives losing points) and 下步工作 (the coming inspection, the weakest items,
the overdue rectifications to close). Every sentence states facts and carries the address of the page
its figure comes from; a fact that is missing is left out, never made up — no boilerplate sentence
without a figure is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from gongjian.archives.periods import MONTH, QUARTER, Period
from gongjian.documents.speech_facts import SpeechFacts
from gongjian.documents.text import chinese_number, percent_text

TITLE = "在全市社区共建工作会议上的讲话"
SALUTATION = "同志们："
ORDINALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Sentence:
    text: str
    link: str  # the page its figure comes from


@dataclass(frozen=True)
class SpeechSection:
    heading: str
    paragraphs: tuple[tuple[Sentence, ...], ...]

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(s for paragraph in self.paragraphs for s in paragraph)


@dataclass(frozen=True)
class Speech:
    title: str
    subtitle: str
    salutation: str
    sections: tuple[SpeechSection, ...]
    filename_stem: str

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(s for section in self.sections for s in section.sentences)


def period_label(period: Period) -> str:
    if period.kind == MONTH:
        return f"{period.start.year}年{period.start.month}月"
    if period.kind == QUARTER:
        return f"{period.start.year}年第{chinese_number((period.start.month - 1) // 3 + 1)}季度"
    return f"{period.start.year}年"


def previous_word(period: Period) -> str:
    return {MONTH: "上月", QUARTER: "上季度"}.get(period.kind, "上年")


def _pct(value: Decimal) -> str:
    """An indicator (a percentage with one decimal) as said: 49.0 → "49%", 66.7 → "66.7%"."""
    text = f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def _points(now: Decimal, before: Decimal) -> str:
    diff = abs(Decimal(now) - Decimal(before)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{diff.normalize():f}个百分点"


def _series(items: list[str]) -> str:
    return "、".join(items)


# (rate key, name, better when higher)
RATES = (
    ("close_rate", "结案率", True),
    ("on_time_close_rate", "按期结案率", True),
    ("overdue_rate", "超期率", False),
    ("rework_rate", "返工率", False),
    ("relapse_rate", "回潮率", False),
)


def funds_sentence(funds) -> str:
    """建立财务管理制度 (the speech's mechanisms): the year's co-construction funds as said aloud."""
    from gongjian.funds.ledger import yuan

    return (
        f"按照财务管理制度，{funds.year}年截至{funds.until.month}月{funds.until.day}日，"
        f"各社区共建资金收入{yuan(funds.income)}元，支出{yuan(funds.spending)}元，结余{yuan(funds.balance)}元。"
    )


def achievements(facts: SpeechFacts) -> SpeechSection:
    """一、总结成绩: what improved on the previous period, who led, who holds the red flags."""
    label, before = period_label(facts.period), previous_word(facts.period)
    paragraphs = []
    now_found, before_found = facts.counts.found, facts.previous_counts.found
    if before_found and now_found < before_found:
        paragraphs.append(
            (
                Sentence(
                    f"{label}，全市共发现问题{now_found}处，比{before}减少{before_found - now_found}处，"
                    f"下降{_pct(Decimal(before_found - now_found) * 100 / before_found)}。",
                    facts.links["problems"],
                ),
            )
        )
    improved = []
    for key, name, higher in RATES:
        now, prev = getattr(facts.rates, key), getattr(facts.previous_rates, key)
        if now is None or prev is None or now == prev or (now > prev) != higher:
            continue
        improved.append(f"{name}{_pct(now)}，比{before}{'上升' if now > prev else '下降'}{_points(now, prev)}")
    if improved:
        paragraphs.append((Sentence("从整改情况看，" + "；".join(improved) + "。", facts.links["stats"]),))
    leaders = [entry for entry in facts.leaders]
    if leaders:
        paragraphs.append(
            tuple(
                Sentence(
                    f"{entry.extra}{entry.name}{'在' + label + '考核中' if index == 0 else ''}"
                    f"平均得分率{percent_text(entry.figure)}，成绩位居全市前列。",
                    entry.link,
                )
                for index, entry in enumerate(leaders)
            )
        )
    if facts.flag_holders:
        paragraphs.append(
            tuple(
                Sentence(
                    f"{entry.extra}{entry.name}{label}"
                    f"{'获得流动红旗' if facts.period.kind == MONTH else f'{entry.figure}次获得流动红旗'}。",
                    entry.link,
                )
                for entry in facts.flag_holders[:5]
            )
        )
    if facts.funds:
        paragraphs.append((Sentence(funds_sentence(facts.funds), facts.links.get("funds", "")),))
    return SpeechSection("一、总结成绩", tuple(paragraphs))


def problems(facts: SpeechFacts) -> SpeechSection:
    """二、存在问题: the leading categories with their shares, a rising total, relapses, overdue
    units, idle co-construction units, archives losing points."""
    label, before = period_label(facts.period), previous_word(facts.period)
    paragraphs = []
    if facts.shares:
        top = facts.shares[0]
        sentences = [
            Sentence(
                f"从{label}检查情况看，{top.name}问题{top.count}处，占本次检查发现问题的{_pct(top.share)}，"
                "居所有问题的第一位。",
                facts.links.get(f"category:{top.code}", facts.links["problems"]),
            )
        ]
        for rank, share in enumerate(facts.shares[1:3], start=2):
            sentences.append(
                Sentence(
                    f"{share.name}问题{share.count}处，占{_pct(share.share)}，居第{ORDINALS[rank - 1]}位。",
                    facts.links.get(f"category:{share.code}", facts.links["problems"]),
                )
            )
        if facts.previous_counts.found and facts.counts.found > facts.previous_counts.found:
            sentences.append(
                Sentence(
                    f"问题总数{facts.counts.found}处，"
                    f"比{before}增加{facts.counts.found - facts.previous_counts.found}处。",
                    facts.links["problems"],
                )
            )
        paragraphs.append(tuple(sentences))
    if facts.counts.relapses:
        where = _series([f"{u.name}{u.figure}处" for u in facts.relapse_units])
        paragraphs.append(
            (
                Sentence(
                    f"回潮反复问题仍然存在，{label}发现销号后又回潮的问题{facts.counts.relapses}处"
                    + (f"，主要集中在{where}" if where else "")
                    + "。",
                    facts.links["relapses"],
                ),
            )
        )
    if facts.overdue_total:
        paragraphs.append(
            (
                Sentence(
                    f"整改不及时的问题依然突出，{label}发现的问题中仍有{facts.overdue_total}处超过整改期限未整改，"
                    f"其中{_series([f'{u.name}{u.figure}处' for u in facts.overdue_units])}。",
                    facts.links["overdue"],
                ),
            )
        )
    if facts.idle_partners:
        paragraphs.append(
            tuple(
                Sentence(f"共建单位{p.name}{label}未参加{p.extra}的共建活动，也没有履行共建责任的记录。", p.link)
                for p in facts.idle_partners[:5]
            )
        )
    if facts.archive_risks:
        paragraphs.append(
            tuple(
                Sentence(f"{u.name}台帐资料不齐全，{label}考核中因此失分{u.figure}分。", u.link)
                for u in facts.archive_risks[:3]
            )
        )
    return SpeechSection("二、存在问题", tuple(paragraphs))


def next_steps(facts: SpeechFacts) -> SpeechSection:
    """三、下步工作: the coming inspection, the weakest items, the overdue rectifications."""
    paragraphs = []
    if facts.next_inspection:
        coming = facts.next_inspection
        paragraphs.append(
            (
                Sentence(
                    f"{coming.name}定于{coming.figure}进行，各街道、社区要对照考核细则倒排时间，逐项抓好落实。",
                    coming.link,
                ),
            )
        )
    if facts.weak_items:
        paragraphs.append(
            tuple(
                Sentence(
                    f"“{item.name}”得分率仅为{percent_text(item.figure)}，"
                    f"{'是失分最多的项目，' if index == 0 else ''}要作为下一步整改的重点。",
                    item.link,
                )
                for index, item in enumerate(facts.weak_items)
            )
        )
    if facts.shares:
        top = facts.shares[0]
        paragraphs.append(
            (
                Sentence(
                    f"针对{top.name}问题占比最高的情况，要开展专项整治，防止回潮反复。",
                    facts.links.get(f"category:{top.code}", facts.links["problems"]),
                ),
            )
        )
    if facts.overdue_total:
        paragraphs.append(
            (
                Sentence(
                    f"对已超过整改期限的{facts.overdue_total}处问题，责任单位要限期整改销号。",
                    facts.links["overdue"],
                ),
            )
        )
    return SpeechSection("三、下步工作", tuple(paragraphs))


def compose_speech(facts: SpeechFacts) -> Speech:
    label = period_label(facts.period)
    if facts.as_of:
        label += f"（截至{facts.as_of.month}月{facts.as_of.day}日）"
    return Speech(
        title=TITLE,
        subtitle=f"（{label}工作讲话稿）",
        salutation=SALUTATION,
        sections=(achievements(facts), problems(facts), next_steps(facts)),
        filename_stem=f"{period_label(facts.period)}社区共建工作讲话稿",
    )
