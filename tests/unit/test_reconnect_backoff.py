"""The gateway's reconnect policy on a fake clock: exponential, jittered, capped, reset by a connection that held."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.interfaces.gateway.backoff import ReconnectBackoff


def test_attempts_that_fail_wait_twice_as_long_each_time_up_to_the_cap() -> None:
    backoff = ReconnectBackoff(initial_s=0.5, max_s=8, rng=random.Random(1))
    delays = [backoff.failed() for _ in range(8)]
    steps = [0.5, 1, 2, 4, 8, 8, 8, 8]
    assert all(step / 2 <= delay <= step for delay, step in zip(delays, steps, strict=True)), delays


@given(seed=st.integers(min_value=0, max_value=2**32), failures=st.integers(min_value=0, max_value=200))
def test_a_delay_is_never_below_half_its_step_nor_above_the_cap(seed: int, failures: int) -> None:
    backoff = ReconnectBackoff(initial_s=0.5, max_s=30, rng=random.Random(seed))
    for _ in range(failures):
        backoff.failed()
    delay = backoff.failed()
    assert min(30, 0.5 * 2**failures) / 2 <= delay <= 30


def test_gateways_that_lost_the_same_broker_do_not_all_come_back_at_the_same_instant() -> None:
    delays = set()
    for seed in range(20):
        backoff = ReconnectBackoff(initial_s=1, max_s=30, rng=random.Random(seed))
        for _ in range(3):
            backoff.failed()
        delays.add(round(backoff.failed(), 3))
    assert len(delays) > 15


def test_a_connection_that_held_resets_the_backoff_and_one_dropped_at_once_does_not() -> None:
    clock = 1000.0  # a monotonic clock, moved by hand
    backoff = ReconnectBackoff(initial_s=1, max_s=60, stable_s=30, rng=random.Random(7))
    for _ in range(4):
        backoff.failed()
    backoff.connected(at=clock)
    clock += 2  # the broker dropped us at once: it is not well yet
    assert 8 <= backoff.lost(at=clock) <= 16  # the fifth step, 16 s
    backoff.connected(at=clock)
    clock += 31  # held long enough
    assert 0.5 <= backoff.lost(at=clock) <= 1
    assert 1 <= backoff.failed() <= 2


def test_a_lost_connection_without_a_connect_before_counts_as_a_failure() -> None:
    backoff = ReconnectBackoff(initial_s=1, max_s=60, stable_s=0, rng=random.Random(3))
    assert 0.5 <= backoff.lost(at=5.0) <= 1
    assert 1 <= backoff.lost(at=6.0) <= 2


def test_a_policy_without_sense_is_refused() -> None:
    with pytest.raises(ValueError, match="重连退避"):
        ReconnectBackoff(initial_s=0)
    with pytest.raises(ValueError, match="重连退避"):
        ReconnectBackoff(initial_s=10, max_s=1)
