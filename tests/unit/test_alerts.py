"""Balance alerts fire once per crossing and re-arm after a top-up; unusual usage against the own baseline."""

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.alerts import (
    AlertKind,
    after_payment,
    after_settlement,
    conditions,
    is_unusual_usage,
    may_be_unusual_usage,
)
from gridpay.domain.supply_policy import AlertLevels, UnusualUsageRule

LEVELS = AlertLevels()  # 50 yuan, 20 yuan, 3 days


def test_a_falling_balance_sends_each_alert_once_and_a_top_up_rearms_them() -> None:
    fired: frozenset[AlertKind] = frozenset()
    sent = []
    for balance, days_left, event in [
        (6_000, 12, "settle"),
        (4_500, 9, "settle"),  # below 50 yuan
        (4_000, 8, "settle"),  # still below: nothing new
        (1_500, 3, "settle"),  # below 20 yuan and 3 days at once: the more severe is sent
        (-200, 0, "settle"),  # arrears
        (-300, 0, "settle"),
        (10_000, 20, "pay"),
        (4_800, 9, "settle"),  # below 50 yuan again after the top-up
    ]:
        if event == "pay":
            fired = after_payment(levels=LEVELS, fired=fired, available_balance_fen=balance, days_left=days_left)
            continue
        update = after_settlement(levels=LEVELS, fired=fired, available_balance_fen=balance, days_left=days_left)
        fired = update.fired
        sent.append(update.send)

    assert sent == [
        None,
        AlertKind.LOW_BALANCE_FIRST,
        None,
        AlertKind.LOW_BALANCE_SECOND,
        AlertKind.ARREARS,
        None,
        AlertKind.LOW_BALANCE_FIRST,
    ]


def test_a_partial_payment_keeps_the_arrears_alert_fired() -> None:
    fired = frozenset({AlertKind.ARREARS, AlertKind.LOW_BALANCE_SECOND, AlertKind.LOW_BALANCE_FIRST})
    assert after_payment(levels=LEVELS, fired=fired, available_balance_fen=-10, days_left=0) == fired
    assert after_payment(levels=LEVELS, fired=fired, available_balance_fen=3_000, days_left=None) == {
        AlertKind.LOW_BALANCE_FIRST
    }


events = st.lists(
    st.tuples(
        st.sampled_from(["settle", "pay"]),
        st.integers(min_value=-20_000, max_value=20_000),
        st.none() | st.integers(min_value=0, max_value=30),
    ),
    max_size=40,
)


@given(events=events)
def test_between_two_top_ups_an_alert_is_sent_at_most_once_and_only_while_it_holds(
    events: list[tuple[str, int, int | None]],
) -> None:
    fired: frozenset[AlertKind] = frozenset()
    sent_since_payment: list[AlertKind] = []
    for event, balance, days_left in events:
        if event == "pay":
            fired = after_payment(levels=LEVELS, fired=fired, available_balance_fen=balance, days_left=days_left)
            sent_since_payment = [kind for kind in sent_since_payment if kind in fired]
            continue
        update = after_settlement(levels=LEVELS, fired=fired, available_balance_fen=balance, days_left=days_left)
        if update.send is not None:
            assert update.send not in sent_since_payment
            assert update.send in conditions(levels=LEVELS, available_balance_fen=balance, days_left=days_left)
            sent_since_payment.append(update.send)
        fired = update.fired


RULE = UnusualUsageRule()  # 3 × the median of up to 30 days, and at least 5 kWh above it


def test_unusual_usage_is_far_above_the_accounts_own_baseline() -> None:
    month = [D("8.00")] * 20
    assert is_unusual_usage(rule=RULE, history_kwh=month, day_kwh=D("30.00"))
    assert not is_unusual_usage(rule=RULE, history_kwh=month, day_kwh=D("20.00")), "2.5 × is not far enough"
    small = [D("1.00")] * 20
    assert not is_unusual_usage(rule=RULE, history_kwh=small, day_kwh=D("5.00")), "5 × of little is little"
    assert not is_unusual_usage(rule=RULE, history_kwh=month[:6], day_kwh=D("90.00")), "too little history"


@given(
    history=st.lists(st.integers(min_value=0, max_value=5_000), max_size=40),
    day=st.integers(min_value=0, max_value=20_000),
    factor=st.sampled_from([D(2), D(3), D("2.5")]),
    excess=st.sampled_from([D(0), D(5), D("0.01")]),
)
def test_a_day_ruled_out_on_hundredths_is_never_unusual(history: list[int], day: int, factor: D, excess: D) -> None:
    rule = UnusualUsageRule(baseline_days=30, min_history_days=7, factor=factor, min_excess_kwh=excess)
    unusual = is_unusual_usage(rule=rule, history_kwh=[D(c).scaleb(-2) for c in history], day_kwh=D(day).scaleb(-2))
    assert not unusual or may_be_unusual_usage(rule=rule, history_ckwh=history, day_ckwh=day)
