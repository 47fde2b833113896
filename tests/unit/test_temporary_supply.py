"""Temporary supply's rules (临时用电): the term, the estimate, the prepayment before connection and the settling up."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.temporary_supply import (
    CONNECTION_ORDERED,
    PrepaymentShort,
    TemporaryFigures,
    TemporaryPurpose,
    TemporaryStage,
    TemporarySupplyInvalid,
    check_end_day,
    check_estimate,
    check_term,
    closing,
    months_later,
    parse_purpose,
    require_prepaid,
    shortfall_fen,
    stage_label,
)

TODAY = date(2025, 3, 3)
fen = st.integers(min_value=0, max_value=10**9)


def test_a_purpose_is_named_by_its_code_or_its_chinese_label() -> None:
    assert parse_purpose(text="construction") is TemporaryPurpose.CONSTRUCTION
    assert parse_purpose(text=" 集市 ") is TemporaryPurpose.FAIR
    with pytest.raises(TemporarySupplyInvalid, match="用电性质应为") as refused:
        parse_purpose(text="宾馆")
    assert refused.value.field == "purpose"


def test_the_term_begins_today_or_later_and_lasts_six_months_at_most() -> None:
    check_term(planned_start=TODAY, planned_end=TODAY, today=TODAY)  # a one-day fair
    check_term(planned_start=TODAY, planned_end=date(2025, 9, 3), today=TODAY)
    with pytest.raises(TemporarySupplyInvalid, match="六个月") as too_long:
        check_term(planned_start=TODAY, planned_end=date(2025, 9, 4), today=TODAY)
    assert "2025-09-03" in too_long.value.message
    with pytest.raises(TemporarySupplyInvalid, match="不能早于今天"):
        check_term(planned_start=date(2025, 3, 2), planned_end=date(2025, 3, 10), today=TODAY)
    with pytest.raises(TemporarySupplyInvalid, match="不能早于开始日期"):
        check_term(planned_start=date(2025, 3, 10), planned_end=date(2025, 3, 9), today=TODAY)


def test_six_months_after_the_end_of_a_month_is_the_end_of_a_shorter_month() -> None:
    assert months_later(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert months_later(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert months_later(date(2025, 12, 15), 6) == date(2026, 6, 15)


def test_the_estimate_is_a_positive_energy_in_hundredths_of_a_kwh() -> None:
    assert check_estimate(estimate_kwh=Decimal("1500")) == Decimal("1500.00")
    for wrong in ("0", "-5", "1.005", "NaN"):
        with pytest.raises(TemporarySupplyInvalid) as refused:
            check_estimate(estimate_kwh=Decimal(wrong))
        assert refused.value.field == "estimate_kwh"


def test_connection_is_refused_naming_the_shortfall_until_the_credit_covers_the_estimate() -> None:
    with pytest.raises(PrepaymentShort) as short:
        require_prepaid(account_no="330100001", estimate_fen=80_000, credit_fen=50_000)
    assert short.value.message == ("临时用电户 330100001 须预交预计电费 800.00 元后方可送电：现有余额 500.00 元，"
                                   "还差 300.00 元")
    assert short.value.params["short"] == "300.00"
    require_prepaid(account_no="330100001", estimate_fen=80_000, credit_fen=80_000)
    require_prepaid(account_no="330100001", estimate_fen=80_000, credit_fen=90_000)


def test_the_last_day_is_within_the_accounts_life_and_not_in_the_future() -> None:
    check_end_day(end_day=TODAY, registered_on=TODAY, today=TODAY)
    with pytest.raises(TemporarySupplyInvalid, match="不能晚于今天"):
        check_end_day(end_day=date(2025, 3, 4), registered_on=TODAY, today=TODAY)
    with pytest.raises(TemporarySupplyInvalid, match="不能早于登记日"):
        check_end_day(end_day=date(2025, 3, 2), registered_on=TODAY, today=date(2025, 3, 9))


@given(estimate=fen, credit=st.integers(min_value=-10**9, max_value=10**9))
def test_the_shortfall_is_what_the_credit_lacks_of_the_estimate(estimate: int, credit: int) -> None:
    short = shortfall_fen(estimate_fen=estimate, credit_fen=credit)
    assert short >= 0
    assert (short == 0) == (credit >= estimate)
    assert credit + short >= estimate


@given(balance=st.integers(min_value=-10**9, max_value=10**9))
def test_the_end_refunds_what_is_left_or_leaves_the_shortfall_owed_never_both(balance: int) -> None:
    ends = closing(balance_fen=balance)
    assert ends.refund_fen >= 0 and ends.owed_fen >= 0
    assert ends.refund_fen == 0 or ends.owed_fen == 0
    assert balance - ends.refund_fen == -ends.owed_fen


@given(estimate=fen, payments=st.lists(st.integers(min_value=1, max_value=10**6), max_size=10),
       days=st.lists(st.integers(min_value=0, max_value=10**5), max_size=30))
def test_paid_less_used_less_refunded_is_nothing_after_closing_or_what_is_owed(
    estimate: int, payments: list[int], days: list[int]
) -> None:
    paid, used = sum(payments), sum(days)
    ends = closing(balance_fen=paid - used)
    figures = TemporaryFigures(estimate_fen=estimate, paid_fen=paid, used_fen=used, refunded_fen=ends.refund_fen)
    assert figures.left_fen == -ends.owed_fen
    assert figures.owed_fen == ends.owed_fen
    assert figures.left_fen <= 0


def test_a_supply_is_said_to_be_on_only_once_the_meter_or_the_field_confirmed_it() -> None:
    assert stage_label(stage=TemporaryStage.CONNECTED, supply_connected=False) == CONNECTION_ORDERED
    assert stage_label(stage=TemporaryStage.CONNECTED, supply_connected=True) == "已送电"
    assert stage_label(stage=TemporaryStage.REGISTERED, supply_connected=False) == "待预交送电"
