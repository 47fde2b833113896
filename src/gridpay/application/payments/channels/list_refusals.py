"""Lists the channel messages refused before they touched money, newest first, for staff to look into."""

from dataclasses import dataclass
from datetime import datetime

from gridpay.data.models import ChannelRefusal
from gridpay.domain.channel_payments import RefusalReason


@dataclass(frozen=True)
class RefusalLine:
    received_at: datetime
    channel: str
    reason: str
    reason_label: str
    detail: str
    order_no: str
    channel_txn_id: str
    remote_addr: str


def list_refusals(
    *, channel: str | None = None, since: datetime | None = None, until: datetime | None = None, limit: int = 200
) -> list[RefusalLine]:
    rows = ChannelRefusal.objects.order_by("-received_at", "-id")
    if channel:
        rows = rows.filter(channel=channel)
    if since:
        rows = rows.filter(received_at__gte=since)
    if until:
        rows = rows.filter(received_at__lt=until)
    return [
        RefusalLine(
            received_at=r.received_at, channel=r.channel, reason=r.reason,
            reason_label=_label(r.reason), detail=r.detail,
            order_no=r.order_no, channel_txn_id=r.channel_txn_id, remote_addr=r.remote_addr,
        )
        for r in rows[:limit]
    ]


def _label(reason: str) -> str:
    try:
        return RefusalReason(reason).label
    except ValueError:  # a reason a later version wrote
        return reason
