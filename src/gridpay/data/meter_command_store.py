"""The one writer of the meter command outbox: requests queued by the domain's rules (one, or a batch), each end of a
command and the held command's turn after it, and every step's event.

Nothing here wakes the gateway: each write says whether a command became queued, and the use case that made it
rings (integrations.headend.wake) inside its transaction, delivered at commit.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q

from gridpay.data import row_insert
from gridpay.data.bulk import among, insert_rows, on_postgresql
from gridpay.data.models import Meter, MeterCommand, MeterCommandEvent
from gridpay.data.models.meter_commands import LIVE, UNDER_WAY
from gridpay.domain.command_queue import (
    PROMOTED_DETAIL,
    Finish,
    MeterQueue,
    Pending,
    Slot,
    held_takes_its_turn,
    request_action,
)
from gridpay.domain.meter_commands import CommandAction, CommandStatus

_changes = 0  # see changes()


def changes() -> int:
    """How many times this process asked for commands (queue_commands) or began tracking a reconnection
    (reconnect_cases): the writes from outside the head-end's own work that can bring that work due sooner than it
    last read (sweep_meter_commands.next_due). Counted in this process alone, whether or not their transaction
    committed: for a caller that is the one writer in its process (the demo town) to know that a read still holds."""
    return _changes


def note_change() -> None:
    global _changes  # noqa: PLW0603 (a process-wide count, by design)
    _changes += 1


@dataclass(frozen=True)
class CommandRequest:
    """A command asked for one meter."""

    meter_id: int
    account_id: int
    action: CommandAction
    reason: str
    valid_until: datetime | None = None  # past it the command is no use, and expires unsent


class Queued:
    """What a request came to: the command carrying it (None: nothing needs sending), and whether a command became
    queued by it (the gateway is to be woken).

    A command written in bulk is made a model instance only when asked for: a disconnection run asks for none of its
    hundred thousand, and making them cost as much as writing them."""

    __slots__ = ("_command", "_row", "queued")

    def __init__(self, *, command: MeterCommand | None, queued: bool, row: list[Any] | None = None) -> None:
        self._command = command
        self._row = row  # the stored command's values, in the model's field order
        self.queued = queued

    @property
    def command(self) -> MeterCommand | None:
        if self._command is None and self._row is not None:
            self._command = _stored_command(self._row)
        return self._command

    def __repr__(self) -> str:
        return f"Queued(command={self.command!r}, queued={self.queued})"


def queue_command(
    *, meter_id: int, account_id: int, action: CommandAction, reason: str, at: datetime, valid_until: datetime | None
) -> Queued:
    """Queue ``action`` for the meter by the domain's rules (command_queue.request_action); inside the caller's
    transaction."""
    request = CommandRequest(meter_id=meter_id, account_id=account_id, action=action, reason=reason,
                             valid_until=valid_until)
    return queue_commands(requests=[request], at=at)[0]


def queue_commands(*, requests: Sequence[CommandRequest], at: datetime) -> list[Queued]:
    """Queue each request by the domain's rules, one request per meter, in bulk; inside the caller's transaction.

    The meters' rows are locked first (in id order), then their commands under way, so two requests for one meter
    take turns, and a payment and a disconnection run lock in the same order. Returns one Queued per request.
    """
    note_change()
    meter_ids = [r.meter_id for r in requests]
    if len(set(meter_ids)) != len(meter_ids):
        raise ValueError("one request per meter in a batch")
    relays = {
        meter_id: (reported, unknown_since is not None)
        for meter_id, reported, unknown_since in Meter.objects.select_for_update().filter(among("id", meter_ids))
        .order_by("id").values_list("id", "relay_open_reported", "relay_unknown_since")
    }
    if missing := set(meter_ids) - relays.keys():
        raise Meter.DoesNotExist(f"no meter {sorted(missing)}")
    under_way: dict[tuple[int, Slot], MeterCommand] = {
        (c.meter_id, _slot(c)): c
        for c in MeterCommand.objects.select_for_update().filter(among("meter_id", meter_ids),
                                                                 status__in=UNDER_WAY).order_by("id")
    }
    decisions = [
        request_action(queue=_queue_of(r.meter_id, *relays[r.meter_id], under_way), action=r.action, reason=r.reason)
        for r in requests
    ]
    for wanted in (True, False):
        if ids := [r.meter_id for r, d in zip(requests, decisions, strict=True) if d.relay_open_desired is wanted]:
            Meter.objects.filter(among("id", ids)).update(relay_open_desired=wanted)
    for request, decision in zip(requests, decisions, strict=True):
        for slot, ending in decision.finishes:
            # No held command takes its turn here: the decision already says what the meter's queue becomes.
            _end(under_way[request.meter_id, slot], ending, at=at)
    created = iter(_create_commands(
        [(r, d.new) for r, d in zip(requests, decisions, strict=True) if d.new is not None], at=at
    ))
    results: list[Queued] = []
    for request, decision in zip(requests, decisions, strict=True):
        if decision.new is not None:
            results.append(next(created))
        elif decision.carried_by is not None:
            results.append(Queued(command=under_way[request.meter_id, decision.carried_by], queued=False))
        else:
            results.append(Queued(command=None, queued=False))
    return results


def _queue_of(
    meter_id: int, relay_open_reported: bool | None, relay_unknown: bool,
    under_way: dict[tuple[int, Slot], MeterCommand],
) -> MeterQueue:
    return MeterQueue(
        relay_open_reported=relay_open_reported, relay_unknown=relay_unknown,
        live=_pending(under_way.get((meter_id, Slot.LIVE))),
        held=_pending(under_way.get((meter_id, Slot.HELD))),
    )


def _pending(command: MeterCommand | None) -> Pending | None:
    if command is None:
        return None
    return Pending(action=CommandAction(command.action), status=CommandStatus(command.status),
                   may_have_reached_meter=command.attempts > 0 or command.may_have_reached_meter)


def finish(command: MeterCommand, ending: Finish, *, at: datetime) -> bool:
    """Ends ``command`` as the domain said; the meter's held command then takes its turn. True when it did (a
    command became queued: the gateway is to be woken)."""
    _end(command, ending, at=at)
    return _held_takes_its_turn(meter_id=command.meter_id, at=at)


def _end(command: MeterCommand, ending: Finish, *, at: datetime) -> None:
    command.status = ending.status.value
    command.finished_at = at
    command.last_error = ending.last_error
    command.save(update_fields=["status", "finished_at", "last_error"])
    add_event(command.id, at=at, event=ending.event, detail=ending.detail)
    if ending.relay_open_desired is not None:
        Meter.objects.filter(id=command.meter_id).update(relay_open_desired=ending.relay_open_desired)


def relay_unknown(meter_ids: Iterable[int], *, at: datetime) -> None:
    """A relay command's outcome on these meters is unknown from ``at``: the relay may be open or closed until a
    read-back tells (the first instant it became unknown is kept)."""
    if ids := sorted(set(meter_ids)):
        Meter.objects.filter(among("id", ids), relay_unknown_since__isnull=True).update(relay_unknown_since=at)


def last_sent(meter_id: int) -> MeterCommand | None:
    """The meter's last command a frame of which went out (or may have): the one a late answer answers."""
    return (MeterCommand.objects.filter(meter_id=meter_id).filter(Q(attempts__gt=0) | Q(may_have_reached_meter=True))
            .order_by("-id").first())


