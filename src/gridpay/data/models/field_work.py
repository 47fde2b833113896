"""Work for people: the grid staff's phone calls (三通电话), field work orders and reconnection cases."""

from django.db import models
from django.utils.translation import gettext_noop

from gridpay.data.models.accounts import Account
from gridpay.data.models.meter_commands import MeterCommand
from gridpay.data.models.places import GridStaff


class CallReason(models.TextChoices):
    BEFORE_ENABLING = "before_enabling", gettext_noop("开通智能交费前")
    ARREARS_SMS = "arrears_sms", gettext_noop("欠费停电短信当日")
    AFTER_DISCONNECTION = "after_disconnection", gettext_noop("停电当日")
    CLOSE_PERMITTED = "close_permitted", gettext_noop("已允许合闸，待用户合闸")
    PAYMENT_REMINDER = "payment_reminder", gettext_noop("交费提醒（长期延时交费户）")


class CallOutcome(models.TextChoices):
    PENDING = "pending", gettext_noop("待拨打")
    REACHED = "reached", gettext_noop("已联系")
    NOT_REACHED = "not_reached", gettext_noop("未接通")
    WRONG_NUMBER = "wrong_number", gettext_noop("号码错误")
    PAID = "paid", gettext_noop("已交费")


class CallTask(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="call_tasks")
    grid_staff = models.ForeignKey(GridStaff, null=True, blank=True, on_delete=models.PROTECT)
    reason = models.CharField("事由", max_length=24, choices=CallReason.choices)
    due_on = models.DateField("拨打日期")
    created_at = models.DateTimeField()
    outcome = models.CharField("结果", max_length=16, choices=CallOutcome.choices, default=CallOutcome.PENDING)
    note = models.CharField("备注", max_length=200, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.CharField(max_length=50, blank=True)

    class Meta:
        verbose_name = "电话任务"
        constraints = [
            models.UniqueConstraint(fields=["account", "reason", "due_on"], name="call_task_unique"),
        ]
        indexes = [models.Index(fields=["grid_staff", "due_on"], name="call_task_staff_day")]


class WorkOrderKind(models.TextChoices):
    DISCONNECT_FAILED = "disconnect_failed", gettext_noop("远程停电失败")
    RECONNECT_FAILED = "reconnect_failed", gettext_noop("远程复电失败")
    PROTECTED_REVIEW = "protected_review", gettext_noop("保电户欠费待处理")
    TEMPORARY_CONNECT = "temporary_connect", gettext_noop("临时用电送电")
    TEMPORARY_DISCONNECT = "temporary_disconnect", gettext_noop("临时用电结束停电")


class WorkOrder(models.Model):
    # One open order per (kind, account, occasion); the occasion keeps a job run twice from opening two.
    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField("类型", max_length=20, choices=WorkOrderKind.choices)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="work_orders")
    # No database foreign key to a command (here and in ReconnectCase): commands are partitioned by month, keyed
    # (id, created_at) there (ADR 0042); a command is written before the row that names it and never deleted.
    command = models.ForeignKey(MeterCommand, null=True, blank=True, on_delete=models.PROTECT, db_constraint=False)
    opened_at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "现场工单"


class ReconnectCase(models.Model):
    """From the payment that earned reconnection to the read-back that proves it (the 24-hour commitment)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="reconnect_cases")
    opened_at = models.DateTimeField("交费时间")
    due_by = models.DateTimeField("承诺复电时限")
    command = models.ForeignKey(MeterCommand, null=True, blank=True, on_delete=models.PROTECT, db_constraint=False)
    # A meter without 1C: the close is permitted (1B taken), then the customer closes the relay.
    close_permitted_at = models.DateTimeField("合闸允许时间", null=True, blank=True)
    relay_polled_at = models.DateTimeField("最近一次询问继电器", null=True, blank=True)
    confirmed_at = models.DateTimeField("复电确认时间", null=True, blank=True)
    alarm_raised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "复电跟踪"
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=models.Q(confirmed_at__isnull=True), name="reconnect_case_one_open"
            ),
        ]
