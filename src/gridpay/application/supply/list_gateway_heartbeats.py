"""The gateways' latest heartbeats, newest first, each saying whether it still beats."""

from dataclasses import dataclass
from datetime import datetime

from gridpay.data.models import GatewayHeartbeat
from gridpay.domain.gateway_shares import MISSED_BEATS

# A gateway that missed this many heartbeats is taken for gone: by staff, and by the other gateways (ADR 0031).
STALE_AFTER_BEATS = MISSED_BEATS


@dataclass(frozen=True)
class GatewayStatus:
    instance: str
    host: str
    pid: int
    broker: str
    started_at: datetime
    beat_at: datetime
    beat_age_s: float
    beating: bool  # not stopped, and beat within STALE_AFTER_BEATS heartbeats
    stopped_at: datetime | None
    connected: bool
    connected_since: datetime | None
    last_lost_at: datetime | None
    last_publish_at: datetime | None
    losses: int
    reconnects: int
    connect_failures: int
    published: int
    unsent: int
    last_error: str


def list_gateway_heartbeats(*, now: datetime, limit: int = 5) -> list[GatewayStatus]:
    statuses = []
    for row in GatewayHeartbeat.objects.order_by("-beat_at")[:limit]:
        age_s = max((now - row.beat_at).total_seconds(), 0.0)
        statuses.append(
            GatewayStatus(
                instance=row.instance, host=row.host, pid=row.pid, broker=row.broker, started_at=row.started_at,
                beat_at=row.beat_at, beat_age_s=age_s,
                beating=row.stopped_at is None and age_s <= STALE_AFTER_BEATS * row.beat_every_s,
                stopped_at=row.stopped_at, connected=row.connected and row.stopped_at is None,
                connected_since=row.connected_since, last_lost_at=row.last_lost_at,
                last_publish_at=row.last_publish_at, losses=row.losses, reconnects=row.reconnects,
                connect_failures=row.connect_failures, published=row.published, unsent=row.unsent,
                last_error=row.last_error,
            )
        )
    return statuses
