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

    class Meta:
        verbose_name = "交费"
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "channel_txn_id"], name="payment_once_per_channel_txn"
            ),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="payment_amount_positive"),
        ]
