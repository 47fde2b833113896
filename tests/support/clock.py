"""The tests' clock: every test runs on a pinned instant (GRIDPAY_TEST_DATE), moved by hand where a test needs it.

time-machine moves the process's own clock, so the code under test, Django and the libraries all see the pinned
instant whichever way they ask; `gridpay` commands started by a test get the same instant through
`tests.support.cli`. CI runs the date-sensitive suites (marker ``dates``) once for every date of PINNED_DATES.
"""

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine

from tests.support.cli import PINNED_AT, PINNED_NOW

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The days a date-dependent rule is most likely to break on (CI runs the `dates` suites on each).
PINNED_DATES = {
    "tuesday": date(2026, 3, 10),
    "saturday": date(2026, 12, 5),
    "sunday": date(2026, 12, 6),
    "spring-festival-eve": date(2027, 2, 5),  # 除夕: Spring Festival 2027 is 6 February
    "national-day-eve": date(2026, 9, 30),
    "new-years-eve": date(2026, 12, 31),
    "leap-day": date(2028, 2, 29),
}
DEFAULT_DATE = "tuesday"
# Mid-morning on a working day: inside the disconnection window and outside the SMS quiet hours.
PINNED_TIME = time(10, 0)
ENVIRONMENT = "GRIDPAY_TEST_DATE"


def pinned_day() -> date:
    """GRIDPAY_TEST_DATE: a name of PINNED_DATES or a date YYYY-MM-DD; the Tuesday when unset."""
    chosen = os.environ.get(ENVIRONMENT, "").strip() or DEFAULT_DATE
    if chosen in PINNED_DATES:
        return PINNED_DATES[chosen]
    try:
        return date.fromisoformat(chosen)
    except ValueError:
        raise ValueError(
            f"{ENVIRONMENT}={chosen!r}: expected one of {', '.join(PINNED_DATES)} or a date YYYY-MM-DD"
        ) from None


def pinned_instant() -> datetime:
    return datetime.combine(pinned_day(), PINNED_TIME, SHANGHAI)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant of a business day, in Beijing time."""
    return datetime.combine(day, time(hour, minute), SHANGHAI)


@dataclass
class FakeClock:
    """The process's clock while a test runs: it starts at the pinned instant and ticks; a test may move it."""

    traveller: time_machine.Traveller

    def __post_init__(self) -> None:
        self._tell_children()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(SHANGHAI).date()

    @property
    def instant(self) -> datetime:
        return self.now()

    @instant.setter
    def instant(self, value: datetime) -> None:
        if value.tzinfo is None:
            raise ValueError("the clock is moved to aware instants only")
        self.traveller.move_to(value)
        self._tell_children()

    def advance(self, **delta: float) -> None:
        self.traveller.shift(timedelta(**delta))
        self._tell_children()

    def _tell_children(self) -> None:
        # A `gridpay` command started from now on starts at this instant (tests.support.pinned_gridpay).
        os.environ[PINNED_NOW] = self.now().isoformat()
        os.environ[PINNED_AT] = repr(time_machine.escape_hatch.time.time())


def current_instant() -> datetime:
    """The pinned process clock, for helpers that have no clock fixture at hand (it is the same clock)."""
    return datetime.now(UTC)
