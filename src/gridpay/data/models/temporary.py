"""Temporary supply (临时用电): the term, the prepaid estimate and the end of an ordinary account."""

from django.db import models

from gridpay.data.models.accounts import Account
from gridpay.data.models.field_work import WorkOrder
from gridpay.data.models.ledger import Transfer
from gridpay.data.models.meter_commands import MeterCommand
from gridpay.domain.temporary_supply import TemporaryPurpose, TemporaryStage


class TemporarySupply(models.Model):
    """The account is an ordinary prepaid one (payments, ledger, readings, daily settlement); this row says it is
    temporary, what it must prepay before connection, and how it ended."""

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="temporary_supply")
    purpose = models.CharField("用电性质", max_length=16, choices=[(p.value, p.label) for p in TemporaryPurpose])
    description = models.CharField("用电事由", max_length=200, blank=True)
    planned_start = models.DateField("计划开始日期")
    planned_end = models.DateField("计划结束日期")
    estimate_kwh = models.DecimalField("预计用电量（千瓦时）", max_digits=12, decimal_places=2)
    # The estimate priced by the account's tariff in force on the planned start (the tariff calculator's price).
    estimate_fen = models.BigIntegerField("预计电费（分）")
    # False: the head-end cannot switch the meter's relay; connection and disconnection are field work orders.
    remote_control = models.BooleanField("远程费控", default=True)
    stage = models.CharField("状态", max_length=12, choices=[(s.value, s.label) for s in TemporaryStage],
                             default=TemporaryStage.REGISTERED.value)
    registered_at = models.DateTimeField("登记时间")
    registered_by = models.CharField("登记人", max_length=100)

    connected_at = models.DateTimeField("下达送电时间", null=True, blank=True)
    connected_by = models.CharField("送电下达人", max_length=100, blank=True)
    # No database foreign key to a command (here and below): commands are partitioned by month, keyed (id,
    # created_at) there (ADR 0042); a command is written before the row that names it and never deleted.
    connect_command = models.ForeignKey(MeterCommand, null=True, blank=True, on_delete=models.PROTECT,
                                        db_constraint=False, related_name="+")
    connect_work_order = models.ForeignKey(WorkOrder, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+")

    # The planned end passed without the supply being ended: disconnected (供电营业规则 art. 12); no payment
    # reconnects it.
    expired_at = models.DateTimeField("期满停电时间", null=True, blank=True)

    ended_on = models.DateField("结束日期", null=True, blank=True)
    ended_at = models.DateTimeField("结束办理时间", null=True, blank=True)
    ended_by = models.CharField("结束办理人", max_length=100, blank=True)
    final_total_kwh = models.DecimalField("末次读数", max_digits=12, decimal_places=2, null=True, blank=True)
    # The remaining credit paid back in cash at the counter, through the ledger (none when nothing was left).
    # No database foreign key: transfers are partitioned by month, keyed (id, business_day) there (ADR 0033);
    # written by the ledger's one writer in the posting's transaction, and never deleted.
    refund_transfer = models.OneToOneField(Transfer, null=True, blank=True, on_delete=models.PROTECT,
                                           db_constraint=False, related_name="+")
    refunded_fen = models.BigIntegerField("退还余额（分）", default=0)
    owed_fen = models.BigIntegerField("结束时欠费（分）", default=0)
    disconnect_command = models.ForeignKey(MeterCommand, null=True, blank=True, on_delete=models.PROTECT,
                                           db_constraint=False, related_name="+")
    disconnect_work_order = models.ForeignKey(WorkOrder, null=True, blank=True, on_delete=models.PROTECT,
                                              related_name="+")

    class Meta:
        verbose_name = "临时用电"
        constraints = [
            models.CheckConstraint(condition=models.Q(estimate_kwh__gt=0), name="temporary_estimate_positive"),
            models.CheckConstraint(condition=models.Q(estimate_fen__gte=0), name="temporary_estimate_fen"),
            models.CheckConstraint(condition=models.Q(planned_end__gte=models.F("planned_start")),
                                   name="temporary_term_ordered"),
            models.CheckConstraint(condition=models.Q(refunded_fen__gte=0) & models.Q(owed_fen__gte=0)
                                   & (models.Q(refunded_fen=0) | models.Q(owed_fen=0)),
                                   name="temporary_refund_or_owed"),
            # Connected only once ordered; ended only with its end recorded.
            models.CheckConstraint(
                condition=models.Q(stage=TemporaryStage.REGISTERED.value) | models.Q(connected_at__isnull=False)
                | models.Q(stage=TemporaryStage.ENDED.value),
                name="temporary_connected_has_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(stage=TemporaryStage.ENDED.value)
                | (models.Q(ended_on__isnull=False) & models.Q(ended_at__isnull=False)),
                name="temporary_ended_has_end",
            ),
        ]
        indexes = [models.Index(fields=["stage", "planned_end"], name="temporary_stage_end")]
