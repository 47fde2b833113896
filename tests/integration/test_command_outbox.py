"""The outbox's one writer: a batch of requests (the disconnection run's) comes to the same commands, statuses, events
and wanted relay states as the same requests made one at a time, in every state a meter's queue can be in."""

from datetime import datetime, timedelta

import pytest
from django.db import transaction

from gridpay.data import meter_command_store
from gridpay.data.meter_command_store import CommandRequest
from gridpay.data.models import Meter, MeterCommand, MeterCommandEvent
from gridpay.domain.meter_commands import CommandAction
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI

pytestmark = pytest.mark.django_db

TUESDAY_10 = datetime(2025, 3, 11, 10, 0, tzinfo=SHANGHAI)
LATER = TUESDAY_10 + timedelta(minutes=5)
DISCONNECT, RECONNECT = CommandAction.DISCONNECT, CommandAction.RECONNECT


@pytest.fixture(autouse=True)
def _tariff(zj_tariff: str) -> None:
    pass


def meter_with(number: int, *, relay_open: bool | None = None, under_way: tuple[CommandAction, ...] = (),
               sent: bool = False) -> int:
    """A meter whose relay reads ``relay_open``, with ``under_way`` asked for in turn (the first sent if ``sent``)."""
    account = enrol(number)
    meter = Meter.objects.get(account=account)
    Meter.objects.filter(id=meter.id).update(relay_open_reported=relay_open)
    for i, action in enumerate(under_way):
        meter_command_store.queue_command(meter_id=meter.id, account_id=account.id, action=action, reason="先前",
                                          at=TUESDAY_10, valid_until=None)
        if i == 0 and sent:
            MeterCommand.objects.filter(meter=meter).update(status="sent", attempts=1)
    return meter.id


Commands = list[tuple[str, str, str, str, list[tuple[str, str]]]]  # action, status, reason, last error, events


def outbox(meter_ids: list[int]) -> dict[int, tuple[bool, Commands]]:
    """Each meter's wanted relay state and its commands with their events, in order."""
    return {
        m: (
            Meter.objects.get(id=m).relay_open_desired,
            [
                (c.action, c.status, c.reason, c.last_error,
                 list(MeterCommandEvent.objects.filter(command=c).order_by("id").values_list("event", "detail")))
                for c in MeterCommand.objects.filter(meter_id=m).order_by("id")
            ],
        )
        for m in meter_ids
    }


class RolledBack(Exception):
    pass


@pytest.mark.parametrize("copy_from", [meter_command_store.COPY_FROM, 1], ids=["insert", "bulk"])
def test_a_batch_comes_to_what_the_same_requests_one_at_a_time_come_to(copy_from: int,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # ``bulk``: the batch written as a disconnection run's hundred thousand are (one statement of arrays, on
    # PostgreSQL), its commands made model instances only when asked for.
    monkeypatch.setattr(meter_command_store, "COPY_FROM", copy_from)
    meters = [
        meter_with(1),  # nothing under way: queued
        meter_with(2, relay_open=True),  # already open: nothing to send
        meter_with(3, relay_open=True, under_way=(RECONNECT,), sent=True),  # held behind the reconnect
        meter_with(4, under_way=(DISCONNECT,)),  # carried by the disconnect already queued
        meter_with(5, under_way=(DISCONNECT, RECONNECT), sent=True),  # the held reconnect superseded
        meter_with(6, relay_open=True, under_way=(RECONNECT, DISCONNECT), sent=True),  # carried by the held one
    ]
    accounts = dict(Meter.objects.filter(id__in=meters).values_list("id", "account_id"))
    requests = [CommandRequest(meter_id=m, account_id=accounts[m], action=DISCONNECT, reason="欠费停电",
                               valid_until=LATER) for m in meters]

    one_at_a_time: dict[int, tuple[bool, Commands]] = {}
    with pytest.raises(RolledBack), transaction.atomic():
        singles = [meter_command_store.queue_command(meter_id=r.meter_id, account_id=r.account_id, action=r.action,
                                                     reason=r.reason, at=LATER, valid_until=r.valid_until)
                   for r in requests]
        one_at_a_time = outbox(meters)
        single_results = [(q.command is not None, q.queued) for q in singles]
        raise RolledBack

    with transaction.atomic():
        batch = meter_command_store.queue_commands(requests=requests, at=LATER)
    assert [(q.command is not None, q.queued) for q in batch] == single_results
    assert outbox(meters) == one_at_a_time
    assert single_results == [(True, True), (False, False), (True, False), (True, False), (True, False),
                              (True, False)]
    _, commands = one_at_a_time[meters[4]]
    assert commands[1] == ("reconnect", "cancelled", "先前", "被disconnect取代",
                           [("held", "先前"), ("superseded", "被disconnect取代")])
