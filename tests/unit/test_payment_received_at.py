"""When a payment was received, as a caller of the API says it (issue 19 point 3): no earlier than the window unless
the caller may say so, no later than now beyond the clocks' skew, and an instant that has a UTC time at all."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.payments import InvalidPayment, received_at_in_window

NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
SKEW = timedelta(minutes=5)


def check(received_at: datetime, *, days: int = 7, earlier_allowed: bool = False) -> datetime:
    return received_at_in_window(received_at=received_at, now=NOW, earliest_days=days, future_skew=SKEW,
                                 earlier_allowed=earlier_allowed)


def refusal(received_at: datetime, **options: object) -> InvalidPayment:
    with pytest.raises(InvalidPayment) as refused:
        check(received_at, **options)  # type: ignore[arg-type]
    assert refused.value.field == "received_at"
    return refused.value


def test_the_window_reaches_back_seven_days_to_the_second() -> None:
    assert check(NOW - timedelta(days=7)) == NOW - timedelta(days=7)
    assert "早于 7 天前" in refusal(NOW - timedelta(days=7, seconds=1)).message
    assert "班长或所长" in refusal(NOW - timedelta(days=365 * 30)).message


def test_the_window_is_the_utilitys_and_a_supervisor_may_reach_before_it() -> None:
    assert check(NOW - timedelta(days=30), days=30) == NOW - timedelta(days=30)
    refusal(NOW - timedelta(days=1, seconds=1), days=1)
    refusal(NOW - timedelta(seconds=1), days=0)
    assert check(NOW - timedelta(days=365 * 30), earlier_allowed=True) == NOW - timedelta(days=365 * 30)


def test_the_future_is_refused_beyond_the_skew_whoever_asks() -> None:
    assert check(NOW + SKEW) == NOW + SKEW
    assert "晚于当前时间" in refusal(NOW + SKEW + timedelta(seconds=1), earlier_allowed=True).message


def test_an_instant_with_no_utc_time_or_no_zone_is_refused_not_a_crash() -> None:
    assert refusal(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), earlier_allowed=True).message == \
        "收款时间超出范围"
    assert refusal(datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-12)))).message == "收款时间超出范围"
    assert refusal(datetime(2025, 3, 10, 9, 0)).message == "收款时间必须带时区"  # noqa: DTZ001


@given(offset_s=st.integers(min_value=-40 * 86_400, max_value=40 * 86_400), days=st.integers(0, 30),
       zone_h=st.integers(-12, 14), earlier_allowed=st.booleans())
def test_accepted_exactly_inside_the_window_and_returned_in_utc(offset_s: int, days: int, zone_h: int,
                                                               earlier_allowed: bool) -> None:
    at = (NOW + timedelta(seconds=offset_s)).astimezone(timezone(timedelta(hours=zone_h)))
    inside = (earlier_allowed or at >= NOW - timedelta(days=days)) and at <= NOW + SKEW
    try:
        got = check(at, days=days, earlier_allowed=earlier_allowed)
    except InvalidPayment:
        assert not inside
    else:
        assert inside and got == at and got.tzinfo is UTC
