"""The freeze reads a gateway has sent and not yet had answered, per meter, in the order sent.

A meter's refusal (no such data) names no data identifier: it is placed only when one read of that meter is still
open once the other answers that came with it are taken. A new wave forgets what the last one left open. Kept in the
gateway's memory only: after a restart a refusal is not understood, and the day is simply asked again.
"""

from collections import deque
from dataclasses import dataclass, field

from gridpay.application.readings.claim_daily_reads import FreezeAsk

MAX_OPEN = 16  # per meter: older ones are forgotten (their answers are still read, a refusal is not placed)


@dataclass
class OutstandingReads:
    _open: dict[str, deque[FreezeAsk]] = field(default_factory=dict)

    def sent(self, asks: list[FreezeAsk], *, new_wave: bool = False) -> None:
        if new_wave:
            for address in {ask.address for ask in asks}:
                self._open.pop(address, None)
        for ask in asks:
            self._open.setdefault(ask.address, deque(maxlen=MAX_OPEN)).append(ask)

    def answered(self, address: str, nth: int, *, energy: bool) -> None:
        waiting = self._open.get(address)
        if waiting is None:
            return
        for ask in waiting:
            if (ask.nth, ask.energy) == (nth, energy):
                waiting.remove(ask)
                break
        if not waiting:
            del self._open[address]

    def refused(self, address: str) -> FreezeAsk | None:
        """The read a refusal from ``address`` answers, when only one is open (else it cannot be told)."""
        waiting = self._open.pop(address, None)
        return waiting[0] if waiting is not None and len(waiting) == 1 else None
