"""How gateways that run side by side divide the meters: who is a member, and which member serves which meter.

The members are the gateways whose heartbeat is recent and says they are connected to the broker. A meter belongs
to one member, chosen by rendezvous (highest random weight) hashing of its share key over the members: every
member computes the same answer from the same list with no coordination, and when a member goes only its meters
move, each to the member that ranked second for it. The share key is the address's last KEY_DIGITS digits (the low
digits of the meter's serial number, spread evenly over a utility's meters), so that a database can select a
member's meters by a plain string comparison (no hash function common to SQLite and PostgreSQL is needed).
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

KEY_DIGITS = 3
ALL_KEYS: tuple[str, ...] = tuple(f"{n:0{KEY_DIGITS}d}" for n in range(10**KEY_DIGITS))
MISSED_BEATS = 3  # a gateway whose heartbeat is older than this many of its intervals is no longer a member


def share_key(address: str) -> str:
    """The part of a DL/T 645 address (12 BCD digits) that decides its gateway."""
    return address[-KEY_DIGITS:]


def _weight(member: str, key: str) -> int:
    digest = hashlib.blake2b(f"{member}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner(*, key: str, members: Iterable[str]) -> str | None:
    """The member that serves ``key`` (None: no member). Ties, never seen in practice, go to the smaller name."""
    return max(sorted(members), key=lambda m: _weight(m, key), default=None)  # max keeps the first of equals


@dataclass(frozen=True)
class Shares:
    """What one gateway serves, given the members it sees (itself among them while it is connected)."""

    instance: str
    members: tuple[str, ...]  # sorted
    keys: frozenset[str]  # the share keys this gateway serves

    def serves(self, address: str) -> bool:
        return share_key(address) in self.keys

    @property
    def alone(self) -> bool:
        """The only member: it serves every meter, whatever its address."""
        return self.members == (self.instance,)


def shares_of(*, instance: str, members: Iterable[str]) -> Shares:
    ordered = tuple(sorted(set(members)))
    if instance not in ordered:
        return Shares(instance=instance, members=ordered, keys=frozenset())
    keys = frozenset(k for k in ALL_KEYS if owner(key=k, members=ordered) == instance)
    return Shares(instance=instance, members=ordered, keys=keys)


@dataclass(frozen=True)
class Beat:
    """A gateway's last heartbeat, as membership sees it."""

    instance: str
    beat_at: datetime
    beat_every_s: float
    connected: bool
    stopped: bool


def live_members(*, beats: Iterable[Beat], now: datetime, instance: str, connected: bool) -> tuple[str, ...]:
    """The members at ``now`` as gateway ``instance`` sees them: the others whose last beat is recent, connected and
    not a clean stop; and itself while it is connected (whatever its row says: its own beat may be late to land)."""
    members = {
        b.instance
        for b in beats
        if b.instance != instance
        and b.connected
        and not b.stopped
        and now - b.beat_at <= timedelta(seconds=MISSED_BEATS * b.beat_every_s)
    }
    if connected:
        members.add(instance)
    return tuple(sorted(members))
