"""Writes of the meter command outbox: queueing with one live command per meter, and each step's event."""

import contextlib
import socket
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from django.db import connection, transaction

from gridpay.data.models import Meter, MeterCommand, MeterCommandEvent
from gridpay.data.models.meter_commands import LIVE
from gridpay.data.settings import gridpay_settings
from gridpay.domain.meter_commands import CommandAction, CommandStatus, expected_relay_open

WAKE_CHANNEL = "gridpay_meter_commands"  # PostgreSQL NOTIFY channel the gateway listens on


def queue_command(
    *, meter_id: int, account_id: int, action: CommandAction, reason: str, at: datetime, valid_until: datetime | None
) -> MeterCommand | None:
    """Queue ``action`` for the meter; must run inside the caller's transaction.

    The meter's row is locked first, so two requests for one meter take turns. With a command
    already live, the new one waits as *held* behind it (never overtaking it), except that a
    reconnect simply cancels a disconnect waiting in the queue (and is itself needed only if the relay
    is open or may be). Returns the command that will carry the action, or None when nothing needs sending.
    """
    meter = Meter.objects.select_for_update().get(id=meter_id)
    live = MeterCommand.objects.select_for_update().filter(meter_id=meter_id, status__in=LIVE).first()
    held = MeterCommand.objects.select_for_update().filter(meter_id=meter_id, status=CommandStatus.HELD).first()
    wanted_open = expected_relay_open(action)
    if wanted_open is not None:
        meter.relay_open_desired = wanted_open
        meter.save(update_fields=["relay_open_desired"])
    if held is not None:
        if held.action == action:
            return held
        finish(held, status=CommandStatus.CANCELLED, at=at, event="superseded", detail=f"被{action}取代")
    if live is not None:
        if live.action == action:
            return live
        waiting = live.status == CommandStatus.QUEUED and live.action == CommandAction.DISCONNECT
        if waiting and action == CommandAction.RECONNECT:
            finish(live, status=CommandStatus.CANCELLED, at=at, event="cancelled", detail=reason)
            # An earlier frame of it may have tripped the relay though no answer said so (timed out, or its
            # PUBACK lost with the connection): then the reconnect goes out all the same.
            may_have_tripped = live.attempts > 0 or live.may_have_reached_meter
            if not meter.relay_open_reported and not may_have_tripped:
                return None
            live = None
    elif wanted_open is not None and meter.relay_open_reported is not None and meter.relay_open_reported == wanted_open:
        return None  # the relay already is where this command would put it
    command = MeterCommand.objects.create(
        meter_id=meter_id,
        account_id=account_id,
        action=action.value,
        status=(CommandStatus.QUEUED if live is None else CommandStatus.HELD).value,
        reason=reason,
        created_at=at,
        next_attempt_at=at,
        valid_until=valid_until,
    )
    add_event(command.id, at=at, event=command.status, detail=reason)
    wake_gateway()
    return command


def finish(command: MeterCommand, *, status: CommandStatus, at: datetime, event: str, detail: str = "") -> None:
    command.status = status.value
    command.finished_at = at
    command.last_error = detail[:200] if status != CommandStatus.CONFIRMED else ""
    command.save(update_fields=["status", "finished_at", "last_error"])
    add_event(command.id, at=at, event=event, detail=detail)
    promote_held(meter_id=command.meter_id, at=at)


def promote_held(*, meter_id: int, at: datetime) -> None:
    """The meter's held command becomes queued once nothing else is live on the meter."""
    if MeterCommand.objects.filter(meter_id=meter_id, status__in=LIVE).exists():
        return
    held = MeterCommand.objects.filter(meter_id=meter_id, status=CommandStatus.HELD).first()
    if held is not None:
        held.status = CommandStatus.QUEUED.value
        held.next_attempt_at = at
        held.save(update_fields=["status", "next_attempt_at"])
        add_event(held.id, at=at, event=CommandStatus.QUEUED.value, detail="前一命令已结束")
        wake_gateway()


def add_event(command_id: int, *, at: datetime, event: str, detail: str = "") -> None:
    MeterCommandEvent.objects.create(command_id=command_id, at=at, event=event, detail=detail[:200])


def add_events(rows: Iterable[tuple[int, datetime, str, str]]) -> None:
    MeterCommandEvent.objects.bulk_create(
        [MeterCommandEvent(command_id=c, at=at, event=e, detail=d[:200]) for c, at, e, d in rows], batch_size=5000
    )


def wake_gateway() -> None:
    """Tell a gateway waiting for work that a command is queued, once the transaction commits."""
    if connection.vendor == "postgresql":
        # NOTIFY is delivered at commit and dropped on rollback: exactly the semantics wanted.
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {WAKE_CHANNEL}")
    else:
        transaction.on_commit(_wake_in_process_and_over_udp)


class Waiter(Protocol):
    def set(self) -> None: ...


_waiters: list[Waiter] = []


def _wake_in_process_and_over_udp() -> None:
    for waiter in list(_waiters):
        waiter.set()
    # A gateway in another process (SQLite has no NOTIFY): one datagram on loopback, fire and forget.
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as wake:
        wake.sendto(b"wake", ("127.0.0.1", wake_port()))


def wake_port() -> int:
    return gridpay_settings().gateway_wake_port


def on_wake(waiter: Waiter) -> None:
    """Have ``waiter.set()`` called whenever a command is queued in this process (SQLite has no NOTIFY)."""
    _waiters.append(waiter)


def stop_waking(waiter: Waiter) -> None:
    if waiter in _waiters:
        _waiters.remove(waiter)
