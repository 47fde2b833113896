"""Working days, rest days and public holidays (节假日) from an editable table, safe for unknown years."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class DayKind(StrEnum):
    WORKING = "working"  # 工作日, including a weekend day made a working day (调休上班)
    REST = "rest"  # 休息日: a weekend day, or a weekday given as rest in a holiday swap
    HOLIDAY = "holiday"  # 法定节假日


@dataclass(frozen=True)
class Calendar:
    """The days that differ from the plain week (Monday–Friday working), for the years it knows.

    A year missing from the table falls back to the plain week: weekends rest, no holidays. That
    is never a crash, and it is the cautious side for disconnection, which RULES §6 allows only on
    working days.
    """

    exceptions: dict[date, DayKind] = field(default_factory=dict)
    known_years: frozenset[int] = frozenset()

    def kind(self, day: date) -> DayKind:
        if day.year in self.known_years and day in self.exceptions:
            return self.exceptions[day]
        return DayKind.REST if day.weekday() >= 5 else DayKind.WORKING

    def is_working_day(self, day: date) -> bool:
        return self.kind(day) == DayKind.WORKING

    def is_holiday(self, day: date) -> bool:
        return self.kind(day) == DayKind.HOLIDAY

    def is_holiday_eve(self, day: date) -> bool:
        """The day before a public holiday (节前一日) that is not itself one."""
        return not self.is_holiday(day) and self.is_holiday(day + timedelta(days=1))
