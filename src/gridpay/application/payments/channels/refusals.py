"""Records a channel message refused before it touched money, in a transaction of its own."""

import hashlib
from datetime import datetime

from gridpay.data.models import ChannelRefusal
from gridpay.domain.channel_payments import NotificationRefused


def record_refusal(
    *,
    channel: str,
    refused: NotificationRefused,
    body: bytes,
    at: datetime,
    remote_addr: str = "",
    order_no: str = "",
    channel_txn_id: str = "",
) -> None:
    ChannelRefusal.objects.create(
        channel=channel,
        received_at=at,
        reason=refused.reason.value,
        detail=refused.detail[:300],
        order_no=order_no[:64],
        channel_txn_id=channel_txn_id[:64],
        remote_addr=remote_addr[:45],
        body_sha256=hashlib.sha256(body).hexdigest(),
    )
