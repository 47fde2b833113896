"""The queueing rules of the meter command outbox: what a request does to a meter's live and held commands, how a
command ends, and when the held one takes its turn.

A meter has at most one live command and at most one held behind it (meter_commands). The rules see a meter as a
small value (its relay as last reported, its live and held commands) and answer with a decision the outbox's one
writer applies; nothing here reads or writes anything.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gridpay.domain.meter_commands import CommandAction, CommandStatus, expected_relay_open


@dataclass(frozen=True)
class Pending:
    """A command of the meter not yet finished, as the queueing rules see it."""

    action: CommandAction
    status: CommandStatus  # held, or one of the live statuses
    # A frame of it may have tripped the relay though no answer said so: an attempt went out (and timed out), or a
    # frame went to a broker whose PUBACK was lost with the connection.
    may_have_reached_meter: bool = False


@dataclass(frozen=True)
class MeterQueue:
    """One meter as the queueing rules see it: its relay as last reported (None: never), its live and held commands."""

    relay_open_reported: bool | None = None
    live: Pending | None = None
    held: Pending | None = None
    # A relay command's outcome is unknown (timed out, answered late or unmatched, escalated) and no read-back has
    # told since: the relay may be open or closed, whatever was last reported (issue 20).
    relay_unknown: bool = False

    @property
    def relay_may_be_open(self) -> bool:
        return self.relay_unknown or self.relay_open_reported is True


class Slot(StrEnum):
    """Which of the meter's commands under way a decision is about."""

    LIVE = "live"
    HELD = "held"


class End(StrEnum):
    """How a command ends; the value is the event recorded."""

    CONFIRMED = "confirmed"  # the read-back agrees
    CLOSE_PERMITTED = "close_permitted"  # 1B taken: all a meter without 1C can do; the customer closes the relay
    CANCELLED = "cancelled"  # no longer wanted before it went out
    SUPERSEDED = "superseded"  # it was held, and a request for another action took its place
    EXPIRED = "expired"  # its deadline passed before it went out
    ESCALATED = "escalated"  # its attempts are used up: field work takes over


_STATUS_AFTER = {
    End.CONFIRMED: CommandStatus.CONFIRMED,
    End.CLOSE_PERMITTED: CommandStatus.CONFIRMED,
    End.CANCELLED: CommandStatus.CANCELLED,
    End.SUPERSEDED: CommandStatus.CANCELLED,
    End.EXPIRED: CommandStatus.EXPIRED,
    End.ESCALATED: CommandStatus.ESCALATED,
}


@dataclass(frozen=True)
class Finish:
    """A command ends: how, why, and the relay state wanted after it (None: unchanged)."""

    end: End
    detail: str = ""
    relay_open_desired: bool | None = None

    @property
    def status(self) -> CommandStatus:
        return _STATUS_AFTER[self.end]

    @property
    def event(self) -> str:
        return self.end.value

    @property
    def last_error(self) -> str:
        """A command that did its work keeps no error; any other end says why it ended."""
        return "" if self.status == CommandStatus.CONFIRMED else self.detail[:200]


@dataclass(frozen=True)
class QueueDecision:
    """What a request for an action does to the meter's queue, in order: the relay state wanted from now, the
    commands under way that end, then the command that carries the action: one already under way, or a new one
    (queued, or held behind the live one). Neither: nothing needs sending."""

    relay_open_desired: bool | None  # None: the action does not move the relay, the wanted state stays
    finishes: tuple[tuple[Slot, Finish], ...] = ()
    carried_by: Slot | None = None
    new: CommandStatus | None = None  # queued or held; its event is its status, its detail the request's reason

    @property
    def nothing_to_send(self) -> bool:
        return self.carried_by is None and self.new is None


def request_action(*, queue: MeterQueue, action: CommandAction, reason: str) -> QueueDecision:
    """A command for ``action`` is asked for (RULES §6–7; ADR 0005).

    A request never overtakes the live command: it waits as *held* behind it, and takes the place of a held one
    asking for something else (*superseded*). A reconnect simply cancels a disconnect still waiting to go out, and is
    itself needed only if the relay is open or may be (reported open, or unknown since a command's outcome was). With
    nothing under way, a relay command is needed only if the relay is known to be elsewhere than it would put it.
    """
    wanted_open = expected_relay_open(action)
    finishes: list[tuple[Slot, Finish]] = []
    held, live = queue.held, queue.live
    if held is not None:
        if held.action == action:
            return QueueDecision(wanted_open, carried_by=Slot.HELD)
        finishes.append((Slot.HELD, Finish(End.SUPERSEDED, f"被{action.value}取代")))
    if live is not None:
        if live.action == action:
            return QueueDecision(wanted_open, tuple(finishes), carried_by=Slot.LIVE)
        if action == CommandAction.RECONNECT and _disconnect_not_sent(live):
            finishes.append((Slot.LIVE, Finish(End.CANCELLED, reason)))
            if not queue.relay_may_be_open and not live.may_have_reached_meter:
                return QueueDecision(wanted_open, tuple(finishes))  # cancelling it was enough
            return QueueDecision(wanted_open, tuple(finishes), new=CommandStatus.QUEUED)
        return QueueDecision(wanted_open, tuple(finishes), new=CommandStatus.HELD)
    if wanted_open is not None and queue.relay_open_reported == wanted_open and not queue.relay_unknown:
        return QueueDecision(wanted_open, tuple(finishes))  # the relay already is where this command would put it
    return QueueDecision(wanted_open, tuple(finishes), new=CommandStatus.QUEUED)


def _disconnect_not_sent(live: Pending) -> bool:
    # Queued: not claimed by a gateway (a retry waiting for its backoff is queued too, and may have tripped the relay).
    return live.action == CommandAction.DISCONNECT and live.status == CommandStatus.QUEUED


PROMOTED_DETAIL = "前一命令已结束"


def held_takes_its_turn(*, queue: MeterQueue) -> bool:
    """After a command of the meter ended: its held command is queued, once nothing is live on the meter."""
    return queue.held is not None and queue.live is None


def before_sending(
    *, action: CommandAction, at: datetime, valid_until: datetime | None, balance_fen: int, protected: bool
) -> Finish | None:
    """The re-check just before a command goes out (RULES §6); None: send it.

    Past its deadline it expires unsent. A disconnect whose arrears were paid meanwhile, or whose account became
    protected (保电), is cancelled, and the relay is wanted closed again.
    """
    if valid_until is not None and valid_until <= at:
        return Finish(End.EXPIRED, "发送前已过有效期")
    if action == CommandAction.DISCONNECT and balance_fen >= 0:
        return Finish(End.CANCELLED, "发送前复核：欠费已结清", relay_open_desired=False)
    if action == CommandAction.DISCONNECT and protected:
        return Finish(End.CANCELLED, "发送前复核：已设为保电户", relay_open_desired=False)
    return None
