"""The safety net of the command loop: unanswered commands time out, lapsed claims are due again, stale ones expire,
late reconnections alarm."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from gridpay.application.supply import claim_outcomes, command_outcomes
from gridpay.data import meter_command_store
from gridpay.data.models import MeterCommand, ReconnectCase
from gridpay.domain.meter_commands import CommandPolicy, CommandStatus, Failure


@dataclass
class SweepReport:
    timed_out: int = 0
    released: int = 0  # claims of a gateway that never said what became of them, due again
    expired: int = 0
    alarms: int = 0


def sweep_meter_commands(*, at: datetime, policy: CommandPolicy | None = None) -> SweepReport:
    policy = policy or CommandPolicy()
    report = SweepReport()
    with transaction.atomic():
        awaiting = MeterCommand.objects.select_for_update().filter(
            status__in=[CommandStatus.SENT, CommandStatus.ACKNOWLEDGED], answer_due_at__lte=at
        ).order_by("id")  # locked in id order, as the gateway's answers lock them: no deadlock between the two
        for command in awaiting:
            step = "控制命令" if command.status == CommandStatus.SENT else "状态回读"
            command_outcomes.fail(command, failure=Failure.TIMED_OUT, detail=f"{step}无应答", at=at, policy=policy)
            report.timed_out += 1
        report.released = claim_outcomes.release_lapsed(at=at)
        stale = MeterCommand.objects.select_for_update().filter(status=CommandStatus.QUEUED, valid_until__lte=at)
        for command in stale:
            meter_command_store.finish(command, status=CommandStatus.EXPIRED, at=at, event="expired",
                                       detail="未在有效期内发出")
            report.expired += 1
        late = ReconnectCase.objects.filter(
            confirmed_at__isnull=True, alarm_raised_at__isnull=True,
            opened_at__lte=at - timedelta(seconds=policy.reconnect_alarm_s),
        )
        for case in late:
            minutes = (at - case.opened_at).total_seconds() / 60
            command_outcomes.alarm_reconnect_case(case, detail=f"交费后 {minutes:.0f} 分钟仍未确认复电", at=at)
            case.alarm_raised_at = at
            case.save(update_fields=["alarm_raised_at"])
            report.alarms += 1
    return report
