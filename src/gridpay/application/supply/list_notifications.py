"""Lists the SMS outbox, newest first, for staff."""

from dataclasses import dataclass
from datetime import datetime

from gridpay.data.models import Notification
from gridpay.data.models.notifications import NotificationStatus


@dataclass(frozen=True)
class NotificationLine:
    created_at: datetime
    sent_at: datetime | None  # none while it is not sent
    phone: str
    kind: str
    status: str  # Chinese label
    text: str


def list_notifications(*, account_no: str | None = None, limit: int = 30) -> list[NotificationLine]:
    rows = Notification.objects.order_by("-id")
    if account_no:
        rows = rows.filter(account__account_no=account_no)
    return [
        NotificationLine(created_at=n.created_at, sent_at=n.sent_at, phone=n.phone, kind=n.kind,
                         status=NotificationStatus(n.status).label, text=n.text)
        for n in rows[:limit]
    ]
