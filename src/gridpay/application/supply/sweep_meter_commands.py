"""The safety net of the command loop: unanswered commands time out, lapsed claims are due again, stale ones expire,
late reconnections alarm."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from gridpay.application.supply import claim_outcomes, command_outcomes
from gridpay.application.supply.claim_meter_commands import claimable
from gridpay.data import meter_command_store
from gridpay.data.models import Meter, MeterCommand, ReconnectCase
from gridpay.domain.command_queue import End, Finish
from gridpay.domain.meter_commands import CommandPolicy, CommandStatus, Failure
from gridpay.integrations.headend.wake import wake_gateway


@dataclass
class SweepReport:
    timed_out: int = 0
    released: int = 0  # claims of a gateway that never said what became of them, due again
    expired: int = 0
    alarms: int = 0
    relay_reads: list[str] = field(default_factory=list)  # meters to ask whether the customer closed the relay
    to_send: list[tuple[str, bytes]] = field(default_factory=list)  # their frames (the head-end's)


def work_due(*, at: datetime, policy: CommandPolicy | None = None) -> bool:
    """Whether a sweep or a claim at ``at`` would find anything to do, in one or two cheap reads: a caller running
    them often (the demo town carries after every payment) skips their locks and writes when nothing is due."""
    policy = policy or CommandPolicy()
    commands = claimable(at) | _unanswered(at) | claim_outcomes.lapsed(at=at) | _stale(at)
    cases = _late(at, policy) | _poll_due(at, policy) | _alarm_due(at)
    return MeterCommand.objects.filter(commands).exists() or ReconnectCase.objects.filter(cases).exists()


def sweep_meter_commands(*, at: datetime, policy: CommandPolicy | None = None) -> SweepReport:
    policy = policy or CommandPolicy()
    report = SweepReport()
    queued = 0  # held commands queued in place of those that ended
    with transaction.atomic():
        # Most sweeps find nothing in most of their parts: a cheap read says whether the three parts on commands
        # would (none writes when none finds anything, so skipping them changes nothing after).
        if MeterCommand.objects.filter(_unanswered(at) | claim_outcomes.lapsed(at=at) | _stale(at)).exists():
            # Locked in id order, as the gateway's answers lock them: no deadlock between the two.
            awaiting = MeterCommand.objects.select_for_update().filter(_unanswered(at)).order_by("id")
            for command in awaiting:
                step = "控制命令" if command.status == CommandStatus.SENT else "状态回读"
                queued += command_outcomes.fail(command, failure=Failure.TIMED_OUT, detail=f"{step}无应答", at=at,
                                                policy=policy)
                report.timed_out += 1
            report.released = claim_outcomes.release_lapsed(at=at)
            stale = MeterCommand.objects.select_for_update().filter(_stale(at))
            for command in stale:
                queued += meter_command_store.finish(command, Finish(End.EXPIRED, "未在有效期内发出"), at=at)
                report.expired += 1
        # The same for the alarms on cases (a poll, in between, writes nothing an alarm is due by).
        alarms = ReconnectCase.objects.filter(_late(at, policy) | _alarm_due(at)).exists()
        late = ReconnectCase.objects.filter(_late(at, policy)) if alarms else ReconnectCase.objects.none()
        for case in late:
            minutes = (at - case.opened_at).total_seconds() / 60
            command_outcomes.alarm_reconnect_case(case, detail=f"交费后 {minutes:.0f} 分钟仍未确认复电", at=at)
            case.alarm_raised_at = at
            case.save(update_fields=["alarm_raised_at"])
            report.alarms += 1
        _close_permitted(at=at, policy=policy, report=report, alarms=alarms)
        if queued:
            wake_gateway()
    return report


def _unanswered(at: datetime) -> Q:
    return Q(status__in=[CommandStatus.SENT, CommandStatus.ACKNOWLEDGED], answer_due_at__lte=at)


def _stale(at: datetime) -> Q:
    return Q(status=CommandStatus.QUEUED, valid_until__lte=at)


def _late(at: datetime, policy: CommandPolicy) -> Q:
    """Our side late: no close (nor close permitted) within minutes of the payment."""
    return Q(confirmed_at__isnull=True, close_permitted_at__isnull=True, alarm_raised_at__isnull=True,
             opened_at__lte=at - timedelta(seconds=policy.reconnect_alarm_s))


_CLOSE_PERMITTED = Q(confirmed_at__isnull=True, close_permitted_at__isnull=False)


def _poll_due(at: datetime, policy: CommandPolicy) -> Q:
    return _CLOSE_PERMITTED & Q(relay_polled_at__lte=at - timedelta(seconds=policy.permit_poll_s))


def _alarm_due(at: datetime) -> Q:
    return _CLOSE_PERMITTED & Q(alarm_raised_at__isnull=True, due_by__lte=at)


def _close_permitted(*, at: datetime, policy: CommandPolicy, report: SweepReport, alarms: bool) -> None:
    """Cases whose close is permitted: asked every so often whether the customer closed the relay; past the
    24-hour commitment, the grid staff go and help."""
    waiting = ReconnectCase.objects.select_for_update()
    polled = list(waiting.filter(_poll_due(at, policy)).values_list("id", "account_id"))
    if polled:
        # Their meters in place, read and marked polled in one statement each, not one per case.
        address_of = dict(Meter.objects.filter(account_id__in={a for _, a in polled}, removed_on__isnull=True)
                          .order_by("-id").values_list("account_id", "dlt645_address"))
        report.relay_reads += [address_of[a] for _, a in polled if a in address_of]
        ReconnectCase.objects.filter(id__in=[i for i, _ in polled]).update(relay_polled_at=at)
    for case in waiting.filter(_alarm_due(at)) if alarms else ():
        hours = (at - case.close_permitted_at).total_seconds() / 3600 if case.close_permitted_at else 0
        command_outcomes.alarm_close_not_taken(case, hours=hours, at=at)
        case.alarm_raised_at = at
        case.save(update_fields=["alarm_raised_at"])
        report.alarms += 1
