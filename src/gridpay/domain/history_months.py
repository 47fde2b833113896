"""Months of the history tables: their bounds, the months to create ahead, and which months may be archived."""

from dataclasses import dataclass
from datetime import date

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

# A month is closed, and may leave the database, once the month after it has ended too: during a month the previous
# month's postpaid bills are still issued (by reading day), paid and charged late fees, and late settlement of its
# last days may still arrive (RULES.md on monthly bills). So at the earliest a month is archived two months on.
OPEN_MONTHS = 2
AHEAD_MONTHS = 3  # the schedule creates the current month's partition and the next three


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, months: int) -> date:
    """The first day of the month ``months`` after the month of ``month`` (before it when negative)."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Month:
    """A calendar month as the half-open range of days ``[start, end)``."""

    start: date

    @property
    def end(self) -> date:
        return add_months(self.start, 1)

    @property
    def label(self) -> str:
        return f"{self.start.year:04d}-{self.start.month:02d}"

    @property
    def suffix(self) -> str:
        """The partition's name suffix, ``p2026_01``."""
        return f"p{self.start.year:04d}_{self.start.month:02d}"

    @property
    def days(self) -> list[date]:
        """Every day of the month, in order."""
        return [date.fromordinal(n) for n in range(self.start.toordinal(), self.end.toordinal())]

    def spans(self, days: int) -> list[tuple[date, date]]:
        """The month cut into half-open ranges of ``days`` days from its first, the last one what is left."""
        starts = self.days[::days]
        return list(zip(starts, [*starts[1:], self.end], strict=True))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end


def month_of(day: date) -> Month:
    return Month(month_start(day))


def months_between(*, first: date, end: date) -> list[Month]:
    """Every month from the month of ``first`` up to the month before the month of ``end`` (half-open)."""
    months, start = [], month_start(first)
    while start < month_start(end):
        months.append(Month(start))
        start = add_months(start, 1)
    return months


def months_ahead(*, today: date, ahead: int = AHEAD_MONTHS) -> list[Month]:
    """The months whose partitions must exist on ``today``: this one and the ``ahead`` after it, so that a month's
    partition is there well before its first row arrives."""
    return months_between(first=today, end=add_months(month_start(today), ahead + 1))


class MonthNotClosed(DomainError):
    code = "month_not_closed"


class BadMonth(DomainError):
    code = "bad_month"


def parse_month(text: str) -> date:
    """``YYYY-MM`` to the month's first day; anything else is refused."""
    parts = text.strip().split("-")
    if (len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2 or not all(p.isdigit() for p in parts)
            or not 1 <= int(parts[1]) <= 12 or int(parts[0]) < 2000):
        raise BadMonth(gettext_noop("月份应为 YYYY-MM，例如 2025-01：{text}"), field="month",
                       params={"text": repr(text)})
    return date(int(parts[0]), int(parts[1]), 1)


def archivable_before(*, before: date, today: date) -> date:
    """``before`` (a month's first day) if every month before it is closed on ``today``, else MonthNotClosed."""
    latest_end = add_months(month_start(today), 1 - OPEN_MONTHS)  # the first month still open
    if before > latest_end:
        raise MonthNotClosed(
            gettext_noop("{month} 及以后的月份尚未结清（当月与上月仍在结算、出账与收费），不能归档："
                         "--before 最晚为 {month}"),
            field="before", params={"month": Month(latest_end).label},
        )
    return before
