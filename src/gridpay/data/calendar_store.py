"""Reads the business calendar table into the domain's Calendar."""

from collections.abc import Iterable

from gridpay.data.held_reads import held
from gridpay.data.models import CalendarDay, CalendarYear
from gridpay.domain.calendar import Calendar, DayKind


def load_calendar(*, years: Iterable[int]) -> Calendar:
    """The calendar of ``years``; read once within data.held_reads.reads_held()."""
    wanted = tuple(sorted(set(years)))
    return held(("calendar", wanted), lambda: _load_calendar(wanted))


def _load_calendar(wanted: tuple[int, ...]) -> Calendar:
    known = frozenset(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    days = CalendarDay.objects.filter(day__year__in=known).values_list("day", "kind")
    return Calendar(exceptions={day: DayKind(kind) for day, kind in days}, known_years=known)
