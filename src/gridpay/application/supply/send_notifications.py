"""Sends the SMS outbox through the configured provider: due rows only, each attempt counted, retried with backoff.

Rows go out in chunks of at most ``CHUNK``, each chunk one transaction: its rows locked and read again as pending,
sent one after the other, and all their attempts written in one statement before the commit (a handful of statements
a chunk, not a handful an SMS). ``send_notification`` (a sign-in code, now) is a chunk of one.

Guarantees:
- A row is sent at most once by concurrent senders (the scheduler, the sign-in code of the API): a batch skips the
  rows another sender holds (PostgreSQL's SKIP LOCKED; that sender sends them, or leaves them due for the next run),
  so it never waits while holding locks; ``send_notification`` waits for its row, then finds it sent or still due.
  On SQLite the write lock taken at BEGIN serialises the senders.
- A crash of the process after a provider accepted a message and before its chunk commits leaves the chunk's rows
  pending: the next run sends them again, so a crash may send again up to ``CHUNK`` messages already sent (one at a
  time, it was one). An exception (an SmsFailed is an outcome, not an exception) commits the attempts made before
  it, then propagates: only a crash resends.
- A chunk ends at its first failure: a vendor's timeout does not hold the locks (on SQLite the database's write
  lock) over more sends; successful sends are quick, so a chunk holds the lock a few seconds at most.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from gridpay.data.models import Notification
from gridpay.data.models.notifications import NotificationStatus
from gridpay.data.notification_store import record_attempts
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.sms_texts import ordered_params
from gridpay.domain.supply_policy import sms_allowed_at
from gridpay.integrations.sms.provider import SmsFailed, SmsMessage, SmsProvider

MAX_ATTEMPTS = 5
BACKOFF_S = (60, 300, 1800, 7200)
CHUNK = 20  # SMS a transaction: what a crash may send twice, how long a chunk holds its locks


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
    ids = list(due.order_by("not_before", "id").values_list("id", flat=True)[:limit])
    while ids:
        taken, outcomes = _send_chunk(ids[:CHUNK], provider=provider, at=at, skip_locked=True)
        for outcome in outcomes:
            setattr(report, outcome, getattr(report, outcome) + 1)
        ids = ids[taken:]
    return report


def send_notification(*, notification_id: int, provider: SmsProvider, at: datetime) -> str:
    """One outbox row, now, whatever the hour (a sign-in code cannot wait for morning): sent, retrying, failed,
    or skipped when another sender got it first."""
    _, outcomes = _send_chunk([notification_id], provider=provider, at=at, skip_locked=False)
    if outcomes:
        return outcomes[0]
    if not Notification.objects.filter(id=notification_id).exists():
        raise Notification.DoesNotExist(f"no notification {notification_id}")
    return "skipped"


def _send_chunk(
    ids: Sequence[int], *, provider: SmsProvider, at: datetime, skip_locked: bool,
) -> tuple[int, list[str]]:
    """Sends the rows of ``ids`` still pending, in that order, in one transaction, up to and including the first
    that fails. How many of ``ids`` it took (tried, or found done or held by another sender), and the outcome of
    each it tried."""
    interrupted: BaseException | None = None
    tried: list[tuple[Notification, str]] = []
    taken = 0
    with transaction.atomic():
        # Locked in id order; a batch skips what another sender holds rather than wait for it with locks held.
        locked = Notification.objects.select_for_update(skip_locked=skip_locked).filter(
            id__in=ids, status=NotificationStatus.PENDING,
        )
        rows = {row.id: row for row in locked.order_by("id")}
        for notification_id in ids:
            taken += 1
            row = rows.get(notification_id)
            if row is None:
                continue  # sent or failed by another sender meanwhile, or in its hands now
            try:
                outcome = _attempt(row, provider=provider, at=at)
            except BaseException as error:  # an untranslated vendor error, an interrupt: keep what was sent
                interrupted = error
                break
            tried.append((row, outcome))
            if outcome != "sent":
                break
        record_attempts([row for row, _ in tried])
    if interrupted is not None:
        raise interrupted
    return taken, [outcome for _, outcome in tried]


def _attempt(row: Notification, *, provider: SmsProvider, at: datetime) -> str:
    """Sends one locked pending row and sets its attempt on it (not saved): sent, retrying or failed."""
    message = SmsMessage(
        phone=row.phone, kind=row.kind, params=ordered_params(kind=row.kind, params=row.params), text=row.text,
    )
    try:
        provider_message_id = provider.send(message)
    except SmsFailed as failure:
        row.attempts += 1
        row.last_error = f"{failure.code}: {failure.message}"[:200]
        if failure.retryable and row.attempts < MAX_ATTEMPTS:
            row.not_before = at + timedelta(seconds=BACKOFF_S[min(row.attempts, len(BACKOFF_S)) - 1])
            return "retrying"
        row.status = NotificationStatus.FAILED.value
        return "failed"
    row.attempts += 1
    row.provider_message_id = provider_message_id
    row.status = NotificationStatus.SENT.value
    row.sent_at = at
    return "sent"
