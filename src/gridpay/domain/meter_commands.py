"""The life of a remote meter command (RULES §6–7): queued, sent, answered, confirmed by read-back, retried, escalated.

    held ──(the meter's other command ends)──▶ queued ──▶ sending ──(PUBACK)──▶ sent ──▶ acknowledged ──▶ confirmed
                                               ▲ ▲ │         │                   │             │   (read-back agrees)
                  no PUBACK, or lease run out  │ └─┼─────────┘                   ├─ denied ────┤
                         retry after backoff   └───┼─────────────────────────────┴─ timed out ─┴──▶ escalated
                                                   └─ cancelled (a payment cleared the arrears) / expired

A meter has at most one *live* command (queued, sending, sent or acknowledged): DL/T 645 answers
carry no command id, so an answer is matched to the meter's one live command. A reconnect requested
while a disconnect is in flight waits as *held* behind it, so a disconnect can never overtake it.
A command is *sending* while the gateway holds it under a lease: *sent* (and its attempt counted)
only once the broker acknowledged the frame, back to *queued* at once when it did not, and by
itself when the lease runs out (the gateway died holding it).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop


class CommandAction(StrEnum):
    DISCONNECT = "disconnect"  # 跳闸 1A
    RECONNECT = "reconnect"  # 直接合闸 1C, or 合闸允许 1B where the meter knows no 1C (meter_models)
    PROTECT = "protect"  # 保电 3A
    RELEASE = "release"  # 保电解除 3B

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    CommandAction.DISCONNECT: gettext_noop("停电"),
    CommandAction.RECONNECT: gettext_noop("复电"),
    CommandAction.PROTECT: gettext_noop("保电"),
    CommandAction.RELEASE: gettext_noop("解除保电"),
}


class CommandStatus(StrEnum):
    HELD = "held"
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a gateway, not yet acknowledged by the broker (PUBACK)
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    ESCALATED = "escalated"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    CommandStatus.HELD: gettext_noop("等待前一命令"),
    CommandStatus.QUEUED: gettext_noop("待发送"),
    CommandStatus.SENDING: gettext_noop("发送中"),
    CommandStatus.SENT: gettext_noop("已发送"),
    CommandStatus.ACKNOWLEDGED: gettext_noop("表计已应答"),
    CommandStatus.CONFIRMED: gettext_noop("已确认"),
    CommandStatus.CANCELLED: gettext_noop("已取消"),
    CommandStatus.EXPIRED: gettext_noop("已过期"),
    CommandStatus.ESCALATED: gettext_noop("转现场工单"),
}


LIVE = frozenset({CommandStatus.QUEUED, CommandStatus.SENDING, CommandStatus.SENT, CommandStatus.ACKNOWLEDGED})
UNDER_WAY = LIVE | {CommandStatus.HELD}  # not finished: live, or waiting its turn
FINISHED = frozenset({CommandStatus.CONFIRMED, CommandStatus.CANCELLED, CommandStatus.EXPIRED, CommandStatus.ESCALATED})


class Failure(StrEnum):
    """Why an attempt did not succeed; each is recorded, then the command is retried or escalated."""

    DENIED = "denied"  # the meter answered with an abnormal frame
    TIMED_OUT = "timed_out"  # no answer within the answer timeout
    READ_BACK_DISAGREES = "read_back_disagrees"  # accepted, yet the relay reads back in the other state


@dataclass(frozen=True)
class ControlAnswer:
    """A meter's answer to a remote-control command: accepted, or refused with the meter's error code."""

    address: str
    accepted: bool
    error: int = 0


@dataclass(frozen=True)
class RelayReadBack:
    """The relay state a meter reports (open: supply off), and the state its last command asked for."""

    address: str
    relay_open: bool
    command_open: bool | None = None  # None: not reported


class CommandPolicyInvalid(DomainError):
    code = "command_policy_invalid"


@dataclass(frozen=True)
class CommandPolicy:
    answer_timeout_s: int = 30
    max_attempts: int = 3
    backoff_s: tuple[int, ...] = (60, 300, 900)  # before the 2nd, 3rd, … attempt
    frame_validity_s: int = 600  # 命令截止时间: the meter refuses a frame older than this
    reconnect_alarm_s: int = 15 * 60  # "confirmed within minutes": later, staff are alarmed
    reconnect_commitment_s: int = 24 * 3600  # the 24-hour commitment (seed 002)
    permit_poll_s: int = 600  # how often a meter whose close is permitted is asked if the customer closed it
    # How long a gateway holds claimed commands waiting for the broker's PUBACK; past it they are due again
    # (the gateway died holding them: another gateway sends them, within a minute, ADR 0031). The gateway gives up
    # on its own claim at half of it.
    send_lease_s: int = 50

    def __post_init__(self) -> None:
        if self.answer_timeout_s <= 0 or self.max_attempts < 1 or not self.backoff_s:
            raise CommandPolicyInvalid(gettext_noop("命令超时、重试次数与退避时间应为正数"), field="command_policy")
        if any(b <= 0 for b in self.backoff_s) or self.frame_validity_s <= self.answer_timeout_s \
                or self.permit_poll_s <= 0:
            raise CommandPolicyInvalid(
                gettext_noop("退避时间应为正数，命令有效期应长于应答超时"), field="command_policy",
            )
        if not 0 < self.send_lease_s < self.frame_validity_s:
            raise CommandPolicyInvalid(gettext_noop("发送租期应为正数且短于命令有效期"), field="command_policy")


@dataclass(frozen=True)
class Retry:
    at: datetime


@dataclass(frozen=True)
class Escalate:
    pass


def after_failure(*, policy: CommandPolicy, attempts: int, at: datetime) -> Retry | Escalate:
    """What follows a failed attempt: another attempt after a growing backoff, or a field work order."""
    if attempts >= policy.max_attempts:
        return Escalate()
    backoff = policy.backoff_s[min(attempts, len(policy.backoff_s)) - 1]
    return Retry(at=at + timedelta(seconds=backoff))


def frame_expiry(*, policy: CommandPolicy, sent_at: datetime, valid_until: datetime | None) -> datetime:
    """The 命令截止时间 written into the frame: soon after sending, and never past the command's own deadline."""
    expiry = sent_at + timedelta(seconds=policy.frame_validity_s)
    return min(expiry, valid_until) if valid_until is not None else expiry


def expected_relay_open(action: CommandAction) -> bool | None:
    """The relay state a read-back must show once the command took effect (None: not a relay command)."""
    if action == CommandAction.DISCONNECT:
        return True
    if action == CommandAction.RECONNECT:
        return False
    return None


class ReadBack(StrEnum):
    """What a read-back says of the command it follows."""

    DONE = "done"  # the relay is as the command wanted
    CLOSE_PERMITTED = "close_permitted"  # 1B taken: the command state is "close", the relay waits for the customer
    DISAGREES = "disagrees"  # the meter did not do it


def read_back(*, action: CommandAction, relay_open: bool, command_open: bool | None, direct_close: bool) -> ReadBack:
    """Judges a read-back of status word 3 after an accepted command.

    A reconnect by 1B (a meter without 1C) has done all it can when the command state shows "close":
    the relay itself closes when the customer presses the button, which later reads tell.
    """
    expected = expected_relay_open(action)
    if expected is None or expected == relay_open:
        return ReadBack.DONE
    if action == CommandAction.RECONNECT and not direct_close and command_open is False:
        return ReadBack.CLOSE_PERMITTED
    return ReadBack.DISAGREES
