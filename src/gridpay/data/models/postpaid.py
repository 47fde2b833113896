"""Postpaid bills (后付费电费), what paid them, the late fees charged on them and those waived."""

from django.db import models

from gridpay.data.models.accounts import Account
from gridpay.data.models.ledger import Transfer
from gridpay.data.models.payments import Payment


class AreaReadingDay(models.Model):
    """A transformer area's own meter-reading day (抄表例日), before its village's."""

    transformer_area = models.CharField("台区", max_length=50, unique=True)
    reading_day = models.PositiveSmallIntegerField("抄表例日")

    class Meta:
        verbose_name = "台区抄表例日"
        constraints = [
            models.CheckConstraint(condition=models.Q(reading_day__gte=1, reading_day__lte=28),
                                   name="area_reading_day_in_month"),
        ]


class PostpaidBill(models.Model):
    """One month's bill of a postpaid account: energy between two reading days, priced once, owed by its due date.

    Its amount was posted to the account's receivable (应收电费) when it was issued; the paid and late-fee columns
    follow the transfers that moved them, in the same transactions.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postpaid_bills")
    bill_no = models.CharField("电费单号", max_length=40, unique=True)
    month = models.DateField("电费月份")  # the first day of the reading day's month
    period_from = models.DateField("起始日")  # first day whose energy is billed
    reading_date = models.DateField("抄表日")  # last day whose energy is billed
    energy_kwh = models.DecimalField("电量", max_digits=12, decimal_places=2)
    tou_kwh = models.JSONField("分时电量", default=dict)
    tariff_code = models.CharField("电价", max_length=40)
    lines = models.JSONField("计费明细", default=list)
    amount_fen = models.BigIntegerField("电费（分）")
    issued_on = models.DateField("发行日期")
    issued_at = models.DateTimeField()
    due_on = models.DateField("交费期限")
    # No database foreign key: transfers are partitioned by month, keyed (id, business_day) there (ADR 0033);
    # written by the ledger's one writer in the posting's transaction, and never deleted.
    posting = models.OneToOneField(Transfer, null=True, on_delete=models.PROTECT, db_constraint=False, related_name="+")
    principal_paid_fen = models.BigIntegerField("已交电费（分）", default=0)
    late_fee_fen = models.BigIntegerField("违约金（分）", default=0)  # charged so far
    late_fee_through = models.DateField("违约金计至", null=True, blank=True)
    late_fee_paid_fen = models.BigIntegerField("已交违约金（分）", default=0)
    late_fee_waived_fen = models.BigIntegerField("减免违约金（分）", default=0)
    paid_off_on = models.DateField("结清日期", null=True, blank=True)

    class Meta:
        verbose_name = "后付费电费单"
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="postpaid_bill_one_a_month"),
            models.CheckConstraint(condition=models.Q(amount_fen__gte=0), name="postpaid_bill_amount_not_negative"),
            models.CheckConstraint(
                condition=models.Q(principal_paid_fen__gte=0, principal_paid_fen__lte=models.F("amount_fen")),
                name="postpaid_bill_principal_paid_within",
            ),
            models.CheckConstraint(
                condition=models.Q(late_fee_paid_fen__gte=0, late_fee_waived_fen__gte=0)
                & models.Q(late_fee_fen__gte=models.F("late_fee_paid_fen") + models.F("late_fee_waived_fen")),
                name="postpaid_bill_late_fee_within",
            ),
            models.CheckConstraint(condition=models.Q(due_on__gt=models.F("issued_on")),
                                   name="postpaid_bill_due_after_issue"),
        ]
        indexes = [
            models.Index(fields=["account", "reading_date"], name="postpaid_bill_account"),
            models.Index(fields=["due_on"], name="postpaid_bill_open", condition=models.Q(paid_off_on__isnull=True)),
            models.Index(fields=["issued_on"], name="postpaid_bill_issued"),
        ]

    def __str__(self) -> str:
        return self.bill_no


class BillPayment(models.Model):
    """Credit applied to a bill (冲抵): from a payment, or from credit the account already had."""

    bill = models.ForeignKey(PostpaidBill, on_delete=models.PROTECT, related_name="payments")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="bill_payments")
    business_day = models.DateField()
    at = models.DateTimeField()
    principal_fen = models.BigIntegerField()
    late_fee_fen = models.BigIntegerField()
    # No database foreign key: transfers are partitioned by month, keyed (id, business_day) there (ADR 0033);
    # written by the ledger's one writer in the posting's transaction, and never deleted.
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, db_constraint=False, related_name="+")

    class Meta:
        verbose_name = "电费冲抵"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(principal_fen__gte=0, late_fee_fen__gte=0)
                & (models.Q(principal_fen__gt=0) | models.Q(late_fee_fen__gt=0)),
                name="bill_payment_positive",
            ),
        ]


class LateFeeCharge(models.Model):
    """Late fee charged on a bill by a day's accrual: the bill's total through that day less what was charged."""

    bill = models.ForeignKey(PostpaidBill, on_delete=models.PROTECT, related_name="late_fee_charges")
    through = models.DateField("计至")
    amount_fen = models.BigIntegerField()
    # No database foreign key: transfers are partitioned by month, keyed (id, business_day) there (ADR 0033);
    # written by the ledger's one writer in the posting's transaction, and never deleted.
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, db_constraint=False, related_name="+")

    class Meta:
        verbose_name = "违约金计收"
        constraints = [
            models.UniqueConstraint(fields=["bill", "through"], name="late_fee_charge_once_a_day"),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="late_fee_charge_positive"),
        ]


class LateFeeWaiver(models.Model):
    """Late fee a station head waived (减免), with the reason; an audit record is written with it."""

    bill = models.ForeignKey(PostpaidBill, on_delete=models.PROTECT, related_name="late_fee_waivers")
    amount_fen = models.BigIntegerField()
    reason = models.CharField("减免原因", max_length=200)
    by = models.CharField("审批人", max_length=100)
    at = models.DateTimeField()
    business_day = models.DateField()
    # No database foreign key: transfers are partitioned by month, keyed (id, business_day) there (ADR 0033);
    # written by the ledger's one writer in the posting's transaction, and never deleted.
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, db_constraint=False, related_name="+")

    class Meta:
        verbose_name = "违约金减免"
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="late_fee_waiver_positive"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="late_fee_waiver_has_reason"),
        ]
