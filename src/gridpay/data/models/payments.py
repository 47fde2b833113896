"""Payments received, unique per (channel, channel transaction id) and per Idempotency-Key."""

from django.db import models

from gridpay.data.models.accounts import Account
from gridpay.data.models.ledger import Transfer


class Payment(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payments")
    channel = models.CharField(max_length=20)
    channel_txn_id = models.CharField(max_length=64)
    amount_fen = models.BigIntegerField()
    received_at = models.DateTimeField()
    business_day = models.DateField()
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT)
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
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT)

    class Meta:
        verbose_name = "退款"
        constraints = [
            models.UniqueConstraint(fields=["channel", "channel_refund_id"], name="refund_once_per_channel_id"),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="refund_amount_positive"),
        ]


class CounterReceipt(models.Model):
    """The receipt of a counter payment: which cashier took it, and how often it was printed."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="counter_receipt")
    cashier = models.CharField("收费员", max_length=50)
    issued_at = models.DateTimeField()
    prints = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "柜台收据"
