"""The notification outbox: an SMS is a row, with its attempts, before it is a message."""

from django.db import models
from django.utils.translation import gettext_noop

from gridpay.data.models.accounts import Account


class NotificationStatus(models.TextChoices):
    PENDING = "pending", gettext_noop("待发送")
    SENT = "sent", gettext_noop("已发送")
    FAILED = "failed", gettext_noop("发送失败")


class Notification(models.Model):
    # What makes it unique, so a job run twice queues it once (e.g. "alert:<account>:<kind>:<day>").
    key = models.CharField(max_length=120, unique=True)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications")
    phone = models.CharField("手机号", max_length=30)
    kind = models.CharField("类型", max_length=40)
    params = models.JSONField(default=dict)
    text = models.CharField("短信内容", max_length=500)
    status = models.CharField(max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    created_at = models.DateTimeField()
    # Quiet hours and retry backoff: not sent before this.
    not_before = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "短信"
        indexes = [
            models.Index(fields=["not_before"], condition=models.Q(status="pending"), name="notification_due"),
            models.Index(fields=["account", "created_at"], name="notification_account"),
        ]
