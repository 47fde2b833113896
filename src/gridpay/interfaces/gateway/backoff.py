"""When the gateway tries the broker again: exponential backoff with jitter, reset by a connection that held.

Pure: the caller passes the (monotonic) instants and the random source, so a test drives it with a fake clock.
"""

import random
from dataclasses import dataclass, field


@dataclass
class ReconnectBackoff:
    initial_s: float = 0.5
    max_s: float = 30.0
    # A connection that held this long resets the backoff; one the broker drops at once (a broker still
    # starting, a client id taken by another gateway) does not, so the gateway never hammers it.
    stable_s: float = 30.0
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0  # attempts in a row that failed or did not hold
    _connected_at: float | None = None

    def __post_init__(self) -> None:
        if not 0 < self.initial_s <= self.max_s or self.stable_s < 0:
            raise ValueError("重连退避：初始间隔应为正数且不超过最大间隔")

    def connected(self, *, at: float) -> None:
        self._connected_at = at

    def lost(self, *, at: float) -> float:
        """The connection dropped at ``at``: seconds to wait before the next attempt."""
        held = self._connected_at is not None and at - self._connected_at >= self.stable_s
        self._connected_at = None
        if held:
            self.failures = 0
        return self._next()

    def failed(self) -> float:
        """An attempt to connect failed: seconds to wait before the next one."""
        return self._next()

    def _next(self) -> float:
        # "Equal jitter": half the exponential step for sure, the other half at random, so gateways that lost
        # the same broker at the same instant do not all come back at once, and none comes back at once.
        step = min(self.max_s, self.initial_s * 2.0 ** min(self.failures, 32))
        self.failures += 1
        return step / 2 + self.rng.uniform(0, step / 2)
