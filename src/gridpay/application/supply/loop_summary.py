"""What the control loop has done: alerts and SMS, disconnections, reconnections and their times, calls, work orders."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count

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
    confirmed = MeterCommand.objects.filter(status="confirmed")
    return LoopSummary(
        sms_by_kind=by_kind,
        sms_sent=Notification.objects.filter(status="sent").count(),
        sms_pending=Notification.objects.filter(status="pending").count(),
        disconnections=confirmed.filter(action="disconnect").count(),
        reconnections=confirmed.filter(action="reconnect").count(),
        reconnect_median=times[len(times) // 2] if times else None,
        reconnect_slowest=max(times) if times else None,
        reconnections_pending=ReconnectCase.objects.filter(confirmed_at__isnull=True).count(),
        reconnections_overdue=ReconnectCase.objects.filter(confirmed_at__isnull=True, due_by__lt=now).count(),
        disconnected_now=Account.objects.filter(supply_state="disconnected").count(),
        commands_escalated=MeterCommand.objects.filter(status="escalated").count(),
        work_orders_open=WorkOrder.objects.filter(closed_at__isnull=True).count(),
        calls_pending=CallTask.objects.filter(outcome=CallOutcome.PENDING).count(),
    )
