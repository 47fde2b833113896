"""Payments received, unique per (channel, channel transaction id) and per Idempotency-Key."""

from django.db import models

from gridpay.data.models.accounts import Account
from gridpay.data.models.ledger import Transfer
from gridpay.domain.channel_refunds import RefundStatus


class Payment(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payments")
    channel = models.CharField(max_length=20)
    channel_txn_id = models.CharField(max_length=64)
    amount_fen = models.BigIntegerField()
    received_at = models.DateTimeField()
    business_day = models.DateField()
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    # No database foreign key: transfers are partitioned by month, keyed (id, business_day) there (ADR 0033);
    # written by the ledger's one writer in the posting's transaction, and never deleted.
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, db_constraint=False)
    # Who paid as the channel names them (a masked name or openid): anyone may pay for any account.
    payer = models.CharField("付款人", max_length=100, blank=True, default="", db_default="")

    class Meta:
        verbose_name = "交费"
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "channel_txn_id"], name="payment_once_per_channel_txn"
            ),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="payment_amount_positive"),
        ]
        # Reconciliation reads a channel's day of payments.
        indexes = [models.Index(fields=["channel", "received_at"], name="payment_channel_time")]


class PaymentRefund(models.Model):
    """Money of a payment going back (退款/冲正): a new transfer linked to the payment, never an edit."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    kind = models.CharField(max_length=10, choices=[("refund", "退款"), ("reversal", "冲正")])
    channel = models.CharField(max_length=20)
    channel_refund_id = models.CharField(max_length=64)
    amount_fen = models.BigIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    refunded_at = models.DateTimeField()
    business_day = models.DateField()
    # No database foreign key: transfers are partitioned by month, keyed (id, business_day) there (ADR 0033);
    # written by the ledger's one writer in the posting's transaction, and never deleted.
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, db_constraint=False)
    # What the channel says of a refund it was asked for (PROCESSING, SUCCESS, ABNORMAL, CLOSED); "" for a refund
    # no channel makes (a reversal) and for those recorded before the channel's answer was kept.
    channel_status = models.CharField(
        "渠道退款状态", max_length=10, blank=True, default="", db_default="",
        choices=[(status.value, status.label) for status in RefundStatus],
    )
    channel_settled_at = models.DateTimeField("渠道退款完成时间", null=True, blank=True)
    received_by = models.CharField("退款入账方", max_length=64, blank=True, default="", db_default="")
    # A refund the channel closed unmade gives its money back to the account: this transfer, once.
    # No database foreign key: transfers are partitioned by month, keyed (id, business_day) there (ADR 0033);
    # written by the ledger's one writer in the posting's transaction, and never deleted.
    closed_transfer = models.OneToOneField(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, db_constraint=False, related_name="closed_refund"
    )

    class Meta:
        verbose_name = "退款"
        constraints = [
            models.UniqueConstraint(fields=["channel", "channel_refund_id"], name="refund_once_per_channel_id"),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="refund_amount_positive"),
        ]


class CounterReceipt(models.Model):
    """The receipt of a counter payment: which cashier took it, how often it was printed, and its void if voided."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="counter_receipt")
    cashier = models.CharField("收费员", max_length=50)
    # The cashier's login, which the void's "their own" rule compares; "" when the command line named them in words.
    taken_by = models.CharField("收费员登录名", max_length=150, blank=True, default="", db_default="")
    issued_at = models.DateTimeField()
    prints = models.PositiveSmallIntegerField(default=0)
    # The cashier's void the same business day (作废, ADR 0025): the reversal it posted, who asked, who authorised.
    void_refund = models.OneToOneField(
        PaymentRefund, null=True, blank=True, on_delete=models.PROTECT, related_name="voided_receipt"
    )
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.CharField("作废人", max_length=100, blank=True, default="", db_default="")
    void_authorised_by = models.CharField("作废授权人", max_length=100, blank=True, default="", db_default="")
    void_reason = models.CharField("作废原因", max_length=200, blank=True, default="", db_default="")

    class Meta:
        verbose_name = "柜台收据"
