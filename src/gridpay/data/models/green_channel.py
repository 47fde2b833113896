"""The green channel (绿色通道): hardship flags with their history, home collections and the collectors' hand-ins."""

from django.db import models
from django.db.models import Q

from gridpay.data.models.accounts import Account
from gridpay.data.models.payments import Payment
from gridpay.domain.green_channel import HardshipKind


class HardshipFlag(models.Model):
    """A household in the green channel from ``approved_at`` until it is unflagged; unflagging keeps the row."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="hardship_flags")
    kind = models.CharField("困难类别", max_length=20, choices=[(k.value, k.label) for k in HardshipKind])
    reason = models.CharField("原因", max_length=200, blank=True)
    approved_by = models.CharField("批准人", max_length=100)
    approved_at = models.DateTimeField("批准时间")
    unflagged_by = models.CharField("取消人", max_length=100, blank=True)
    unflagged_at = models.DateTimeField("取消时间", null=True, blank=True)
    unflag_reason = models.CharField("取消原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "绿色通道户"
        constraints = [
            # One flag in force per account; the ended ones are its history.
            models.UniqueConstraint(fields=["account"], condition=Q(unflagged_at__isnull=True),
                                    name="hardship_flag_one_in_force"),
        ]


class CashHandIn(models.Model):
    """A collector's cash counted in at the counter (上门收费缴存), against the collections it covers."""

    slip_no = models.CharField("缴款单号", max_length=40, unique=True)
    collector = models.CharField("收费员", max_length=150)  # login
    collector_name = models.CharField(max_length=100, blank=True)
    handed_in_fen = models.BigIntegerField("缴存金额（分）")
    expected_fen = models.BigIntegerField("应缴金额（分）")
    difference_fen = models.BigIntegerField("差额（分）")  # handed in minus expected
    collections = models.PositiveIntegerField("笔数")
    cashier = models.CharField("营业员", max_length=100)
    at = models.DateTimeField()
    business_day = models.DateField()

    class Meta:
        verbose_name = "上门收费缴存"
        constraints = [
            models.CheckConstraint(condition=Q(difference_fen=models.F("handed_in_fen") - models.F("expected_fen")),
                                   name="hand_in_difference"),
            models.CheckConstraint(condition=Q(handed_in_fen__gte=0), name="hand_in_not_negative"),
        ]
        indexes = [models.Index(fields=["collector", "business_day"], name="hand_in_collector_day")]


class HomeCollection(models.Model):
    """Cash taken at the door of a flagged household (上门收费): its payment, the paper receipt and the photo."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="home_collection")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="home_collections")
    collector = models.CharField("收费员", max_length=150)  # login
    collector_name = models.CharField(max_length=100, blank=True)
    receipt_no = models.CharField("收据号", max_length=30)
    amount_fen = models.BigIntegerField()
    collected_at = models.DateTimeField()
    collected_on = models.DateField()
    photo = models.CharField("照片", max_length=200, blank=True)  # a name under the configured photo directory
    hand_in = models.ForeignKey(CashHandIn, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="home_collections")

    class Meta:
        verbose_name = "上门收费"
        constraints = [
            models.UniqueConstraint(fields=["collector", "receipt_no"], name="home_collection_receipt_once"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="home_collection_amount_positive"),
        ]
        indexes = [models.Index(fields=["collector", "hand_in"], name="home_collection_unsettled")]
