"""The safety net of the command loop: unanswered commands time out, lapsed claims are due again, stale ones expire,
late reconnections alarm."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery

from gridpay.application.supply import claim_outcomes, command_outcomes
from gridpay.application.supply.claim_meter_commands import CLAIMABLE
from gridpay.data import meter_command_store
from gridpay.data.models import Meter, MeterCommand, ReconnectCase
from gridpay.data.queries import instants
from gridpay.data.queries.instants import Timer
from gridpay.domain.command_queue import End, Finish
from gridpay.domain.meter_commands import CommandAction, CommandPolicy, CommandStatus, Failure, expected_relay_open
from gridpay.integrations.headend.wake import wake_gateway


@dataclass
class SweepReport:
    timed_out: int = 0
    released: int = 0  # claims of a gateway that never said what became of them, due again
    expired: int = 0
    alarms: int = 0
    queued: int = 0  # held commands queued, due now, in place of those that ended
    # meters to ask about their relay: whether the customer closed it, or where a command that timed out left it
    relay_reads: list[str] = field(default_factory=list)
    to_send: list[tuple[str, bytes]] = field(default_factory=list)  # their frames (the head-end's)


@dataclass(frozen=True)
class Due:
    """When a claim, and when the sweep's parts on commands and on reconnection cases, next find anything to do, as
    the rows stood when read (None: not until a command is queued or a reconnection tracked)."""

    claim_at: datetime | None
    commands_at: datetime | None  # timeouts, lapsed claims, expiries
    cases_at: datetime | None  # alarms, relay polls

    @property
    def sweep_at(self) -> datetime | None:
        return min((i for i in (self.commands_at, self.cases_at) if i is not None), default=None)

    def claim_by(self, at: datetime) -> bool:
        return self.claim_at is not None and self.claim_at <= at

    def commands_by(self, at: datetime) -> bool:
        return self.commands_at is not None and self.commands_at <= at

    def cases_by(self, at: datetime) -> bool:
        return self.cases_at is not None and self.cases_at <= at

    def sweep_by(self, at: datetime) -> bool:
        return self.commands_by(at) or self.cases_by(at)

    def by(self, at: datetime) -> bool:
        return self.claim_by(at) or self.sweep_by(at)


def next_due(*, policy: CommandPolicy | None = None) -> Due:
    """When the head-end's work next falls due, in one read: a caller running it often (the demo town carries after
    every payment) skips its locks and writes until then, while nothing is queued or tracked meanwhile."""
    policy = policy or CommandPolicy()
    claim, *sweep = instants.next_due([CLAIMABLE, *_COMMAND_TIMERS, *_case_timers(policy)])
    commands, cases = sweep[:len(_COMMAND_TIMERS)], sweep[len(_COMMAND_TIMERS):]
    return Due(claim_at=claim, commands_at=_first(commands), cases_at=_first(cases))


def _first(instants: list[datetime | None]) -> datetime | None:
    return min((i for i in instants if i is not None), default=None)


def sweep_meter_commands(*, at: datetime, policy: CommandPolicy | None = None, due: Due | None = None) -> SweepReport:
    """``due``: what next_due read, if the caller read it after every write since (no command queued nor reconnection
    tracked meanwhile): the parts it says are not due at ``at`` are skipped unread."""
    policy = policy or CommandPolicy()
    report = SweepReport()
    queued = 0
    with transaction.atomic():
        # Most sweeps find nothing in most of their parts: a cheap read (or the caller's ``due``) says whether the
        # three parts on commands would (none writes when none finds anything, so skipping them changes nothing after).
        commands_due = due.commands_by(at) if due is not None else MeterCommand.objects.filter(
            _UNANSWERED.due(at) | claim_outcomes.lapsed(at=at) | _STALE.due(at)).exists()
        if commands_due:
            # Locked in id order, as the gateway's answers lock them: no deadlock between the two.
            awaiting = list(MeterCommand.objects.select_for_update(of=("self",)).filter(_UNANSWERED.due(at))
                            .annotate(address=F("meter__dlt645_address")).order_by("id"))
            # No answer in time is no answer yet: the meter may have done it (a slow meter answers late). The relay is
            # unknown until a read-back tells, and one is asked now, before the retry decides anything (issue 20).
            relay_commands = [c for c in awaiting if expected_relay_open(CommandAction(c.action)) is not None]
            meter_command_store.relay_unknown([c.meter_id for c in relay_commands], at=at)
            report.relay_reads += sorted({c.address for c in relay_commands})
            for command in awaiting:
                step = "控制命令" if command.status == CommandStatus.SENT else "状态回读"
                queued += command_outcomes.fail(command, failure=Failure.TIMED_OUT, detail=f"{step}无应答", at=at,
                                                policy=policy)
                report.timed_out += 1
            report.released = claim_outcomes.release_lapsed(at=at)
            stale = MeterCommand.objects.select_for_update().filter(_STALE.due(at))
            for expiring in stale:
                queued += meter_command_store.finish(expiring, Finish(End.EXPIRED, "未在有效期内发出"), at=at)
                report.expired += 1
        if due is None or due.cases_by(at):
            _cases(at=at, policy=policy, report=report)
        report.queued = queued
        if queued:
            wake_gateway()
    return report


_UNANSWERED = Timer(MeterCommand, Q(status__in=[CommandStatus.SENT, CommandStatus.ACKNOWLEDGED]), "answer_due_at")
_STALE = Timer(MeterCommand, Q(status=CommandStatus.QUEUED), "valid_until")
_CLOSE_PERMITTED = Q(confirmed_at__isnull=True, close_permitted_at__isnull=False)
_ALARM_DUE = Timer(ReconnectCase, _CLOSE_PERMITTED & Q(alarm_raised_at__isnull=True), "due_by")


def _late(policy: CommandPolicy) -> Timer:
    """Our side late: no close (nor close permitted) within minutes of the payment."""
    return Timer(ReconnectCase, Q(confirmed_at__isnull=True, close_permitted_at__isnull=True,
                                  alarm_raised_at__isnull=True),
                 "opened_at", timedelta(seconds=policy.reconnect_alarm_s))


def _poll_due(policy: CommandPolicy) -> Timer:
    return Timer(ReconnectCase, _CLOSE_PERMITTED, "relay_polled_at", timedelta(seconds=policy.permit_poll_s))


_COMMAND_TIMERS = [_UNANSWERED, claim_outcomes.LAPSED, _STALE]  # what the sweep looks for in commands


def _case_timers(policy: CommandPolicy) -> list[Timer]:
    """What the sweep looks for in reconnection cases."""
    return [_late(policy), _poll_due(policy), _ALARM_DUE]


def _cases(*, at: datetime, policy: CommandPolicy, report: SweepReport) -> None:
    """Reconnections late on our side alarm; cases whose close is permitted are asked every so often whether the
    customer closed the relay, and past the 24-hour commitment the grid staff go and help. The cases due for any of
    it are read (and locked) in one statement, with the address of their account's meter in place."""
    due: list[Any] = list(instants.rows_due(_case_timers(policy), at, _cases_due))  # with _cases_due's flags
    for case in due:
        if case.late:
            minutes = (at - case.opened_at).total_seconds() / 60
            command_outcomes.alarm_reconnect_case(case, detail=f"交费后 {minutes:.0f} 分钟仍未确认复电", at=at)
            case.alarm_raised_at = at
            case.save(update_fields=["alarm_raised_at"])
            report.alarms += 1
    polled = [case for case in due if case.poll]
    if polled:
        report.relay_reads += [case.address for case in polled if case.address is not None]
        ReconnectCase.objects.filter(id__in=[case.id for case in polled]).update(relay_polled_at=at)
    for case in due:
        if case.alarm:
            hours = (at - case.close_permitted_at).total_seconds() / 3600 if case.close_permitted_at else 0
            command_outcomes.alarm_close_not_taken(case, hours=hours, at=at)
            case.alarm_raised_at = at
            case.save(update_fields=["alarm_raised_at"])
            report.alarms += 1


def _cases_due(late: Q, poll: Q, alarm: Q) -> "QuerySet[ReconnectCase, ReconnectCase]":
    """The reconnection cases due for any of the three, locked, each flagged with what it is due for, with the address
    of its account's meter in place."""
    meter_in_place = Meter.objects.filter(account_id=OuterRef("account_id"), removed_on__isnull=True).order_by("id")
    return (
        ReconnectCase.objects.select_for_update(of=("self",)).filter(late | poll | alarm)
        .annotate(address=Subquery(meter_in_place.values("dlt645_address")[:1]), late=_flag(late), poll=_flag(poll),
                  alarm=_flag(alarm))
        .order_by("id")
    )


def _flag(condition: Q) -> "ExpressionWrapper[Q]":
    return ExpressionWrapper(condition, output_field=BooleanField())
