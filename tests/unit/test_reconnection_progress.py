"""What a cashier and a customer are told after a payment: the shortfall before reconnection, by the rule the payment
applies, and the stage a reconnection under way has reached."""

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.meter_commands import CommandStatus
from gridpay.domain.reconnection_progress import OpenReconnection, ReconnectStage, reconnect_stage
from gridpay.domain.supply_policy import SupplyPolicy, SupplyState, reconnect_due, reconnect_shortfall_fen

fen = st.integers(-10_000_000, 10_000_000)


@given(available=fen, level=st.integers(0, 100_000), payment=st.integers(1, 10_000_000))
def test_paying_the_shortfall_is_exactly_what_reconnects(available: int, level: int, payment: int) -> None:
    policy = replace(SupplyPolicy(), reconnect_level_fen=level)
    shortfall = reconnect_shortfall_fen(policy=policy, available_balance_fen=available)
    assert shortfall >= 0
    assert (shortfall == 0) is reconnect_due(policy=policy, available_balance_fen=available,
                                             supply_state=SupplyState.DISCONNECTED)
    after = available + payment
    assert reconnect_due(policy=policy, available_balance_fen=after, supply_state=SupplyState.DISCONNECTED) is (
        payment >= shortfall), "a payment of the shortfall reconnects, one fen less does not"


def test_the_example_of_the_issue() -> None:
    assert reconnect_shortfall_fen(policy=SupplyPolicy(), available_balance_fen=-8_419) == 8_419


def stage(status: CommandStatus, *, permitted: bool = False, field_work: bool = False) -> ReconnectStage:
    return reconnect_stage(reconnection=OpenReconnection(status, close_permitted=permitted, field_work=field_work),
                           restored_lately=False, shortfall_fen=None)


def test_a_reconnection_under_way_goes_queued_sent_then_waits_for_the_press_or_the_field() -> None:
    assert [stage(s) for s in (CommandStatus.HELD, CommandStatus.QUEUED, CommandStatus.SENDING)] == [
        ReconnectStage.QUEUED] * 3
    assert [stage(s) for s in (CommandStatus.SENT, CommandStatus.ACKNOWLEDGED)] == [ReconnectStage.SENT] * 2
    assert stage(CommandStatus.CONFIRMED, permitted=True) == ReconnectStage.CLOSE_PERMITTED
    assert stage(CommandStatus.ESCALATED) == ReconnectStage.FIELD
    assert stage(CommandStatus.SENT, field_work=True) == ReconnectStage.FIELD, "late: a work order is open"
    assert all(s.moving for s in (ReconnectStage.QUEUED, ReconnectStage.SENT, ReconnectStage.CLOSE_PERMITTED))
    assert not any(s.moving for s in (ReconnectStage.OWED, ReconnectStage.RESTORED, ReconnectStage.FIELD))


def test_without_a_reconnection_under_way_the_shortfall_or_a_recent_restoration_is_told() -> None:
    assert reconnect_stage(reconnection=None, restored_lately=True, shortfall_fen=None) == ReconnectStage.RESTORED
    assert reconnect_stage(reconnection=None, restored_lately=False, shortfall_fen=8_419) == ReconnectStage.OWED
    assert reconnect_stage(reconnection=None, restored_lately=False, shortfall_fen=0) == ReconnectStage.NONE
    assert reconnect_stage(reconnection=None, restored_lately=False, shortfall_fen=None) == ReconnectStage.NONE
    cancelled = OpenReconnection(CommandStatus.CANCELLED, close_permitted=False, field_work=False)
    assert reconnect_stage(reconnection=cancelled, restored_lately=False, shortfall_fen=500) == ReconnectStage.OWED
