"""Arrears cases of postpaid accounts (停电催费): each step of the legal procedure as it was recorded, in order.

The columns are domain.arrears_procedure.CaseFile's records. The database refuses a later step without the earlier
ones (the checks below), as the domain does, so no code path can store a disconnection without its notices and
approval.
"""

from django.db import models
from django.db.models import F, Q

from gridpay.data.models.accounts import Account
from gridpay.data.models.meter_commands import MeterCommand
from gridpay.domain.arrears_procedure import ReconnectionSource, Stage


def _after(later: str, *earlier: str) -> Q:
    """``later`` is recorded only when every one of ``earlier`` is."""
    condition = Q(**{f"{later}__isnull": True})
    required = Q()
    for field in earlier:
        required &= Q(**{f"{field}__isnull": False})
    return condition | required


class ArrearsCase(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="arrears_cases")
    stage = models.CharField("阶段", max_length=24, choices=[(s.value, s.label) for s in Stage])
    residential = models.BooleanField("居民")
    important = models.BooleanField("重要用户")
    opened_at = models.DateTimeField("立案时间")
    opened_fen = models.BigIntegerField("立案时欠费（分）")

    yellow_at = models.DateTimeField("催费通知单送达", null=True, blank=True)
    yellow_by = models.CharField(max_length=100, blank=True)
    yellow_amount_fen = models.BigIntegerField(null=True, blank=True)
    yellow_pay_by = models.DateField(null=True, blank=True)
    yellow_planned_at = models.DateTimeField(null=True, blank=True)

    red_at = models.DateTimeField("中止供电通知书送达", null=True, blank=True)
    red_by = models.CharField(max_length=100, blank=True)
    red_amount_fen = models.BigIntegerField(null=True, blank=True)
    red_pay_by = models.DateField(null=True, blank=True)
    red_planned_at = models.DateTimeField("计划停电时间", null=True, blank=True)
    red_signed = models.BooleanField("客户签收", null=True, blank=True)
    red_refusal_note = models.CharField("拒签情况", max_length=500, blank=True)

    supervisor_ack_at = models.DateTimeField("班长知悉拒签", null=True, blank=True)
    supervisor_ack_by = models.CharField(max_length=100, blank=True)
    head_ack_at = models.DateTimeField("所长知悉拒签", null=True, blank=True)
    head_ack_by = models.CharField(max_length=100, blank=True)

    approved_at = models.DateTimeField("批准停电", null=True, blank=True)
    approved_by = models.CharField(max_length=100, blank=True)
    approved_role = models.CharField(max_length=16, blank=True)
    company_level = models.BooleanField(null=True, blank=True)
    filing_ref = models.CharField("报备文号", max_length=100, blank=True)

    ticket_at = models.DateTimeField("停电工作票", null=True, blank=True)
    ticket_by = models.CharField(max_length=100, blank=True)
    ticket_for_day = models.DateField("停电日期", null=True, blank=True)

    phone_at = models.DateTimeField("停电前电话通知", null=True, blank=True)
    phone_by = models.CharField(max_length=100, blank=True)

    executed_at = models.DateTimeField("停电执行", null=True, blank=True)
    executed_by = models.CharField(max_length=100, blank=True)
    executed_remote = models.BooleanField(null=True, blank=True)
    meter_verified = models.BooleanField(null=True, blank=True)
    # No database foreign key to a command (here and below): commands are partitioned by month, keyed (id,
    # created_at) there (ADR 0042); a command is written before the row that names it and never deleted.
    disconnect_command = models.ForeignKey(MeterCommand, null=True, blank=True, on_delete=models.PROTECT,
                                           db_constraint=False, related_name="+")

    closed_at = models.DateTimeField("交清结案", null=True, blank=True)
    closed_by = models.CharField(max_length=100, blank=True)

    reconnection_at = models.DateTimeField("复电工作票", null=True, blank=True)
    reconnection_by = models.CharField(max_length=100, blank=True)
    reconnection_source = models.CharField(max_length=8, blank=True,
                                           choices=[(s.value, s.label) for s in ReconnectionSource])
    reconnection_request_no = models.CharField("95598工单号", max_length=40, blank=True)
    reconnection_due_by = models.DateTimeField("复电时限", null=True, blank=True)
    reconnect_command = models.ForeignKey(MeterCommand, null=True, blank=True, on_delete=models.PROTECT,
                                          db_constraint=False, related_name="+")

    reconnected_at = models.DateTimeField("已复电", null=True, blank=True)
    reconnected_by = models.CharField(max_length=100, blank=True)
    reconnected_remote = models.BooleanField(null=True, blank=True)
    explanation_to_customer = models.CharField("向客户说明", max_length=500, blank=True)
    explanation_to_supervisor = models.CharField("向主管说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "停电催费案件"
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(closed_at__isnull=True, reconnected_at__isnull=True),
                name="arrears_case_one_open",
            ),
            models.CheckConstraint(condition=_after("red_at", "yellow_at"), name="arrears_red_after_yellow"),
            models.CheckConstraint(condition=_after("approved_at", "red_at"), name="arrears_approval_after_red"),
            # A refused red notice goes up to the 班长 (and the station head for non-residential) before approval.
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | Q(red_signed=True) | Q(supervisor_ack_at__isnull=False),
                name="arrears_refusal_acknowledged",
            ),
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | Q(red_signed=True) | Q(residential=True)
                | Q(head_ack_at__isnull=False),
                name="arrears_refusal_acknowledged_by_head",
            ),
            models.CheckConstraint(condition=Q(important=False) | Q(approved_at__isnull=True) | ~Q(filing_ref=""),
                                   name="arrears_important_filed"),
            models.CheckConstraint(condition=_after("ticket_at", "approved_at"), name="arrears_ticket_after_approval"),
            models.CheckConstraint(condition=_after("phone_at", "ticket_at"), name="arrears_phone_after_ticket"),
            models.CheckConstraint(
                condition=_after("executed_at", "yellow_at", "red_at", "approved_at", "ticket_at", "phone_at"),
                name="arrears_executed_after_every_step",
            ),
            models.CheckConstraint(
                condition=Q(executed_at__isnull=True)
                | (Q(executed_at__gte=F("red_planned_at")) & Q(executed_at__gt=F("phone_at"))),
                name="arrears_executed_after_plan_and_phone",
            ),
            models.CheckConstraint(condition=Q(closed_at__isnull=True) | Q(executed_at__isnull=True),
                                   name="arrears_closed_only_before_execution"),
            models.CheckConstraint(condition=_after("reconnection_at", "executed_at"),
                                   name="arrears_reconnection_after_execution"),
            models.CheckConstraint(condition=_after("reconnected_at", "reconnection_at"),
                                   name="arrears_reconnected_after_ticket"),
        ]
        indexes = [models.Index(fields=["stage", "account"], name="arrears_case_stage")]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.stage}"
