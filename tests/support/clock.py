"""A clock the scenario tests move by hand, standing in for the one the entry points read."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class FakeClock:
    instant: datetime

    def now(self) -> datetime:
        return self.instant

    def today(self) -> date:
        return self.instant.astimezone(SHANGHAI).date()

    def advance(self, **delta: float) -> None:
        self.instant += timedelta(**delta)
