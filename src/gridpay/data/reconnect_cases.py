"""The one way a remote reconnection starts being tracked against its commitment (ReconnectCase)."""

from datetime import datetime, timedelta

from gridpay.data import meter_command_store
from gridpay.data.models import MeterCommand, ReconnectCase


def track_reconnection(*, account_id: int, command: MeterCommand, at: datetime, within: timedelta) -> ReconnectCase:
    """The account's open case, now following ``command``, or a new one due ``within`` from ``at``. The head-end's
    sweep polls the relay of an open case (a meter that only permits closing), and the read-back confirms it."""
    meter_command_store.note_change()  # the case may fall due (an alarm) sooner than anything the head-end knew of
    case, created = ReconnectCase.objects.get_or_create(
        account_id=account_id, confirmed_at=None,
        defaults={"opened_at": at, "due_by": at + within, "command": command},
    )
    if not created and case.command_id != command.id:
        case.command = command
        case.save(update_fields=["command"])
    return case
