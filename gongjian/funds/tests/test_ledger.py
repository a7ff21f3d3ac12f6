"""The ledger's pure rules, to the cent: amounts read at the door, effects, balances, yearly totals."""

import datetime
from decimal import Decimal

import pytest

from gongjian.funds import ledger
from gongjian.funds.ledger import Line

D = datetime.date
M = Decimal


@pytest.mark.parametrize(
    "typed, amount",
    [
        ("1200", M("1200.00")),
        ("1,200.5", M("1200.50")),
        ("￥300.05元", M("300.05")),
        (" 0.01 ", M("0.01")),
        (42, M("42.00")),
        (M("9.9"), M("9.90")),
        (0.1, M("0.10")),
        ("10000000", M("10000000.00")),
    ],
)
def test_an_amount_typed_in_yuan_is_read_to_the_cent(typed, amount):
    assert ledger.parse_amount(typed) == amount
    assert ledger.parse_amount(typed).as_tuple().exponent == -2


@pytest.mark.parametrize(
    "typed",
    [
        *("", "abc", "0", "-5", "-0", "0.00", "1.005", "12.345", "10000000.01", "NaN", "Infinity", "1e3000"),
        *("1e9", "1e3", "1E2", "+5", "1 000", "1.2.3", "0x10", "十二", None, True, "1" * 30),
    ],
)
def test_anything_but_a_positive_amount_of_at_most_two_decimals_is_refused(typed):
    with pytest.raises(ledger.AmountError) as error:
        ledger.parse_amount(typed)
    assert str(error.value.message)


INCOME_1000 = Line("income", M("1000.00"), D(2025, 3, 1))
SPEND_250_55 = Line("spending", M("250.55"), D(2025, 4, 2))
REVERSE_SPEND = Line("spending", M("250.55"), D(2025, 4, 9), reversal=True)
REVERSE_INCOME = Line("income", M("1000.00"), D(2025, 5, 1), reversal=True)


@pytest.mark.parametrize(
    "line, effect",
    [
        (INCOME_1000, M("1000.00")),
        (SPEND_250_55, M("-250.55")),
        (REVERSE_SPEND, M("250.55")),
        (REVERSE_INCOME, M("-1000.00")),
    ],
)
def test_income_adds_spending_takes_away_and_a_reversal_undoes(line, effect):
    assert ledger.effect(line) == effect


@pytest.mark.parametrize(
    "lines, until, balance",
    [
        ([], None, M("0.00")),
        ([INCOME_1000, SPEND_250_55], None, M("749.45")),
        ([INCOME_1000, SPEND_250_55, REVERSE_SPEND], None, M("1000.00")),
        ([INCOME_1000, SPEND_250_55, REVERSE_SPEND], D(2025, 4, 8), M("749.45")),
        ([INCOME_1000, REVERSE_INCOME], None, M("0.00")),
        ([SPEND_250_55], None, M("-250.55")),
        ([Line("income", M("0.10"), D(2025, 1, 1)), Line("income", M("0.20"), D(2025, 1, 2))], None, M("0.30")),
    ],
)
def test_the_balance_is_the_sum_of_the_effects_up_to_a_day(lines, until, balance):
    assert ledger.balance(lines, until=until) == balance


def test_yearly_totals_carry_the_balance_through_a_year_without_entries():
    lines = [
        Line("income", M("5000.00"), D(2023, 2, 1)),
        Line("spending", M("1200.40"), D(2023, 6, 1)),
        Line("spending", M("300.00"), D(2025, 1, 5)),
        Line("spending", M("300.00"), D(2025, 1, 6), reversal=True),
        Line("income", M("800.00"), D(2025, 7, 1)),
        Line("spending", M("99.99"), D(2025, 8, 1)),
    ]
    totals = ledger.yearly_totals(lines)
    assert [(t.year, t.opening, t.income, t.spending, t.closing) for t in totals] == [
        (2023, M("0.00"), M("5000.00"), M("1200.40"), M("3799.60")),
        (2024, M("3799.60"), M("0.00"), M("0.00"), M("3799.60")),
        (2025, M("3799.60"), M("800.00"), M("99.99"), M("4499.61")),
    ]
    assert totals[2].net == M("700.01")
    assert ledger.totals_for(lines, 2027).opening == M("4499.61")
    assert ledger.totals_for(lines, 2022).closing == M("0.00")
    assert ledger.yearly_totals([]) == []


@pytest.mark.parametrize("amount, text", [(M("0"), "0.00"), (M("1234567.8"), "1,234,567.80"), (M("-5.5"), "-5.50")])
def test_amounts_are_written_with_thousands_and_two_decimals(amount, text):
    assert ledger.yuan(amount) == text


@pytest.mark.parametrize(
    "lines, balances",
    [
        ([], []),
        ([INCOME_1000, SPEND_250_55], [M("1000.00"), M("749.45")]),
        ([INCOME_1000, SPEND_250_55, REVERSE_SPEND], [M("1000.00"), M("749.45"), M("1000.00")]),
        ([SPEND_250_55, INCOME_1000, REVERSE_INCOME], [M("-250.55"), M("749.45"), M("-250.55")]),
    ],
)
def test_the_running_balance_follows_the_ledger_to_the_cent(lines, balances):
    assert ledger.running_balances(lines) == balances
