"""Where a disconnected account stands on its way back to supply, as the cashier and the customer follow it (RULES §7).

    owed ──(paid up to the reconnect level)──▶ queued ──▶ sent ──▶ restored (the relay reads closed)
                                                               └──▶ close permitted (1B) ──(the press)──▶ restored
    late past its alarm, its attempts used up, or no press within the 24 hours: field (a work order)
"""

from dataclasses import dataclass
from enum import StrEnum

from gridpay.domain.meter_commands import CommandStatus


class ReconnectStage(StrEnum):
    NONE = "none"  # supplied, or nothing a payment could change
    OWED = "owed"  # disconnected: a payment of the shortfall reconnects
    QUEUED = "queued"  # the reconnect command waits to go out (or behind the meter's command before it)
    SENT = "sent"  # with the meter: its answer and the relay's read-back awaited
    CLOSE_PERMITTED = "close_permitted"  # 合闸允许 (DL/T 645 1B) taken: the customer closes the relay
    RESTORED = "restored"  # the meter reads its relay closed
    FIELD = "field"  # remote reconnection did not succeed: a field work order was opened

    @property
    def moving(self) -> bool:
        """Something is happening that the meter or the customer will change without anyone at the page."""
        return self in (ReconnectStage.QUEUED, ReconnectStage.SENT, ReconnectStage.CLOSE_PERMITTED)


@dataclass(frozen=True)
class OpenReconnection:
    """An account's reconnection under way: its command's status, and whether the meter permitted the close."""

    command_status: CommandStatus
    close_permitted: bool
    field_work: bool  # the case's alarm opened a work order (late, or the customer never closed the relay)


def reconnect_stage(
    *, reconnection: OpenReconnection | None, restored_lately: bool, shortfall_fen: int | None
) -> ReconnectStage:
    """The stage from an open reconnection if there is one; else a reconnection the meter confirmed lately; else what
    is still owed (``shortfall_fen`` None: the account is supplied, or no payment reconnects it)."""
    # A reconnect cancelled or expired unsent (another request took its place) tells nothing: what is owed does.
    if reconnection is not None and reconnection.command_status not in (CommandStatus.CANCELLED, CommandStatus.EXPIRED):
        if reconnection.field_work or reconnection.command_status == CommandStatus.ESCALATED:
            return ReconnectStage.FIELD
        if reconnection.close_permitted:
            return ReconnectStage.CLOSE_PERMITTED
        if reconnection.command_status in (CommandStatus.SENT, CommandStatus.ACKNOWLEDGED, CommandStatus.CONFIRMED):
            return ReconnectStage.SENT
        return ReconnectStage.QUEUED
    if restored_lately:
        return ReconnectStage.RESTORED
    if shortfall_fen:
        return ReconnectStage.OWED
    return ReconnectStage.NONE