def _held_takes_its_turn(*, meter_id: int, at: datetime) -> bool:
    under_way = {_slot(c): c for c in MeterCommand.objects.filter(meter_id=meter_id, status__in=UNDER_WAY)}
    held = under_way.get(Slot.HELD)
    queue = MeterQueue(live=_pending(under_way.get(Slot.LIVE)), held=_pending(held))
    if held is None or not held_takes_its_turn(queue=queue):
        return False
    held.status = CommandStatus.QUEUED.value
    held.next_attempt_at = at
    held.save(update_fields=["status", "next_attempt_at"])
    add_event(held.id, at=at, event=CommandStatus.QUEUED.value, detail=PROMOTED_DETAIL)
    return True


def _slot(command: MeterCommand) -> Slot:
    return Slot.HELD if command.status == CommandStatus.HELD else Slot.LIVE


def add_event(command_id: int, *, at: datetime, event: str, detail: str = "") -> None:
    MeterCommandEvent.objects.create(command_id=command_id, at=at, event=event, detail=detail[:200])


def add_events(rows: Iterable[tuple[int, datetime, str, str]]) -> None:
    events = [(c, at, e, d[:200]) for c, at, e, d in rows]
    if len(events) < COPY_FROM:  # a payment's one event: one INSERT, where COPY takes two round trips
        MeterCommandEvent.objects.bulk_create(
            [MeterCommandEvent(command_id=c, at=at, event=e, detail=d) for c, at, e, d in events])
        return
    insert_rows("gridpay_metercommandevent", ("command_id", "at", "event", "detail"), events)


