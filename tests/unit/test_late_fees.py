"""Late fees (电费违约金, RULES §10): the rule's worked examples by hand, and properties against the rule counted day
by day."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal as D
from fractions import Fraction
from itertools import pairwise
from math import floor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.late_fees import (
    CustomerCategory,
    InvalidLateFeeInput,
    LateFeeQuote,
    LateFeeRates,
    late_fee,
    late_fee_for_payment,
    parse_category,
)

RESIDENTIAL = CustomerCategory.RESIDENTIAL
OTHER = CustomerCategory.OTHER
RATES = LateFeeRates()
NO_MINIMUM = LateFeeRates(minimum_fen=0)
ONE_DAY = timedelta(days=1)


def paid(category: CustomerCategory, *, month: date, due: date, paid_on: date, principal_fen: int,
         rates: LateFeeRates = RATES) -> LateFeeQuote:
    return late_fee_for_payment(category=category, bill_month=month, due=due, paid_on=paid_on,
                                principal_fen=principal_fen, rates=rates)


def runs(quote: LateFeeQuote) -> list[tuple[date, date, int, int, D, int]]:
    return [(x.first_day, x.last_day, x.days, x.base_fen, x.per_mille, x.exact_fen_e5) for x in quote.lines]


# --- worked examples -----------------------------------------------------------------------------------------------

def test_a_residential_bill_paid_ten_days_late() -> None:
    # Due 03-15, paid 03-25: days 03-16 … 03-25 = 10; 10 × 1‰ × 10000 fen = 100 fen = 1.00 yuan (the minimum is not
    # what made it 1 yuan).
    quote = paid(RESIDENTIAL, month=date(2026, 2, 1), due=date(2026, 3, 15), paid_on=date(2026, 3, 25),
                 principal_fen=10_000)

    assert (quote.days, quote.fee_fen, quote.rounded_fen, quote.minimum_applied) == (10, 100, 100, False)
    assert quote.exact_yuan == D("1.00")
    # 10 × 10000 × 100 hundredths of ‰ = 10 000 000 × 1e-5 fen
    assert runs(quote) == [(date(2026, 3, 16), date(2026, 3, 25), 10, 10_000, D(1), 10_000_000)]


def test_a_non_residential_december_bill_paid_in_january_owes_the_later_years_rate_from_1_january() -> None:
    # Due 2026-12-20, paid 2027-01-10, 500.00 yuan: 12-21 … 12-31 = 11 days × 2‰ × 50000 = 11 × 100 = 1100 fen;
    # 01-01 … 01-10 = 10 days × 3‰ × 50000 = 10 × 150 = 1500 fen; 2600 fen = 26.00 yuan over 21 days.
    quote = paid(OTHER, month=date(2026, 12, 1), due=date(2026, 12, 20), paid_on=date(2027, 1, 10),
                 principal_fen=50_000)

    assert (quote.days, quote.fee_fen) == (21, 2600)
    assert runs(quote) == [
        (date(2026, 12, 21), date(2026, 12, 31), 11, 50_000, D(2), 110_000_000),
        (date(2027, 1, 1), date(2027, 1, 10), 10, 50_000, D(3), 150_000_000),
    ]


def test_a_residential_bill_crossing_the_year_keeps_its_one_rate() -> None:
    # Same dates, residential: 21 days × 1‰ × 50000 = 21 × 50 = 1050 fen.
    quote = paid(RESIDENTIAL, month=date(2026, 12, 1), due=date(2026, 12, 20), paid_on=date(2027, 1, 10),
                 principal_fen=50_000)

    assert (quote.fee_fen, len(quote.lines)) == (1050, 1)


def test_a_bill_of_last_year_owes_the_later_years_rate_from_its_first_overdue_day() -> None:
    # A December 2026 bill due 2027-01-20, paid 2027-01-25: 5 days, all in 2027, × 3‰ × 20000 = 5 × 60 = 300 fen.
    quote = paid(OTHER, month=date(2026, 12, 1), due=date(2027, 1, 20), paid_on=date(2027, 1, 25),
                 principal_fen=20_000)

    assert quote.fee_fen == 300
    assert [line.per_mille for line in quote.lines] == [D(3)]


def test_a_partial_payment_lowers_the_base_from_the_next_day() -> None:
    # 120.00 yuan due 03-15; 70.00 paid on 03-20, the 50.00 left on 03-30. 03-16 … 03-20 (the payment's day still on
    # 12000): 5 × 1‰ × 12000 = 60 fen; 03-21 … 03-30: 10 × 1‰ × 5000 = 50 fen; 110 fen.
    quote = late_fee(category=RESIDENTIAL, bill_month=date(2026, 2, 1), due=date(2026, 3, 15),
                     through=date(2026, 3, 30), unpaid_from=[(date(2026, 3, 16), 12_000), (date(2026, 3, 21), 5_000)],
                     rates=RATES)

    assert (quote.days, quote.fee_fen) == (15, 110)
    assert runs(quote) == [
        (date(2026, 3, 16), date(2026, 3, 20), 5, 12_000, D(1), 6_000_000),
        (date(2026, 3, 21), date(2026, 3, 30), 10, 5_000, D(1), 5_000_000),
    ]


def test_the_sum_is_rounded_half_up_once_not_each_day() -> None:
    # 100.05 yuan, 100 days (03-16 … 06-23) × 1‰: a day is 10.005 fen, exactly 1000.5 fen in all → 1001 (half up).
    # Each day rounded first would give 10 × 100 = 1000, and rounding half to even 1000.
    quote = paid(RESIDENTIAL, month=date(2026, 2, 1), due=date(2026, 3, 15), paid_on=date(2026, 6, 23),
                 principal_fen=10_005)

    assert (quote.days, quote.exact_yuan, quote.fee_fen) == (100, D("10.005"), 1001)


def test_the_lines_are_not_rounded_one_by_one_either() -> None:
    # 5 days × 1‰ × 12345 = 61.725 fen, then 5 days × 1‰ × 2345 = 11.725 fen: 73.45 → 73 fen (62 + 12 = 74 by line).
    quote = late_fee(category=RESIDENTIAL, bill_month=date(2026, 2, 1), due=date(2026, 3, 15),
                     through=date(2026, 3, 25), unpaid_from=[(date(2026, 3, 16), 12_345), (date(2026, 3, 21), 2_345)],
                     rates=NO_MINIMUM)

    assert [line.exact_yuan for line in quote.lines] == [D("0.61725"), D("0.11725")]
    assert quote.fee_fen == 73


def test_a_fee_under_one_yuan_is_charged_as_one_yuan_unless_switched_off() -> None:
    # 100.00 yuan, 5 days × 1‰ × 10000 = 50 fen: 1.00 yuan with the minimum, 0.50 without.
    bill = {"month": date(2026, 2, 1), "due": date(2026, 3, 15), "paid_on": date(2026, 3, 20), "principal_fen": 10_000}

    with_minimum = paid(RESIDENTIAL, **bill)  # type: ignore[arg-type]
    without = paid(RESIDENTIAL, **bill, rates=NO_MINIMUM)  # type: ignore[arg-type]

    assert (with_minimum.rounded_fen, with_minimum.fee_fen, with_minimum.minimum_applied) == (50, 100, True)
    assert (without.rounded_fen, without.fee_fen, without.minimum_applied) == (50, 50, False)


def test_a_fee_that_rounds_to_nothing_is_not_raised_to_the_minimum() -> None:
    # 1 fen × 1‰ × 1 day = 0.001 fen → 0 fen: no fee, not 1 yuan.
    quote = paid(RESIDENTIAL, month=date(2026, 2, 1), due=date(2026, 3, 15), paid_on=date(2026, 3, 16), principal_fen=1)

    assert (quote.days, quote.exact_fen_e5, quote.fee_fen, quote.minimum_applied) == (1, 100, 0, False)


@pytest.mark.parametrize("paid_on", [date(2026, 3, 15), date(2026, 3, 1), date(2026, 2, 10)])
def test_paid_on_or_before_the_due_date_owes_nothing(paid_on: date) -> None:
    quote = paid(OTHER, month=date(2026, 2, 1), due=date(2026, 3, 15), paid_on=paid_on, principal_fen=10_000)

    assert quote == LateFeeQuote(days=0, exact_fen_e5=0, fee_fen=0, lines=(), rounded_fen=0)


def test_a_utilitys_own_rates_with_two_decimals_are_counted_exactly() -> None:
    # 1.25‰ residential, 3 days × 1.25‰ × 333 fen = 1.24875 fen → 1 fen (no minimum).
    rates = LateFeeRates(residential_per_mille=D("1.25"), minimum_fen=0)
    quote = paid(RESIDENTIAL, month=date(2026, 2, 1), due=date(2026, 3, 15), paid_on=date(2026, 3, 18),
                 principal_fen=333, rates=rates)

    assert (quote.exact_yuan, quote.fee_fen) == (D("0.0124875"), 1)


def test_equal_rates_for_both_years_give_one_line_across_new_year() -> None:
    rates = LateFeeRates(other_per_mille=D(3), other_later_year_per_mille=D("3.00"))
    quote = paid(OTHER, month=date(2026, 12, 1), due=date(2026, 12, 20), paid_on=date(2027, 1, 10),
                 principal_fen=50_000, rates=rates)

    assert runs(quote) == [(date(2026, 12, 21), date(2027, 1, 10), 21, 50_000, D(3), 21 * 50_000 * 300)]


def test_the_categories_have_their_labels_and_codes() -> None:
    assert (RESIDENTIAL.label, OTHER.label) == ("居民", "非居民")
    assert parse_category(text="other") is OTHER


# --- refusals ------------------------------------------------------------------------------------------------------

RATE = "日费率应为 1‰ 到 3‰（至多两位小数），而不是"


@pytest.mark.parametrize(("rates", "field", "message"), [
    ({"residential_per_mille": D("0.5")}, "residential_per_mille", f"居民违约金{RATE} 0.5‰"),
    ({"other_per_mille": D("3.01")}, "other_per_mille", f"非居民当年违约金{RATE} 3.01‰"),
    ({"other_later_year_per_mille": D("2.125")}, "other_later_year_per_mille", f"非居民跨年违约金{RATE} 2.125‰"),
    ({"other_per_mille": D("NaN")}, "other_per_mille", f"非居民当年违约金{RATE} NaN‰"),
    ({"residential_per_mille": 2.0}, "residential_per_mille", f"居民违约金{RATE} 2.0‰"),  # a float is no rate
    ({"minimum_fen": -1}, "minimum_fen", "违约金最低额应为非负整数分，而不是 -1"),
])
def test_rates_outside_the_rule_are_refused_naming_the_rate(rates: dict[str, object], field: str,
                                                            message: str) -> None:
    with pytest.raises(InvalidLateFeeInput) as refused:
        LateFeeRates(**rates)  # type: ignore[arg-type]

    assert (refused.value.code, refused.value.field, refused.value.message) == ("invalid_late_fee_input", field,
                                                                                message)


def test_whole_number_rates_are_taken_as_decimals() -> None:
    assert LateFeeRates(other_per_mille=3).other_per_mille == D(3)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Refusal:
    field: str
    message: str


@pytest.mark.parametrize(("change", "refusal"), [
    ({"category": "industrial"},
     Refusal("category", "用户类别应为 residential（居民）或 other（非居民），而不是 'industrial'")),
    ({"bill_month": date(2026, 2, 15)}, Refusal("bill_month", "账单月份应为该月 1 日，而不是 2026-02-15")),
    ({"due": date(2026, 1, 31)}, Refusal("due", "到期日 2026-01-31 早于账单月份 2026-02")),
    ({"unpaid_from": []}, Refusal("unpaid_from", "未缴本金的明细不能为空")),
    ({"unpaid_from": [(date(2026, 3, 17), 100)]},
     Refusal("unpaid_from", "未缴本金应从到期日次日或更早算起，而不是从 2026-03-17 起（到期日 2026-03-15）")),
    ({"unpaid_from": [(date(2026, 3, 16), 100), (date(2026, 3, 16), 50)]},
     Refusal("unpaid_from", "未缴本金的日期应逐条递增：2026-03-16 不晚于前一条的 2026-03-16")),
    ({"unpaid_from": [(date(2026, 3, 16), 100), (date(2026, 3, 20), -1)]},
     Refusal("unpaid_from", "未缴本金应为非负整数分，而不是 -1")),
])
def test_inputs_no_fee_can_come_from_are_refused_naming_the_field(change: dict[str, object],
                                                                  refusal: Refusal) -> None:
    arguments: dict[str, object] = {
        "category": RESIDENTIAL, "bill_month": date(2026, 2, 1), "due": date(2026, 3, 15),
        "through": date(2026, 3, 25), "unpaid_from": [(date(2026, 3, 16), 10_000)], "rates": RATES, **change,
    }
    with pytest.raises(InvalidLateFeeInput) as refused:
        late_fee(**arguments)  # type: ignore[arg-type]

    assert (refused.value.field, refused.value.message) == (refusal.field, refusal.message)


@pytest.mark.parametrize("principal", [-100, 12.5, True])
def test_a_principal_that_is_not_whole_fen_at_least_zero_is_refused_by_its_name(principal: object) -> None:
    with pytest.raises(InvalidLateFeeInput) as refused:
        paid(RESIDENTIAL, month=date(2026, 2, 1), due=date(2026, 3, 15), paid_on=date(2026, 3, 25),
             principal_fen=principal)  # type: ignore[arg-type]

    assert refused.value.field == "principal_fen"
    assert refused.value.message == f"未缴本金应为非负整数分，而不是 {principal!r}"


# --- properties ----------------------------------------------------------------------------------------------------

def reference(*, category: CustomerCategory, bill_month: date, due: date, through: date,
              unpaid_from: list[tuple[date, int]], rates: LateFeeRates) -> tuple[Fraction, int]:
    """The rule read literally, one day at a time in fractions of a fen: (exact fee, fee charged)."""
    exact = Fraction(0)
    day = due + ONE_DAY
    while day <= through:
        base = [amount for start, amount in unpaid_from if start <= day][-1]
        if category == "residential":
            rate = rates.residential_per_mille
        elif day.year == bill_month.year:
            rate = rates.other_per_mille
        else:
            rate = rates.other_later_year_per_mille
        exact += base * Fraction(rate) / 1000
        day += ONE_DAY
    rounded = floor(exact + Fraction(1, 2))
    return exact, rates.minimum_fen if 0 < rounded < rates.minimum_fen else rounded


per_mille = st.integers(min_value=100, max_value=300).map(lambda hundredths: D(hundredths).scaleb(-2))
rates_strategy = st.builds(LateFeeRates, residential_per_mille=per_mille, other_per_mille=per_mille,
                           other_later_year_per_mille=per_mille, minimum_fen=st.sampled_from([0, 100, 250]))


@st.composite
def bills(draw: st.DrawFn) -> dict[str, object]:
    """A bill near a new year (so that years are crossed), its unpaid principal over time, and a day to count to."""
    month = date(draw(st.integers(2025, 2027)), draw(st.sampled_from([1, 6, 11, 12])), 1)
    due = month + timedelta(days=draw(st.integers(0, 75)))
    first = due + ONE_DAY - timedelta(days=draw(st.integers(0, 3)))
    gaps = draw(st.lists(st.integers(1, 120), max_size=4))
    amounts = draw(st.lists(st.integers(0, 5_000_000), min_size=len(gaps) + 1, max_size=len(gaps) + 1))
    starts = [first]
    for gap in gaps:
        starts.append(starts[-1] + timedelta(days=gap))
    return {
        "category": draw(st.sampled_from(CustomerCategory)),
        "bill_month": month,
        "due": due,
        "through": due + timedelta(days=draw(st.integers(-5, 500))),
        "unpaid_from": list(zip(starts, amounts, strict=True)),
        "rates": draw(rates_strategy),
    }


@given(bill=bills())
def test_the_fee_is_the_rule_counted_day_by_day(bill: dict[str, object]) -> None:
    quote = late_fee(**bill)  # type: ignore[arg-type]
    exact, fee = reference(**bill)  # type: ignore[arg-type]

    assert Fraction(quote.exact_fen_e5, 100_000) == exact
    assert quote.fee_fen == fee
    assert sum(line.days for line in quote.lines) == quote.days
    assert sum(line.exact_fen_e5 for line in quote.lines) == quote.exact_fen_e5
    for before, after in pairwise(quote.lines):
        assert after.first_day == before.last_day + ONE_DAY
        assert (after.base_fen, after.per_mille) != (before.base_fen, before.per_mille)


@given(bill=bills(), earlier_by=st.integers(0, 400))
def test_the_fee_never_falls_as_the_days_go_on(bill: dict[str, object], earlier_by: int) -> None:
    later = late_fee(**bill)  # type: ignore[arg-type]
    through = bill["through"]
    assert isinstance(through, date)
    earlier = late_fee(**{**bill, "through": through - timedelta(days=earlier_by)})  # type: ignore[arg-type]

    assert earlier.fee_fen <= later.fee_fen
    assert earlier.exact_fen_e5 <= later.exact_fen_e5


@given(bill=bills())
def test_a_daily_accrual_posting_the_difference_of_totals_posts_the_total(bill: dict[str, object]) -> None:
    due, through = bill["due"], bill["through"]
    assert isinstance(due, date) and isinstance(through, date)
    totals = [late_fee(**{**bill, "through": due + timedelta(days=n)}).fee_fen  # type: ignore[arg-type]
              for n in range(max((through - due).days, 0) + 1)]  # from the due date, which owes nothing
    posted = [today - yesterday for yesterday, today in pairwise(totals)]

    assert totals[0] == 0
    assert all(amount >= 0 for amount in posted)
    assert sum(posted) == late_fee(**bill).fee_fen  # type: ignore[arg-type]


@given(bill=bills(), shares=st.lists(st.fractions(min_value=0, max_value=1), min_size=5, max_size=5))
def test_a_lower_base_never_gives_a_higher_fee(bill: dict[str, object], shares: list[Fraction]) -> None:
    unpaid = bill["unpaid_from"]
    assert isinstance(unpaid, list)
    lower = [(day, floor(amount * share)) for (day, amount), share in zip(unpaid, shares, strict=False)]

    assert late_fee(**{**bill, "unpaid_from": lower}).fee_fen <= late_fee(**bill).fee_fen  # type: ignore[arg-type]
