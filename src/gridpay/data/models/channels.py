"""Orders we ask an online channel to collect (WeChat Pay, Alipay), and every channel message we refused."""

from django.db import models

from gridpay.data.models.accounts import Account
from gridpay.data.models.payments import Payment


class OrderStatus(models.TextChoices):
    NEW = "new", "新建"  # saved before the channel was asked: a crash leaves a trace, never a lost order
    OPEN = "open", "待支付"
    PAID = "paid", "已支付"
    FAILED = "failed", "下单失败"


class ChannelOrder(models.Model):
    channel = models.CharField(max_length=20)
    order_no = models.CharField("商户订单号", max_length=32, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="channel_orders")
    amount_fen = models.BigIntegerField()
    kind = models.CharField("下单方式", max_length=10)  # native (QR), jsapi, precreate (Alipay QR)
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.NEW)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # What the customer's phone needs: a QR code's URL, or the signed JSAPI parameters.
    pay_with = models.JSONField(default=dict)
    error = models.CharField(max_length=200, blank=True)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = "渠道订单"
        constraints = [models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="order_amount_positive")]


class ChannelRefusal(models.Model):
    """A notification or request refused before it could touch money: who sent what, and why."""

    channel = models.CharField(max_length=20)
    received_at = models.DateTimeField()
    reason = models.CharField(max_length=20)
    detail = models.CharField(max_length=300, blank=True)
    order_no = models.CharField(max_length=64, blank=True)
    channel_txn_id = models.CharField(max_length=64, blank=True)
    remote_addr = models.CharField(max_length=45, blank=True)
    body_sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = "拒绝的渠道通知"
        indexes = [models.Index(fields=["channel", "received_at"], name="refusal_channel_time")]
