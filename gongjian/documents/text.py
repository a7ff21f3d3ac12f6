"""Small pure text helpers every document shares: dates, numbers and changes written the way a 公文
writes them (Arabic digits, no leading zeros, changes in 处 and 个百分点)."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

LEVEL_ORDER = ("community", "compound")
LEVEL_LABELS = {"community": "社区", "compound": "小区"}
TWO = Decimal("0.01")
ONE = Decimal("0.1")


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


def month_shift(month: datetime.date, delta: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + delta
    return datetime.date(index // 12, index % 12 + 1, 1)
