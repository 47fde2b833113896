"""The demo's daily household consumption, shaped by one real household's year (see NOTICE.md)."""

import csv
import math
import random
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files

PROFILE_FILE = "household_profile.csv"
# A multiplier above this is a recording glitch, not a day of a household: keeps every day far
# below the import's impossible-energy limit.
MAX_DAY_FACTOR = 4.0


@dataclass(frozen=True)
class DayShape:
    """One calendar day of the profile household: relative level, day-to-day spread, peak share."""

    shape: float  # mean energy around this calendar day / mean over the year
    variability: float  # standard deviation of ln(day / shape)
    peak_share: float  # share of the day's energy used 08:00-22:00


@dataclass(frozen=True)
class HouseholdProfile:
    days: dict[str, DayShape]  # by "MM-DD", 29 February included

    def on(self, day: date) -> DayShape:
        return self.days[f"{day.month:02d}-{day.day:02d}"]


@cache
def load_profile() -> HouseholdProfile:
    text = files("gridpay.demo").joinpath(PROFILE_FILE).read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#"))
    days = {
        row["month_day"]: DayShape(
            shape=float(row["shape"]), variability=float(row["variability"]), peak_share=float(row["peak_share"])
        )
        for row in rows
    }
    if len(days) != 366:
        raise ValueError(f"{PROFILE_FILE} has {len(days)} calendar days, not 366")
    return HouseholdProfile(days=days)


def daily_energy_ckwh(*, profile: HouseholdProfile, annual_kwh: float, day: date, rng: random.Random) -> int:
    """One day's energy in hundredths of a kWh of a household using ``annual_kwh`` a year.

    The day's level follows the profile household's season; its day-to-day spread is log-normal
    with the profile's variability, centred so that the mean over many days is the level itself.
    """
    shape = profile.on(day)
    sigma = shape.variability
    factor = math.exp(rng.gauss(0.0, sigma) - sigma * sigma / 2)
    return round(annual_kwh / 365 * shape.shape * min(factor, MAX_DAY_FACTOR) * 100)


def peak_ckwh(*, profile: HouseholdProfile, total_ckwh: int, day: date, lean: float, rng: random.Random) -> int:
    """The part of a day's energy used in the peak window; ``lean`` scales the profile's share per household."""
    share = profile.on(day).peak_share * lean + rng.gauss(0.0, 0.04)
    return round(total_ckwh * min(max(share, 0.05), 0.95))
