"""Records a gateway's heartbeat: who it is, whether its broker connection holds, and what it has carried."""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import transaction

from gridpay.data.models import GatewayHeartbeat

KEPT_FOR = timedelta(days=7)  # rows of gateways gone longer than this are removed


@dataclass(frozen=True)
class GatewayBeat:
    instance: str
    host: str
    pid: int
    broker: str
    started_at: datetime
    beat_at: datetime
    beat_every_s: float
    connected: bool
    connected_since: datetime | None
    last_lost_at: datetime | None
    last_publish_at: datetime | None
    losses: int
    reconnects: int
    connect_failures: int
    published: int
    unsent: int
    received: int
    confirmed: int
    failed: int
    last_error: str
    stopped: bool = False


def record_gateway_heartbeat(*, beat: GatewayBeat) -> None:
    values = asdict(beat)
    values.pop("instance")
    stopped = values.pop("stopped")
    values["stopped_at"] = beat.beat_at if stopped else None
    values["last_error"] = beat.last_error[:200]
    with transaction.atomic():
        _, created = GatewayHeartbeat.objects.update_or_create(instance=beat.instance, defaults=values)
        if created:
            GatewayHeartbeat.objects.filter(beat_at__lt=beat.beat_at - KEPT_FOR).delete()
