"""The freeze reads a gateway has sent and not yet had answered, per meter, in the order sent.

A meter's refusal (no such data) names no data identifier: it is placed only when one read of that meter is still
open once the other answers that came with it are taken. A new wave forgets what the last one left open. Kept in the
gateway's memory only: after a restart a refusal is not understood, and the day is simply asked again.

It also counts the meters of the recent waves still unanswered (``in_flight``): a gateway asks no new wave while they
are many (ADR 0043).
"""

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gridpay.application.readings.claim_daily_reads import FreezeAsk

MAX_OPEN = 16  # per meter: older ones are forgotten (their answers are still read, a refusal is not placed)
# A wave's meters count as in flight this long after it was asked, answered or not: a silent meter stops counting
# then, so a few silent meters never hold the waves back for long (each is asked again after its backoff anyway).
ANSWER_WAIT = timedelta(seconds=60)


@dataclass
class OutstandingReads:
    _open: dict[str, deque[FreezeAsk]] = field(default_factory=dict)
    _wave_of: dict[str, int] = field(default_factory=dict)  # meter → the wave that last asked it
    _waves: deque[tuple[int, datetime]] = field(default_factory=deque)  # the waves still counted, oldest first
    _unanswered: dict[int, int] = field(default_factory=dict)  # wave → its meters not yet answered
    _last_wave: int = 0
    # The gateway asks from one thread and records answers from another.
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self, asks: list[FreezeAsk], *, new_wave: bool = False, at: datetime | None = None) -> None:
        """Asks sent; ``new_wave`` (asked ``at``): a wave of the day's reads, counted in flight until answered."""
        with self._lock:
            self._sent(asks, new_wave=new_wave, at=at)

    def _sent(self, asks: list[FreezeAsk], *, new_wave: bool, at: datetime | None) -> None:
        if new_wave:
            meters = {ask.address for ask in asks}
            for address in meters:
                self._open.pop(address, None)
                self._done(address)
            if meters and at is not None:
                self._last_wave += 1
                self._waves.append((self._last_wave, at))
                self._unanswered[self._last_wave] = len(meters)
                self._wave_of.update(dict.fromkeys(meters, self._last_wave))
        for ask in asks:
            self._open.setdefault(ask.address, deque(maxlen=MAX_OPEN)).append(ask)

    def in_flight(self, *, at: datetime) -> int:
        """The meters of the waves asked within ANSWER_WAIT before ``at`` that have not answered every read."""
        with self._lock:
            return self._in_flight(at)

    def _in_flight(self, at: datetime) -> int:
        # Every wave outside (at - ANSWER_WAIT, at] stops counting, not only the oldest: a wall clock set back would
        # otherwise leave waves "in the future" holding the next ones back for as long as it was set back.
        for wave, asked_at in [w for w in self._waves if not at - ANSWER_WAIT < w[1] <= at]:
            self._waves.remove((wave, asked_at))
            del self._unanswered[wave]
        return sum(self._unanswered.values())

    def _done(self, address: str) -> None:
        wave = self._wave_of.pop(address, None)
        if wave in self._unanswered:
            self._unanswered[wave] -= 1

    def answered(self, address: str, nth: int, *, energy: bool) -> None:
        with self._lock:
            self._answered(address, nth, energy=energy)

    def _answered(self, address: str, nth: int, *, energy: bool) -> None:
        waiting = self._open.get(address)
        if waiting is None:
            return
        for ask in waiting:
            if (ask.nth, ask.energy) == (nth, energy):
                waiting.remove(ask)
                break
        if not waiting:
            del self._open[address]
            self._done(address)

    def refused(self, address: str) -> FreezeAsk | None:
        """The read a refusal from ``address`` answers, when only one is open (else it cannot be told)."""
        with self._lock:
            waiting = self._open.pop(address, None)
            self._done(address)  # it answered: no read of it is open any more
        return waiting[0] if waiting is not None and len(waiting) == 1 else None
