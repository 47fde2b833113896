"""The command lifecycle's pure rules: retries with growing backoff then escalation, frame expiry, read-back."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.meter_commands import (
    CommandAction,
    CommandPolicy,
    CommandPolicyInvalid,
    Escalate,
    ReadBack,
    Retry,
    after_failure,
    frame_expiry,
    read_back,
)
from gridpay.domain.supply_policy import SupplyPolicy, sms_allowed_at

AT = datetime(2025, 3, 11, 2, 0, tzinfo=UTC)


def test_failures_are_retried_after_growing_backoffs_then_escalated() -> None:
    policy = CommandPolicy(max_attempts=4, backoff_s=(60, 300))
    assert after_failure(policy=policy, attempts=1, at=AT) == Retry(at=AT + timedelta(seconds=60))
    assert after_failure(policy=policy, attempts=2, at=AT) == Retry(at=AT + timedelta(seconds=300))
    assert after_failure(policy=policy, attempts=3, at=AT) == Retry(at=AT + timedelta(seconds=300))
    assert after_failure(policy=policy, attempts=4, at=AT) == Escalate()


@given(attempts=st.integers(min_value=1, max_value=20), max_attempts=st.integers(min_value=1, max_value=10))
def test_a_command_escalates_exactly_when_its_attempts_are_used_up(attempts: int, max_attempts: int) -> None:
    outcome = after_failure(policy=CommandPolicy(max_attempts=max_attempts), attempts=attempts, at=AT)
    assert isinstance(outcome, Escalate) == (attempts >= max_attempts)
    if isinstance(outcome, Retry):
        assert outcome.at > AT


def test_the_frame_expiry_is_soon_and_never_past_the_commands_own_deadline() -> None:
    policy = CommandPolicy(frame_validity_s=600)
    assert frame_expiry(policy=policy, sent_at=AT, valid_until=None) == AT + timedelta(minutes=10)
    assert frame_expiry(policy=policy, sent_at=AT, valid_until=AT + timedelta(minutes=3)) == AT + timedelta(minutes=3)


def test_a_read_back_agrees_only_with_the_relay_state_the_command_wanted() -> None:
    def judged(action: CommandAction, relay_open: bool, command_open: bool | None = None, direct: bool = True) -> str:
        return read_back(action=action, relay_open=relay_open, command_open=command_open, direct_close=direct)

    assert judged(CommandAction.DISCONNECT, True) == ReadBack.DONE
    assert judged(CommandAction.DISCONNECT, False) == ReadBack.DISAGREES
    assert judged(CommandAction.RECONNECT, False) == ReadBack.DONE
    assert judged(CommandAction.PROTECT, True) == ReadBack.DONE


def test_a_close_permitted_is_all_a_1b_meter_can_do_and_only_a_1b_meter() -> None:
    # 1B taken: the command state reads "close", the relay still open until the customer presses.
    assert read_back(action=CommandAction.RECONNECT, relay_open=True, command_open=False,
                     direct_close=False) == ReadBack.CLOSE_PERMITTED
    # A meter that takes 1C closes at once: its relay open is a failure, whatever the command state.
    assert read_back(action=CommandAction.RECONNECT, relay_open=True, command_open=False,
                     direct_close=True) == ReadBack.DISAGREES
    # The command state still "trip", or not reported: 1B was not taken.
    for command_open in (True, None):
        assert read_back(action=CommandAction.RECONNECT, relay_open=True, command_open=command_open,
                         direct_close=False) == ReadBack.DISAGREES
    assert read_back(action=CommandAction.RECONNECT, relay_open=False, command_open=True,
                     direct_close=False) == ReadBack.DONE


def test_a_policy_without_sense_is_refused() -> None:
    with pytest.raises(CommandPolicyInvalid):
        CommandPolicy(max_attempts=0)
    with pytest.raises(CommandPolicyInvalid):
        CommandPolicy(answer_timeout_s=900, frame_validity_s=600)
    with pytest.raises(CommandPolicyInvalid):
        CommandPolicy(send_lease_s=0)
    with pytest.raises(CommandPolicyInvalid):
        CommandPolicy(send_lease_s=600, frame_validity_s=600)  # a frame must outlive the claim that carries it


@given(minutes=st.integers(min_value=0, max_value=3 * 24 * 60))
def test_sms_wait_for_the_end_of_the_quiet_hours_and_no_longer(minutes: int) -> None:
    policy = SupplyPolicy()
    at = AT + timedelta(minutes=minutes)
    allowed = sms_allowed_at(policy=policy, at=at)
    assert allowed >= at
    assert policy.quiet_hours.allows(policy.local(allowed).time())
    assert allowed == at or policy.local(allowed).time() == policy.quiet_hours.sms_from
    assert allowed - at < timedelta(hours=12)
