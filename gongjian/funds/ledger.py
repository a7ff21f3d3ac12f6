"""The ledger's pure rules: amounts read at the door, signed effects, balances and yearly totals.
Plain values in, plain values out; no ORM.

Entries are never changed: a correction is a reversing entry that cancels the original's effect
(and a new entry with the right figures, if there is one). So a balance is simply the sum of
every entry's signed effect."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
#: The largest single entry: ten million yuan (the field holds 12 digits, 2 after the point).
MAX_AMOUNT = Decimal("10000000.00")
INCOME, SPENDING = "income", "spending"
#: What a person types for an amount once separators, the currency sign and 元 are gone: digits
#: with at most one decimal point (and a minus sign, refused below with its own message). Never an
#: exponent ("1e9"), a plus sign or spaces inside.
_TYPED_AMOUNT = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")


class AmountError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def parse_amount(value) -> Decimal:
    """An amount in yuan as typed ("1,200.5", "300", 42) → Decimal with two places; anything that
    is not a positive amount of at most two decimals up to MAX_AMOUNT raises AmountError."""
    if isinstance(value, bool) or value is None:
        raise AmountError(_("Enter the amount in yuan, e.g. 1200.00."))
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    text = text.removesuffix("元").strip()
    if not text or len(text) > 20:
        raise AmountError(_("Enter the amount in yuan, e.g. 1200.00."))
    if isinstance(value, str) and not _TYPED_AMOUNT.fullmatch(text):
        raise AmountError(_("Enter the amount in yuan, e.g. 1200.00."))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise AmountError(_("Enter the amount in yuan, e.g. 1200.00.")) from None
    if not amount.is_finite():
        raise AmountError(_("Enter the amount in yuan, e.g. 1200.00."))
    if amount <= 0:
        raise AmountError(_("The amount must be more than zero; a correction is a reversing entry."))
    if amount > MAX_AMOUNT:
        raise AmountError(_("The amount is more than one entry can hold (10,000,000 yuan)."))
    if amount != amount.quantize(CENT):
        raise AmountError(_("The amount has at most two decimals (fen)."))
    return amount.quantize(CENT)


@dataclass(frozen=True)
class Line:
    """One entry as the rules see it. ``reversal``: it cancels an earlier entry of the same kind."""

    kind: str
    amount: Decimal
    date: datetime.date
    reversal: bool = False


def effect(line: Line) -> Decimal:
    """What the entry does to the balance: income adds, spending takes away, a reversal undoes."""
    sign = 1 if line.kind == INCOME else -1
    if line.reversal:
        sign = -sign
    return sign * line.amount


def balance(lines: Iterable[Line], *, until: datetime.date | None = None) -> Decimal:
    """The balance after every entry dated up to ``until`` (all of them when None)."""
    total = Decimal("0.00")
    for line in lines:
        if until is None or line.date <= until:
            total += effect(line)
    return total.quantize(CENT)


def running_balances(lines: Iterable[Line]) -> list[Decimal]:
    """The balance after each entry, in the order given (the ledger's: date, then recording order)."""
    total = Decimal("0.00")
    result = []
    for line in lines:
        total += effect(line)
        result.append(total.quantize(CENT))
    return result


@dataclass(frozen=True)
class YearTotals:
    year: int
    income: Decimal  # net of reversed income
    spending: Decimal  # net of reversed spending
    opening: Decimal  # balance carried in from earlier years
    closing: Decimal

    @property
    def net(self) -> Decimal:
        return self.income - self.spending


def yearly_totals(lines: Iterable[Line]) -> list[YearTotals]:
    """Income, spending and the opening and closing balances of every year from the first entry's
    to the last one's (a year without entries carries its balance through), oldest first."""
    lines = list(lines)
    if not lines:
        return []
    income: dict[int, Decimal] = {}
    spending: dict[int, Decimal] = {}
    for line in lines:
        book = income if line.kind == INCOME else spending
        signed = -line.amount if line.reversal else line.amount
        book[line.date.year] = book.get(line.date.year, Decimal("0.00")) + signed
    first, last = min(line.date.year for line in lines), max(line.date.year for line in lines)
    result = []
    carried = Decimal("0.00")
    for year in range(first, last + 1):
        year_in = income.get(year, Decimal("0.00")).quantize(CENT)
        year_out = spending.get(year, Decimal("0.00")).quantize(CENT)
        closing = (carried + year_in - year_out).quantize(CENT)
        result.append(YearTotals(year=year, income=year_in, spending=year_out, opening=carried, closing=closing))
        carried = closing
    return result


def totals_for(lines: Iterable[Line], year: int) -> YearTotals:
    """One year's totals (zeros and the carried balance when the year had no entries)."""
    lines = list(lines)
    for totals in yearly_totals(lines):
        if totals.year == year:
            return totals
    carried = balance(lines, until=datetime.date(year - 1, 12, 31))
    zero = Decimal("0.00")
    return YearTotals(year=year, income=zero, spending=zero, opening=carried, closing=carried)


def yuan(amount: Decimal) -> str:
    """An amount as officials write it: thousands separated, two decimals: 12,345.60."""
    return f"{Decimal(amount).quantize(CENT):,.2f}"
