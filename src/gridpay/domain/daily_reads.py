"""Collecting daily freezes from meters that only answer (RULES §2): which freeze holds a day, when to ask again.

A meter freezes its registers at the first moment of each day: the freeze stamped 00:00 on the 11th holds the
end of the 10th. It keeps its last freezes newest first, (上1次) … (上n次); a freeze it missed (no power at
midnight) is simply not there, so the nth freeze is the nth day back only while none was missed. The head-end
reads a freeze's time stamp first and looks for a day between the stamps it has seen.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from gridpay.domain.readings import Registers

# Before this minute after midnight the meters may still be freezing: the day's reads start after it.
POLL_FROM_MINUTE = 10
BACKOFF = (timedelta(minutes=10), timedelta(minutes=30), timedelta(hours=2))  # before the 2nd, 3rd, 4th ask
ATTEMPTS_PER_DAY = 4  # then the day is a gap until tomorrow's round, while the meter still keeps it


class ReadStatus(StrEnum):
    WANTED = "wanted"
    READ = "read"
    GAP = "gap"


class GapReason(StrEnum):
    SILENT = "silent"  # the meter did not answer (retried tomorrow while it keeps the freeze)
    NOT_FROZEN = "not_frozen"  # the meter has no freeze of that day: it missed it
    BEYOND_DEPTH = "beyond_depth"  # older than the meter keeps
    REFUSED = "refused"  # the reading came, and the import refused it (e.g. registers went back)


# The stamp of a freeze the meter says it does not have (a read refused for no data): older than any day.
NO_FREEZE = date.min


def reading_day(frozen_at: datetime) -> date:
    """The day a freeze closes: the one before its stamp's day."""
    return frozen_at.date() - timedelta(days=1)


@dataclass(frozen=True)
class FrozenRegisters:
    """The registers a meter froze at its ``nth`` last daily freeze (1: the last midnight), read by the head-end."""

    address: str
    nth: int
    registers: Registers


@dataclass(frozen=True)
class Found:
    nth: int


@dataclass(frozen=True)
class Probe:
    nth: int  # read this freeze's time stamp next


@dataclass(frozen=True)
class Missing:
    reason: GapReason


def locate(day: date, *, today: date, depth: int, stamps: Mapping[int, date]) -> Found | Probe | Missing:
    """Where ``day``'s freeze is, given the days of the freezes seen today (by n); stamps fall as n grows."""
    for nth, seen in stamps.items():
        if seen == day:
            return Found(nth)
    newer = max((nth for nth, seen in stamps.items() if seen > day), default=0)
    older = min((nth for nth, seen in stamps.items() if seen < day), default=depth + 1)
    if newer + 1 >= older:
        return Missing(GapReason.BEYOND_DEPTH if newer >= depth else GapReason.NOT_FROZEN)
    # Each missed freeze moves older days one place nearer: the day is at its count of days back, or nearer.
    return Probe(min(max((today - day).days, newer + 1), older - 1))


def ask_again_at(*, asked: int, at: datetime) -> datetime:
    """When a day asked ``asked`` times today is asked again if no answer came (or given up, see ``given_up``)."""
    return at + BACKOFF[min(asked, len(BACKOFF)) - 1]


def given_up(asked: int) -> bool:
    """Today's asks are used up: the day is a silent gap until the next round."""
    return asked >= ATTEMPTS_PER_DAY
