"""Reads the business calendar table into the domain's Calendar."""

from collections.abc import Iterable

from gridpay.data.models import CalendarDay, CalendarYear
from gridpay.domain.calendar import Calendar, DayKind


def load_calendar(*, years: Iterable[int]) -> Calendar:
    wanted = sorted(set(years))
    known = frozenset(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    days = CalendarDay.objects.filter(day__year__in=known).values_list("day", "kind")
    return Calendar(exceptions={day: DayKind(kind) for day, kind in days}, known_years=known)
