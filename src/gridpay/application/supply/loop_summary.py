"""What the control loop has done: alerts and SMS, disconnections, reconnections and their times, calls, work orders."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count

from gridpay.data.history_archive import archived_command_count
from gridpay.data.models import Account, CallTask, MeterCommand, Notification, ReconnectCase, WorkOrder
from gridpay.data.models.field_work import CallOutcome


@dataclass(frozen=True)
class LoopSummary:
    sms_by_kind: dict[str, int]
    sms_sent: int
    sms_pending: int
    disconnections: int  # confirmed by read-back
    reconnections: int  # confirmed by read-back
    reconnect_median: timedelta | None  # from the payment to the read-back
    reconnect_slowest: timedelta | None
    reconnections_pending: int
    reconnections_overdue: int  # pending past their 24-hour commitment
    disconnected_now: int
    commands_escalated: int
    work_orders_open: int
    calls_pending: int


def loop_summary(*, now: datetime) -> LoopSummary:
    by_kind = dict(Notification.objects.values_list("kind").annotate(n=Count("id")).order_by())
    times = sorted(
        confirmed - opened
        for opened, confirmed in ReconnectCase.objects.filter(confirmed_at__isnull=False).values_list(
            "opened_at", "confirmed_at"
        )
        if confirmed is not None
    )
    return LoopSummary(
        sms_by_kind=by_kind,
        sms_sent=Notification.objects.filter(status="sent").count(),
        sms_pending=Notification.objects.filter(status="pending").count(),
        disconnections=_commands(action="disconnect", status="confirmed"),
        reconnections=_commands(action="reconnect", status="confirmed"),
        reconnect_median=times[len(times) // 2] if times else None,
        reconnect_slowest=max(times) if times else None,
        reconnections_pending=ReconnectCase.objects.filter(confirmed_at__isnull=True).count(),
        reconnections_overdue=ReconnectCase.objects.filter(confirmed_at__isnull=True, due_by__lt=now).count(),
        disconnected_now=Account.objects.filter(supply_state="disconnected").count(),
        commands_escalated=_commands(action=None, status="escalated"),
        work_orders_open=WorkOrder.objects.filter(closed_at__isnull=True).count(),
        calls_pending=CallTask.objects.filter(outcome=CallOutcome.PENDING).count(),
    )


def _commands(*, action: str | None, status: str) -> int:
    """The meter commands of ``action`` (None: any) that ended in ``status``, archived months included (ADR 0044)."""
    in_database = MeterCommand.objects.filter(status=status)
    if action is not None:
        in_database = in_database.filter(action=action)
    return in_database.count() + archived_command_count(action=action, status=status, instant="created_at")
