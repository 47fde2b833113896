"""Lists meter commands with their state, newest first, for staff."""

from dataclasses import dataclass
from datetime import datetime

from gridpay.data.models import MeterCommand
from gridpay.domain.meter_commands import CommandAction, CommandStatus


@dataclass(frozen=True)
class CommandLine:
    command_id: int
    created_at: datetime
    account_no: str
    meter_no: str
    action: str  # Chinese label
    status: str  # Chinese label
    attempts: int
    last_error: str


def list_meter_commands(*, status: str | None = None, limit: int = 50) -> list[CommandLine]:
    commands = MeterCommand.objects.select_related("account", "meter").order_by("-id")
    if status:
        commands = commands.filter(status=status)
    return [
        CommandLine(
            command_id=c.id, created_at=c.created_at, account_no=c.account.account_no, meter_no=c.meter.meter_no,
            action=CommandAction(c.action).label, status=CommandStatus(c.status).label, attempts=c.attempts,
            last_error=c.last_error,
        )
        for c in commands[:limit]
    ]
