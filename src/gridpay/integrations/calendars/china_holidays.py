"""China's public holidays and swapped working days (调休) for a year, from the `holidays` package."""

from dataclasses import dataclass
from datetime import date
from importlib.metadata import version

import holidays

from gridpay.domain.calendar import DayKind

SOURCE = f"holidays {version('holidays')}"


@dataclass(frozen=True)
class OfficialYear:
    year: int
    days: list[tuple[date, DayKind, str]]
    # The package computes the statutory holidays of any year, but the State Council's swaps only
    # for the years it has published; a year without swaps wants checking by staff.
    has_swaps: bool


def official_year(*, year: int) -> OfficialYear:
    calendar = holidays.country_holidays("CN", years=year, language="zh_CN")
    days = [(day, DayKind.HOLIDAY, str(name)) for day, name in sorted(calendar.items())]
    swaps = sorted(day for day in calendar.weekend_workdays if day.year == year)
    days += [(day, DayKind.WORKING, "调休上班") for day in swaps]
    return OfficialYear(year=year, days=sorted(days), has_swaps=bool(swaps))