# Rows from which a batch is written in bulk on PostgreSQL (new commands by one statement of arrays, events by COPY)
# rather than by INSERT … RETURNING.
COPY_FROM = 1_000


_FIELDS = MeterCommand._meta.concrete_fields
_COLUMN = {field.attname: i for i, field in enumerate(_FIELDS)}
# An enum's .value is a property, slow enough to show in a hundred thousand rows.
_VALUE: dict[CommandAction | CommandStatus, str] = {m: m.value for m in (*CommandAction, *CommandStatus)}
_ID, _METER, _ACCOUNT, _ACTION, _STATUS, _REASON, _VALID_UNTIL = (
    _COLUMN[name] for name in ("id", "meter_id", "account_id", "action", "status", "reason", "valid_until"))


def _create_commands(new: list[tuple[CommandRequest, CommandStatus]], *, at: datetime) -> list[Queued]:
    """The new commands, stored with their first event. A disconnection run makes a hundred thousand: on PostgreSQL a
    batch of COPY_FROM or more is written by one statement from one row of values each (the model's positional form),
    and is not made model instances."""
    if not new:
        return []
    template = MeterCommand(created_at=at, next_attempt_at=at)  # every other field's default
    defaults = [getattr(template, field.attname) for field in _FIELDS]
    rows: list[list[Any]] = []
    for request, status in new:
        row = defaults.copy()
        row[_METER] = request.meter_id
        row[_ACCOUNT] = request.account_id
        row[_ACTION] = _VALUE[request.action]
        row[_STATUS] = _VALUE[status]
        row[_REASON] = request.reason
        row[_VALID_UNTIL] = request.valid_until
        rows.append(row)
    if not on_postgresql() or len(rows) < COPY_FROM:  # a payment's reconnect: one INSERT … RETURNING id
        commands = row_insert.insert([_stored_command(row) for row in rows])
        add_events((c.id, at, c.status, c.reason) for c in commands)
        return [Queued(command=c, queued=c.status == CommandStatus.QUEUED) for c in commands]
    _insert_with_first_events(rows, at=at)
    queued = CommandStatus.QUEUED.value
    return [Queued(command=None, queued=row[_STATUS] == queued, row=row) for row in rows]


def _insert_with_first_events(rows: list[list[Any]], *, at: datetime) -> None:
    """One statement on PostgreSQL for a batch of new commands and their first events: the commands' columns go as
    arrays (a column the whole batch shares, as one value), the ids come from the column's default and are written
    into the rows. Where COPY took a round trip for the ids and Python formatted every value of every row."""
    values = list(zip(*rows, strict=True))
    fields = [field for field in _FIELDS if field.attname != "id"]
    selected: list[str] = []
    arrays: list[tuple[str, list[Any]]] = []
    params: list[Any] = []
    for field in fields:
        column = values[_COLUMN[field.attname]]
        kind = str(field.db_type(connection))
        if field.attname != "meter_id" and len(set(column)) == 1:  # meter_id: one per row, never shared
            selected.append(f"%s::{kind}")
            params.append(column[0])
        else:
            selected.append(f"r.c{len(arrays)}")
            arrays.append((kind, list(column)))
    unnested = ", ".join(f"%s::{kind}[]" for kind, _ in arrays)
    names = ", ".join(f"c{i}" for i in range(len(arrays)))
    statement = f"""
        WITH new AS (
            INSERT INTO {MeterCommand._meta.db_table} ({", ".join(field.column for field in fields)})
            SELECT {", ".join(selected)} FROM unnest({unnested}) WITH ORDINALITY AS r({names}, n) ORDER BY r.n
            RETURNING id, meter_id, status, reason
        ), events AS (
            INSERT INTO {MeterCommandEvent._meta.db_table} (command_id, at, event, detail)
            SELECT id, %s, status, left(reason, 200) FROM new
        )
        SELECT meter_id, id FROM new
    """
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *(array for _, array in arrays), at])
        ids = dict(cursor.fetchall())
    for row in rows:
        row[_ID] = ids[row[_METER]]


