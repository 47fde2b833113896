"""Staff sign-in throttled (issue 20 point 7), the rule alone: five failures of a login name in fifteen minutes, or
thirty from one address, make the next attempt wait until the oldest that counts leaves the window."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.staff_sign_in import (
    MAX_FAILURES_PER_LOGIN,
    WINDOW,
    Failures,
    sign_in_wait,
)

NOW = datetime(2025, 3, 11, 2, 0, tzinfo=UTC)


def test_the_sixth_try_of_a_name_waits_until_the_first_failure_leaves_the_window() -> None:
    four = tuple(NOW - timedelta(minutes=m) for m in (10, 8, 6, 4))
    assert sign_in_wait(failures=Failures(of_login=four, from_address=four), now=NOW) is None
    five = (NOW - timedelta(minutes=12), *four)
    assert sign_in_wait(failures=Failures(of_login=five, from_address=()), now=NOW) == timedelta(minutes=3)
    assert sign_in_wait(failures=Failures(of_login=five, from_address=()), now=NOW + timedelta(minutes=3)) is None
    many_names = tuple(NOW - timedelta(seconds=s) for s in range(30))
    assert sign_in_wait(failures=Failures(of_login=(), from_address=many_names), now=NOW) is not None


@given(st.lists(st.integers(min_value=0, max_value=3_600), max_size=60))
def test_a_guesser_who_tries_whenever_allowed_gets_at_most_five_failures_in_any_window(offsets: list[int]) -> None:
    failed: list[datetime] = []
    for offset in sorted(offsets):
        at = NOW + timedelta(seconds=offset)
        if sign_in_wait(failures=Failures(of_login=tuple(failed), from_address=()), now=at) is None:
            failed.append(at)
    for first in failed:
        assert len([at for at in failed if first <= at < first + WINDOW]) <= MAX_FAILURES_PER_LOGIN
