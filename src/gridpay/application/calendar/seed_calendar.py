"""Seeds the business calendar with China's official holidays for years the table does not have yet."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from gridpay.data.models import CalendarDay, CalendarYear
from gridpay.integrations.calendars.china_holidays import SOURCE, official_year


@dataclass(frozen=True)
class SeededYear:
    year: int
    days: int
    has_swaps: bool


@dataclass(frozen=True)
class CalendarSeedReport:
    seeded: list[SeededYear]
    kept: list[int]  # years already in the table, left as staff keep them


def seed_calendar(*, years: Iterable[int], at: datetime) -> CalendarSeedReport:
    seeded: list[SeededYear] = []
    kept: list[int] = []
    for year in sorted(set(years)):
        with transaction.atomic():
            if CalendarYear.objects.filter(year=year).exists():
                kept.append(year)
                continue
            official = official_year(year=year)
            # A day staff entered before the year was seeded stays as they entered it.
            CalendarDay.objects.bulk_create(
                [CalendarDay(day=day, kind=kind.value, name=name) for day, kind, name in official.days],
                ignore_conflicts=True,
            )
            source = SOURCE if official.has_swaps else f"{SOURCE}（未含调休安排，请核对）"
            CalendarYear.objects.create(year=year, source=source, recorded_at=at)
            seeded.append(SeededYear(year=year, days=len(official.days), has_swaps=official.has_swaps))
    return CalendarSeedReport(seeded=seeded, kept=kept)
