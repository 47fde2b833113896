"""Postpaid bill rules: numbers, due dates, the late fee's base, and credit paying the oldest bill first."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.postpaid_bills import (
    InvalidReadingDay,
    OpenBill,
    allocate_credit,
    bill_no,
    check_reading_day,
    due_date,
    paid_off,
    unpaid_from,
)

DUE = date(2025, 2, 9)


def test_a_bill_is_numbered_by_its_month_and_account_and_due_some_days_after_issue() -> None:
    assert bill_no(reading_date=date(2025, 1, 25), account_no="3301000001") == "2025013301000001"
    assert due_date(issued_on=date(2025, 12, 25), due_days=15) == date(2026, 1, 9)


@pytest.mark.parametrize("day", [0, 29, 31])
def test_a_reading_day_must_exist_in_every_month(day: int) -> None:
    with pytest.raises(InvalidReadingDay):
        check_reading_day(day)


def test_credit_pays_the_oldest_bill_its_late_fee_first() -> None:
    bills = [
        OpenBill(bill_id=2, reading_date=date(2025, 2, 25), principal_due_fen=5_000, late_fee_due_fen=0),
        OpenBill(bill_id=1, reading_date=date(2025, 1, 25), principal_due_fen=3_000, late_fee_due_fen=120),
    ]

    allocations = allocate_credit(credit_fen=4_000, open_bills=bills)

    assert [(a.bill_id, a.late_fee_fen, a.principal_fen) for a in allocations] == [(1, 120, 3_000), (2, 0, 880)]


def test_no_credit_pays_nothing() -> None:
    bills = [OpenBill(bill_id=1, reading_date=DUE, principal_due_fen=3_000, late_fee_due_fen=0)]
    assert allocate_credit(credit_fen=-50, open_bills=bills) == []
    assert allocate_credit(credit_fen=0, open_bills=bills) == []


open_bills = st.lists(
    st.builds(OpenBill, bill_id=st.integers(1, 10_000), reading_date=st.dates(date(2024, 1, 1), date(2026, 12, 28)),
              principal_due_fen=st.integers(0, 100_000), late_fee_due_fen=st.integers(0, 5_000)),
    max_size=6, unique_by=lambda b: b.bill_id,
)


@given(credit=st.integers(-10_000, 400_000), bills=open_bills)
def test_credit_is_spent_oldest_first_never_beyond_what_is_owed_or_held(credit: int, bills: list[OpenBill]) -> None:
    allocations = allocate_credit(credit_fen=credit, open_bills=bills)

    by_id = {b.bill_id: b for b in bills}
    spent = sum(a.amount_fen for a in allocations)
    assert spent == min(max(credit, 0), sum(b.owed_fen for b in bills))
    for a in allocations:
        bill = by_id[a.bill_id]
        assert 0 <= a.late_fee_fen <= bill.late_fee_due_fen and 0 <= a.principal_fen <= bill.principal_due_fen
        assert a.principal_fen == 0 or a.late_fee_fen == bill.late_fee_due_fen  # the fee before the principal
    # Every bill older than one that got money is paid in full.
    order = sorted(bills, key=lambda b: (b.reading_date, b.bill_id))
    paid = {a.bill_id: a.amount_fen for a in allocations}
    touched = [i for i, b in enumerate(order) if paid.get(b.bill_id)]
    if touched:
        assert all(paid.get(b.bill_id, 0) == b.owed_fen for b in order[: touched[-1]])


def test_the_base_falls_the_day_after_each_payment() -> None:
    paid = [(date(2025, 2, 1), 1_000), (date(2025, 2, 14), 2_000), (date(2025, 2, 14), 500), (date(2025, 2, 20), 100)]

    schedule = unpaid_from(due=DUE, amount_fen=10_000, principal_paid=paid)

    assert schedule == [(date(2025, 2, 10), 9_000), (date(2025, 2, 15), 6_500), (date(2025, 2, 21), 6_400)]


@given(payments=st.lists(st.tuples(st.integers(-20, 60), st.integers(1, 500)), max_size=8))
def test_the_base_on_each_day_is_what_was_unpaid_at_its_start(payments: list[tuple[int, int]]) -> None:
    paid = [(DUE + timedelta(days=offset), fen) for offset, fen in payments]
    schedule = unpaid_from(due=DUE, amount_fen=10_000, principal_paid=paid)

    for offset in range(1, 70):
        day = DUE + timedelta(days=offset)
        base = [fen for start, fen in schedule if start <= day][-1]
        assert base == 10_000 - sum(fen for d, fen in paid if d < day)


def test_a_bill_is_paid_off_when_principal_and_every_late_fee_fen_are_paid_or_waived() -> None:
    assert paid_off(amount_fen=100, principal_paid_fen=100, late_fee_fen=50, late_fee_paid_fen=30,
                    late_fee_waived_fen=20)
    assert not paid_off(amount_fen=100, principal_paid_fen=100, late_fee_fen=50, late_fee_paid_fen=30,
                        late_fee_waived_fen=0)
    assert not paid_off(amount_fen=100, principal_paid_fen=99, late_fee_fen=0, late_fee_paid_fen=0,
                        late_fee_waived_fen=0)
