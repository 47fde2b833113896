"""What follows a meter command's end: supply state, SMS and call tasks on success; retry or work order on failure."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gridpay.application.postpaid.complete_remote_reconnection import complete_remote_reconnection
from gridpay.application.supply.call_tasks import open_call_task
from gridpay.application.supply.sms_outbox import queue_sms
from gridpay.data import meter_command_store
from gridpay.data.meter_command_store import AnsweringMeter
from gridpay.data.models import Account, Meter, MeterCommand, ReconnectCase, WorkOrder
from gridpay.data.models.field_work import CallReason, WorkOrderKind
from gridpay.data.queries.supply import AccountContacts, account_contacts
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.command_queue import End, Finish
from gridpay.domain.meter_commands import (
    CommandAction,
    CommandPolicy,
    CommandStatus,
    Escalate,
    Failure,
    after_failure,
    expected_relay_open,
)
from gridpay.domain.meter_models import RelayKind
from gridpay.domain.money import format_yuan
from gridpay.domain.supply_policy import SupplyState

FAILURE_TEXT = {
    Failure.DENIED: "表计拒绝", Failure.TIMED_OUT: "表计无应答", Failure.READ_BACK_DISAGREES: "回读状态不符"
}


def confirm(command: MeterCommand, *, at: datetime) -> bool:
    """The read-back agrees: the command took effect, and the meter says so.

    Returns True when the meter's held command is queued now (here and in the other ends below: the caller wakes
    the gateway once for all of them)."""
    queued = meter_command_store.finish(command, Finish(End.CONFIRMED), at=at)
    action = CommandAction(command.action)
    if action == CommandAction.DISCONNECT:
        _supply_cut(command, at=at)
    elif action == CommandAction.RECONNECT:
        supply_restored(command.account_id, key=f"reconnected:{command.id}", at=at)
    return queued


def close_permitted(command: MeterCommand, *, relay: RelayKind, at: datetime) -> bool:
    """1B taken by a meter without 1C: the command has done all it can; the customer closes the relay.

    The reconnection case is counted "close permitted" now and "restored" when a later read finds the relay
    closed; the customer is told how to close it, and the grid staff get a task to help.
    """
    queued = meter_command_store.finish(command, Finish(End.CLOSE_PERMITTED, "表计已允许合闸，待用户合闸"), at=at)
    ReconnectCase.objects.filter(account_id=command.account_id, confirmed_at__isnull=True).update(
        close_permitted_at=at, relay_polled_at=at
    )
    kind = "close_permitted_breaker" if relay == RelayKind.EXTERNAL else "close_permitted_button"
    contacts = _tell_customer(command.account_id, key=f"close_permitted:{command.id}", kind=kind, at=at)
    open_call_task(account_id=command.account_id, grid_staff_id=contacts.grid_staff_id,
                   reason=CallReason.CLOSE_PERMITTED, due_on=load_policy().local(at).date(), at=at)
    return queued


def supply_restored(account_id: int, *, key: str, at: datetime) -> None:
    """The relay reads closed after a reconnection: supply is back, the customer is told, the case is done."""
    Account.objects.filter(id=account_id).update(supply_state=SupplyState.CONNECTED.value)
    _tell_customer(account_id, key=key, kind="reconnected", at=at)
    ReconnectCase.objects.filter(account_id=account_id, confirmed_at__isnull=True).update(confirmed_at=at)
    complete_remote_reconnection(account_id=account_id, at=at)


def _supply_cut(command: MeterCommand, *, at: datetime) -> None:
    Account.objects.filter(id=command.account_id).update(supply_state=SupplyState.DISCONNECTED.value)
    contacts = _tell_customer(command.account_id, key=f"disconnected:{command.id}", kind="disconnected", at=at)
    # 三通电话 (RULES §8, seed 000 「自动停电执行后当天」): the grid staff call the day the disconnection is executed.
    open_call_task(account_id=command.account_id, grid_staff_id=contacts.grid_staff_id,
                   reason=CallReason.AFTER_DISCONNECTION, due_on=load_policy().local(at).date(), at=at)


def _tell_customer(account_id: int, *, key: str, kind: str, at: datetime) -> AccountContacts:
    contacts = account_contacts(account_id=account_id)
    queue_sms(
        key=key, phones=contacts.phones, kind=kind,
        params={"account_no": contacts.account_no, "available_yuan": format_yuan(contacts.balance_fen)},
        account_id=account_id, policy=load_policy(), at=at,
    )
    return contacts


def fail(command: MeterCommand, *, failure: Failure, detail: str, at: datetime, policy: CommandPolicy) -> bool:
    """An attempt failed: try again after a backoff, or after the last attempt hand it to the field (then True when
    the meter's held command is queued now)."""
    meter_command_store.add_event(command.id, at=at, event=failure.value, detail=detail)
    outcome = after_failure(policy=policy, attempts=command.attempts, at=at)
    if not isinstance(outcome, Escalate):
        command.status = CommandStatus.QUEUED.value
        command.next_attempt_at = outcome.at
        command.last_error = f"{failure.value}: {detail}"[:200]
        command.save(update_fields=["status", "next_attempt_at", "last_error"])
        meter_command_store.add_event(command.id, at=at, event="retry", detail=f"{outcome.at.isoformat()} 重试")
        return False
    queued = meter_command_store.finish(command, Finish(End.ESCALATED, f"{failure.value}: {detail}"), at=at)
    if expected_relay_open(CommandAction(command.action)) is not None:
        # Handed to the field, its outcome unknown: the relay may be open or closed until a read-back tells, so a
        # payment meanwhile sends a reconnect (issue 20), not nothing on an account still marked connected.
        meter_command_store.relay_unknown([command.meter_id], at=at)
    disconnect = command.action == CommandAction.DISCONNECT
    detail = f"{command.attempts} 次远程{'停电' if disconnect else '复电'}未成功（{FAILURE_TEXT[failure]}）"
    case = ReconnectCase.objects.filter(account_id=command.account_id, confirmed_at__isnull=True).first()
    if not disconnect and case is not None:
        alarm_reconnect_case(case, detail=detail, at=at)
        return queued
    kind = WorkOrderKind.DISCONNECT_FAILED if disconnect else WorkOrderKind.RECONNECT_FAILED
    WorkOrder.objects.get_or_create(
        key=f"command:{command.id}",
        defaults={"kind": kind, "account_id": command.account_id, "command": command, "opened_at": at,
                  "detail": detail},
    )
    if disconnect:
        _tell_grid_staff(command.account_id, key=f"escalated:{command.id}", kind="disconnect_failed_staff", at=at)
    return queued


def alarm_reconnect_case(case: ReconnectCase, *, detail: str, at: datetime) -> None:
    """快速复电管控: a reconnection late or failed gets one field work order and one SMS to the grid
    staff per case, whether the alarm in the sweep or the last failed attempt comes first."""
    WorkOrder.objects.get_or_create(
        key=f"reconnect_case:{case.id}",
        defaults={"kind": WorkOrderKind.RECONNECT_FAILED, "account_id": case.account_id,
                  "command_id": case.command_id, "opened_at": at, "detail": detail},
    )
    hours = (at - case.opened_at).total_seconds() / 3600
    _tell_grid_staff(case.account_id, key=f"reconnect_late:{case.id}", kind="reconnect_overdue_staff", at=at,
                     hours=f"{hours:.1f}")


def alarm_close_not_taken(case: ReconnectCase, *, hours: float, at: datetime) -> None:
    """Close permitted, and the customer has not closed the relay by the 24-hour commitment: someone goes."""
    WorkOrder.objects.get_or_create(
        key=f"reconnect_case:{case.id}",
        defaults={"kind": WorkOrderKind.RECONNECT_FAILED, "account_id": case.account_id,
                  "command_id": case.command_id, "opened_at": at,
                  "detail": f"已允许合闸 {hours:.1f} 小时，用户仍未合闸"},
    )
    _tell_grid_staff(case.account_id, key=f"close_not_taken:{case.id}", kind="close_not_taken_staff", at=at,
                     hours=f"{hours:.1f}")


def _tell_grid_staff(account_id: int, *, key: str, kind: str, at: datetime, **extra: str) -> None:
    contacts = account_contacts(account_id=account_id)
    if contacts.grid_staff_phone:
        params = {"account_no": contacts.account_no, "customer_name": contacts.customer_name, **extra}
        queue_sms(key=key, phones=[contacts.grid_staff_phone], kind=kind, params=params, account_id=account_id,
                  policy=load_policy(), at=at)


@dataclass(frozen=True)
class ReportedRelay:
    """A meter's word on its relay, and its account's supply state as the caller read it under its lock (None: not
    read; then it is written whatever it was)."""

    meter: AnsweringMeter
    relay_open: bool
    supply_state: str | None = None


def adopt_reported_state(
    meter: AnsweringMeter, *, relay_open: bool, at: datetime, supply_state: str | None = None
) -> bool:
    """The meter's word is the truth: store it; returns True when it differs from what gridpay wanted (drift).
    ``supply_state``: the account's as the caller read it under its lock, if it did (left alone when it agrees)."""
    return adopt_reported_states([ReportedRelay(meter, relay_open, supply_state)], at=at)[0]


def adopt_reported_states(reported: Sequence[ReportedRelay], *, at: datetime) -> list[bool]:
    """adopt_reported_state for the meters of several accounts at once (one meter per account: an account's supply
    state follows its meter's relay), in one statement per relay state; one drift flag per meter, in order."""
    if len({r.meter.account_id for r in reported}) != len(reported):
        raise ValueError("one meter per account in a batch")
    for relay_open in (True, False):
        meters = [r.meter for r in reported if r.relay_open == relay_open]
        if meters:
            Meter.objects.filter(id__in=[m.id for m in meters]).update(relay_open_reported=relay_open,
                                                                      relay_reported_at=at, relay_unknown_since=None)
    for state in (SupplyState.DISCONNECTED, SupplyState.CONNECTED):
        accounts = [r.meter.account_id for r in reported
                    if _supply_state(r.relay_open) == state and r.supply_state != state.value]
        if accounts:
            Account.objects.filter(id__in=accounts).update(supply_state=state.value)
    return [r.relay_open != r.meter.relay_open_desired for r in reported]


def _supply_state(relay_open: bool) -> SupplyState:
    return SupplyState.DISCONNECTED if relay_open else SupplyState.CONNECTED
