"""The freeze reads a gateway has open: the meters of its recent waves still unanswered, which hold its next wave
back (ADR 0043)."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gridpay.application.readings.claim_daily_reads import FreezeAsk
from gridpay.application.readings.outstanding_reads import ANSWER_WAIT, OutstandingReads

T0 = datetime(2025, 6, 16, 16, 10, tzinfo=UTC)


def a_wave(*addresses: str) -> list[FreezeAsk]:
    return [FreezeAsk(address=address, nth=1, energy=False) for address in addresses]


def test_a_waves_meters_are_in_flight_until_they_answer_or_it_is_a_minute_old() -> None:
    reads = OutstandingReads()
    reads.sent(a_wave("A", "B", "C"), new_wave=True, at=T0)
    reads.sent([FreezeAsk(address="A", nth=1, energy=True)])  # A's time stamp came: its energy asked after
    assert reads.in_flight(at=T0) == 3

    reads.answered("A", 1, energy=False)
    assert reads.in_flight(at=T0) == 3  # A still owes its energy
    reads.answered("A", 1, energy=True)
    reads.answered("B", 2, energy=False)  # not what was asked of B
    assert reads.in_flight(at=T0) == 2
    assert reads.refused("B") is not None  # B has no such freeze: answered all the same
    assert reads.in_flight(at=T0 + ANSWER_WAIT - timedelta(seconds=1)) == 1
    assert reads.in_flight(at=T0 + ANSWER_WAIT) == 0  # C is silent: it no longer holds the waves back


def test_a_meter_asked_again_in_a_new_wave_counts_once_for_the_new_wave() -> None:
    reads = OutstandingReads()
    reads.sent(a_wave("A", "B"), new_wave=True, at=T0)
    reads.sent(a_wave("B", "C"), new_wave=True, at=T0 + timedelta(seconds=30))
    assert reads.in_flight(at=T0 + timedelta(seconds=30)) == 3
    assert reads.in_flight(at=T0 + ANSWER_WAIT) == 2  # the first wave's A is gone; B and C are the second's
    reads.answered("B", 1, energy=False)
    assert reads.in_flight(at=T0 + ANSWER_WAIT) == 1


def test_a_wall_clock_set_back_does_not_hold_the_waves_back() -> None:
    reads = OutstandingReads()
    reads.sent(a_wave("A", "B"), new_wave=True, at=T0)
    assert reads.in_flight(at=T0 - timedelta(minutes=10)) == 0  # the clock went back: the wave is not waited for


EVENT = st.one_of(
    st.tuples(st.just("wave"), st.lists(st.sampled_from("ABCDEF"), min_size=1, max_size=6, unique=True)),
    st.tuples(st.just("answer"), st.sampled_from("ABCDEF")),
    st.tuples(st.just("refuse"), st.sampled_from("ABCDEF")),
    st.tuples(st.just("wait"), st.integers(1, 40)),
)


@given(st.lists(EVENT, max_size=40))
def test_in_flight_is_the_recent_waves_meters_with_a_read_open(events: list[tuple[str, object]]) -> None:
    """Counted again from scratch after every step: the meters whose last wave is under a minute old and who have
    answered no read of it."""
    reads, now = OutstandingReads(), T0
    last_wave: dict[str, datetime] = {}
    open_: set[str] = set()
    for kind, value in events:
        if kind == "wave":
            meters = list(value)  # type: ignore[call-overload]
            reads.sent(a_wave(*meters), new_wave=True, at=now)
            last_wave.update(dict.fromkeys(meters, now))
            open_.update(meters)
        elif kind == "answer":
            reads.answered(str(value), 1, energy=False)
            open_.discard(str(value))
        elif kind == "refuse":
            reads.refused(str(value))
            open_.discard(str(value))
        else:
            now += timedelta(seconds=int(value))  # type: ignore[call-overload]
        assert reads.in_flight(at=now) == sum(1 for m in open_ if now - last_wave[m] < ANSWER_WAIT)
