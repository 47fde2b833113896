"""The safety net of the command loop: unanswered commands time out, stale ones expire, late reconnections alarm."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from gridpay.application.supply import command_outcomes
from gridpay.application.supply.command_outcomes import open_reconnect_work_order
from gridpay.application.supply.sms_outbox import queue_sms
from gridpay.data import meter_command_store
from gridpay.data.models import MeterCommand, ReconnectCase
from gridpay.data.queries.supply import account_contacts
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.meter_commands import CommandPolicy, CommandStatus, Failure


@dataclass
class SweepReport:
    timed_out: int = 0
    expired: int = 0
    alarms: int = 0


def sweep_meter_commands(*, at: datetime, policy: CommandPolicy | None = None) -> SweepReport:
    policy = policy or CommandPolicy()
    report = SweepReport()
    with transaction.atomic():
        awaiting = MeterCommand.objects.select_for_update().filter(
            status__in=[CommandStatus.SENT, CommandStatus.ACKNOWLEDGED], answer_due_at__lte=at
        )
        for command in awaiting:
            step = "控制命令" if command.status == CommandStatus.SENT else "状态回读"
            command_outcomes.fail(command, failure=Failure.TIMED_OUT, detail=f"{step}无应答", at=at, policy=policy)
            report.timed_out += 1
        stale = MeterCommand.objects.select_for_update().filter(status=CommandStatus.QUEUED, valid_until__lte=at)
        for command in stale:
            meter_command_store.finish(command, status=CommandStatus.EXPIRED, at=at, event="expired",
                                       detail="未在有效期内发出")
            report.expired += 1
        late = ReconnectCase.objects.filter(
            confirmed_at__isnull=True, alarm_raised_at__isnull=True,
            opened_at__lte=at - timedelta(seconds=policy.reconnect_alarm_s),
        )
        supply_policy = load_policy()
        for case in late:
            # 快速复电管控: a reconnection not confirmed within minutes alarms the grid staff.
            contacts = account_contacts(account_id=case.account_id)
            if contacts.grid_staff_phone:
                hours = (at - case.opened_at).total_seconds() / 3600
                queue_sms(
                    key=f"reconnect_late:{case.id}", phones=[contacts.grid_staff_phone],
                    kind="reconnect_overdue_staff",
                    params={"account_no": contacts.account_no, "customer_name": contacts.customer_name,
                            "hours": f"{hours:.1f}"},
                    account_id=case.account_id, policy=supply_policy, at=at,
                )
            minutes = (at - case.opened_at).total_seconds() / 60
            open_reconnect_work_order(case, detail=f"交费后 {minutes:.0f} 分钟仍未确认复电", at=at)
            case.alarm_raised_at = at
            case.save(update_fields=["alarm_raised_at"])
            report.alarms += 1
    return report
