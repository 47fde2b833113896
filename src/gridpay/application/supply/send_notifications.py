"""Sends the SMS outbox through the configured provider: due rows only, each attempt counted, retried with backoff."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from gridpay.data.models import Notification
from gridpay.data.models.notifications import NotificationStatus
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.sms_texts import ordered_params
from gridpay.domain.supply_policy import sms_allowed_at
from gridpay.integrations.sms.provider import SmsFailed, SmsMessage, SmsProvider

MAX_ATTEMPTS = 5
BACKOFF_S = (60, 300, 1800, 7200)


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    held_for_quiet_hours: int = 0


def send_notifications(*, provider: SmsProvider, at: datetime, limit: int = 1_000) -> SendReport:
    policy = load_policy()
    report = SendReport()
    allowed_from = sms_allowed_at(policy=policy, at=at)
    due = Notification.objects.filter(status=NotificationStatus.PENDING, not_before__lte=at)
    if allowed_from > at:
        # Quiet hours now: what was queued earlier (a retry, a staff alarm) waits as well.
        report.held_for_quiet_hours = due.update(not_before=allowed_from)
        return report
    for notification_id in due.order_by("not_before", "id").values_list("id", flat=True)[:limit]:
        outcome = send_notification(notification_id=notification_id, provider=provider, at=at)
        if outcome in ("sent", "retrying", "failed"):
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def send_notification(*, notification_id: int, provider: SmsProvider, at: datetime) -> str:
    """One outbox row, now, whatever the hour (a sign-in code cannot wait for morning): sent, retrying, failed,
    or skipped when another sender got it first."""
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(id=notification_id)
        if row.status != NotificationStatus.PENDING:
            return "skipped"
        message = SmsMessage(
            phone=row.phone, kind=row.kind, params=ordered_params(kind=row.kind, params=row.params), text=row.text,
        )
        row.attempts += 1
        try:
            row.provider_message_id = provider.send(message)
        except SmsFailed as failure:
            row.last_error = f"{failure.code}: {failure.message}"[:200]
            if failure.retryable and row.attempts < MAX_ATTEMPTS:
                row.not_before = at + timedelta(seconds=BACKOFF_S[min(row.attempts, len(BACKOFF_S)) - 1])
                outcome = "retrying"
            else:
                row.status = NotificationStatus.FAILED.value
                outcome = "failed"
        else:
            row.status = NotificationStatus.SENT.value
            row.sent_at = at
            outcome = "sent"
        row.save(update_fields=["attempts", "provider_message_id", "last_error", "not_before", "status", "sent_at"])
    return outcome
