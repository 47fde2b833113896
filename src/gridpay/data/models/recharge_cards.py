"""Recharge card batches and cards: PINs are never stored, only their keyed digests."""

from django.db import models

from gridpay.data.models.payments import Payment


class CardBatch(models.Model):
    code = models.CharField("批次号", max_length=12, unique=True)
    face_value_fen = models.BigIntegerField("面值（分）")
    count = models.PositiveIntegerField()
    expires_on = models.DateField("有效期至")
    status = models.CharField(max_length=10, default="active")  # active | void
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=100)

    class Meta:
        verbose_name = "充值卡批次"
        constraints = [models.CheckConstraint(condition=models.Q(face_value_fen__gt=0), name="card_face_positive")]


class RechargeCard(models.Model):
    batch = models.ForeignKey(CardBatch, on_delete=models.PROTECT, related_name="cards")
    serial = models.CharField("卡号", max_length=20, unique=True)
    pin_digest = models.CharField(max_length=64)
    status = models.CharField(max_length=10, default="issued")  # issued | redeemed | void | locked
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = "充值卡"