def _stored_command(row: list[Any]) -> MeterCommand:
    command = MeterCommand(*row)  # type: ignore[misc]  # the model's positional form: every field in order
    if row[_ID] is not None:
        command._state.adding = False  # stored: a later save() updates it
    return command


@dataclass(frozen=True)
class AnsweringMeter:
    """A meter as its answers are taken: with its model's relay and whether it closes on command (None: no model),
    and its account's first reconnection case whose close is permitted and not yet confirmed (None: none)."""

    id: int
    account_id: int
    address: str
    relay_open_desired: bool
    direct_close: bool | None
    relay: str | None
    waiting_case: int | None


@dataclass(frozen=True)
class AnswerLocks:
    """What the meters' answers are taken against, read under the locks a payment takes in the same order (account,
    meter, then its live command), each kind in id order."""

    supply_state: dict[int, str]  # account id → supply state
    meters: dict[str, AnsweringMeter]  # by address
    live: dict[int, MeterCommand]  # meter id → its live command


# Written out: the gateway takes every batch of answers through these three reads, and building the ORM's queries
# (a subquery, a join, a lock each) cost ten times what the database did.
_ANSWER_ACCOUNTS = """
    SELECT a.id, a.supply_state FROM gridpay_account a
    WHERE a.id IN (SELECT account_id FROM gridpay_meter WHERE dlt645_address IN ({addresses}))
    ORDER BY a.id{lock}
"""
# The account's first reconnection case whose close is permitted and not yet confirmed: the one waiting for its
# customer to close the relay.
_WAITING_CASE = """
    SELECT c.id FROM gridpay_reconnectcase c
    WHERE c.account_id = {account} AND c.confirmed_at IS NULL AND c.close_permitted_at IS NOT NULL
    ORDER BY c.id LIMIT 1
"""
_ANSWER_METERS = f"""
    SELECT m.id, m.account_id, m.dlt645_address, m.relay_open_desired, mm.direct_close, mm.relay,
           ({_WAITING_CASE.format(account="m.account_id")})
    FROM gridpay_meter m LEFT JOIN gridpay_metermodel mm ON mm.id = m.model_id
    WHERE m.dlt645_address IN ({{addresses}})
    ORDER BY m.id{{lock}}
"""
_ANSWER_COMMANDS = (
    "SELECT * FROM gridpay_metercommand WHERE meter_id IN ({meters}) AND status IN ({live}) ORDER BY id{lock}"
)


def lock_for_answers(addresses: Sequence[str]) -> AnswerLocks:
    """The accounts, meters and live commands of the meters at ``addresses``, locked; inside the caller's
    transaction."""
    if not addresses:
        return AnswerLocks(supply_state={}, meters={}, live={})
    places = ", ".join(["%s"] * len(addresses))
    postgresql = on_postgresql()
    with connection.cursor() as cursor:
        cursor.execute(_ANSWER_ACCOUNTS.format(addresses=places, lock=" FOR UPDATE" if postgresql else ""),
                       list(addresses))
        supply_state = dict(cursor.fetchall())
        cursor.execute(_ANSWER_METERS.format(addresses=places, lock=" FOR UPDATE OF m" if postgresql else ""),
                       list(addresses))
        meters = {
            address: AnsweringMeter(id=id_, account_id=account_id, address=address, relay_open_desired=bool(desired),
                                    direct_close=None if direct_close is None else bool(direct_close), relay=relay,
                                    waiting_case=waiting_case)
            for id_, account_id, address, desired, direct_close, relay, waiting_case in cursor.fetchall()
        }
    meter_ids = [m.id for m in meters.values()]
    if not meter_ids:
        return AnswerLocks(supply_state=supply_state, meters=meters, live={})
    commands = MeterCommand.objects.raw(
        _ANSWER_COMMANDS.format(meters=", ".join(["%s"] * len(meter_ids)), live=", ".join(["%s"] * len(LIVE)),
                                lock=" FOR UPDATE" if postgresql else ""),
        [*meter_ids, *LIVE],
    )
    return AnswerLocks(supply_state=supply_state, meters=meters, live={c.meter_id: c for c in commands})


def waiting_case(account_id: int) -> int | None:
    """The id of the account's reconnection case waiting for its customer to close the relay, if one is (read again
    for an account an answer before changed)."""
    with connection.cursor() as cursor:
        cursor.execute(_WAITING_CASE.format(account="%s"), [account_id])
        row = cursor.fetchone()
    return None if row is None else int(row[0])
