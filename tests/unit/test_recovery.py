"""电费回收率: 实收电费 ÷ 应收电费 of a month, prepaid charges covered by money and postpaid bills paid."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.recovery import Recovery, prepaid_recovery


def test_the_rate_is_received_over_due_to_four_places_half_up() -> None:
    assert Recovery(due_fen=130_196, received_fen=87_712).rate == Decimal("0.6737")  # 0.673692…
    assert Recovery(due_fen=8, received_fen=5).rate == Decimal("0.6250")
    assert Recovery(due_fen=30_000, received_fen=29_999).rate == Decimal("1.0000")  # 0.99997 rounds up
    assert Recovery(due_fen=0, received_fen=0).rate is None  # nothing charged: no rate, not 100 %


def test_kinds_add_up_before_the_rate_is_taken() -> None:
    both = Recovery(due_fen=30_128, received_fen=21_000) + Recovery(due_fen=100_068, received_fen=66_712)
    assert both == Recovery(due_fen=130_196, received_fen=87_712)
    assert both.outstanding_fen == 42_484


def test_more_received_than_due_is_a_mistake() -> None:
    with pytest.raises(ValueError):
        Recovery(due_fen=100, received_fen=101)


def test_a_prepaid_accounts_arrears_are_its_latest_charges_first() -> None:
    recovery = prepaid_recovery(accounts=[
        (15_064, 2_000),  # in credit at the cut-off: every charge covered
        (15_064, -4_064),  # owes 40.64 of the month's charges
        (15_064, -25_064),  # owes more than the month's charges: none of the month's covered, the rest is older
        (0, -900),  # nothing charged in the month: old arrears count against their own months
    ])
    assert recovery == Recovery(due_fen=3 * 15_064, received_fen=15_064 + 11_000 + 0)


@given(charged=st.integers(0, 10**7), balance=st.integers(-(10**8), 10**8), paid=st.integers(0, 10**8))
def test_money_paid_before_the_cut_off_never_lowers_what_was_received(charged: int, balance: int, paid: int) -> None:
    before = prepaid_recovery(accounts=[(charged, balance)])
    after = prepaid_recovery(accounts=[(charged, balance + paid)])
    assert before.due_fen == after.due_fen == charged
    assert before.received_fen <= after.received_fen
    # In credit, everything was covered; owing at least the month's charges, nothing of them was.
    assert after.received_fen == charged or balance + paid < 0
    assert before.received_fen == 0 or -balance < charged
