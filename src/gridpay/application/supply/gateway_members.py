"""Which meters a gateway serves now: the members read from the heartbeats, the meters divided by the domain."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from gridpay.data.models import GatewayHeartbeat
from gridpay.domain.gateway_shares import Beat, Shares, live_members, shares_of

RECENT = timedelta(minutes=10)  # rows older than this are of no member (a beat is seconds apart)


@dataclass(frozen=True)
class Membership:
    shares: Shares
    last_beat: dict[str, datetime]  # each gateway's last heartbeat, members or not


def gateway_shares(*, instance: str, now: datetime, connected: bool) -> Membership:
    """The members as ``instance`` sees them at ``now``, and the share keys it serves among them."""
    beats = [
        Beat(instance=name, beat_at=beat_at, beat_every_s=every_s, connected=up, stopped=stopped_at is not None)
        for name, beat_at, every_s, up, stopped_at in GatewayHeartbeat.objects.filter(
            beat_at__gte=now - RECENT
        ).values_list("instance", "beat_at", "beat_every_s", "connected", "stopped_at")
    ]
    members = live_members(beats=beats, now=now, instance=instance, connected=connected)
    return Membership(
        shares=shares_of(instance=instance, members=members), last_beat={b.instance: b.beat_at for b in beats}
    )
