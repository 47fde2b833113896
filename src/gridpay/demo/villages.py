"""The villages of 码头镇 with their rollout month, grid staff and reading day, from the town's rollout schedule
(idempotent), and which of them have not converted to smart payment yet (their households stay postpaid).

The schedule is the real one of 2024; the demo moves its months to the demo's own dates (dated_schedule), so that
the rollout page of a demo run today shows a plan that has just been carried out, not one long finished."""

import csv
import math
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from importlib.resources import files

from django.db import transaction

from gridpay.data.models import GridStaff, Village
from gridpay.domain.chronic_payers import add_months

TOWN = "码头镇"
SCHEDULE_FILE = "matou_rollout_schedule.csv"
# 抄表例日: the villages' reading days, spread over the month so that the meter readers' (and the bill run's) work is
# too; only a postpaid account is billed on it.
READING_DAYS = (5, 15, 25)
# How many villages of the town are still postpaid in the demo: those the schedule had not reached by the demo's last
# day, but at least and at most these many (the schedule's last ones), so that the arrears procedure has households
# to show and smart payment stays the town's main story.
MIN_POSTPAID_VILLAGES = 4
MAX_POSTPAID_VILLAGES = 6


@dataclass(frozen=True)
class ScheduledVillage:
    code: int  # 1-based position in the schedule; part of the demo's account numbers
    name: str
    rollout_month: date
    grid_staff: str
    grid_phone: str
    assistant_name: str
    assistant_phone: str

    @property
    def reading_day(self) -> int:
        return READING_DAYS[self.code % len(READING_DAYS)]


TOWN_CENTRE = (25.1600, 118.3200)  # near 码头镇, 南安市
METRES_PER_DEGREE = 111_320
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float

    def moved(self, *, north_m: float, east_m: float) -> "Point":
        return Point(
            self.latitude + north_m / METRES_PER_DEGREE,
            self.longitude + east_m / (METRES_PER_DEGREE * math.cos(math.radians(self.latitude))),
        )

    def decimals(self) -> tuple[Decimal, Decimal]:
        return Decimal(f"{self.latitude:.6f}"), Decimal(f"{self.longitude:.6f}")


def village_centre(village: ScheduledVillage) -> Point:
    """On a sunflower spiral round the town centre: 1.5 to 7 km out, no two villages on top of each other."""
    angle = village.code * GOLDEN_ANGLE
    radius_m = 1_500 + 5_500 * math.sqrt(village.code / 30)
    return Point(*TOWN_CENTRE).moved(north_m=radius_m * math.sin(angle), east_m=radius_m * math.cos(angle))


def scheduled_villages() -> list[ScheduledVillage]:
    """The schedule's rows in its order (南码政〔2024〕93号, 附件 码头镇智能交费推广安排表)."""
    text = files("gridpay.demo").joinpath(SCHEDULE_FILE).read_text(encoding="utf-8")
    villages = []
    for code, row in enumerate(csv.DictReader(text.splitlines()), start=1):
        year, month = row["month"].split("-")
        villages.append(
            ScheduledVillage(
                code=code,
                name=row["village"].strip(),
                rollout_month=date(int(year), int(month), 1),
                grid_staff=row["grid_staff"].strip(),
                grid_phone=row["grid_phone"].strip(),
                assistant_name=row["village_assistant"].strip(),
                assistant_phone=row["assistant_phone"].strip(),
            )
        )
    return villages


def months_apart(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def dated_schedule(
    villages: list[ScheduledVillage], *, first_day: date, last_day: date, postpaid: int
) -> list[ScheduledVillage]:
    """The schedule moved to the demo's dates, in its order and with its gaps between months: the converted villages
    end the month before the demo's first day (their households signed before they became prepaid on it), the last
    ``postpaid`` ones, not converted yet, begin the month after its last day."""
    converted, waiting = villages[: len(villages) - postpaid], villages[len(villages) - postpaid :]
    moved = []
    if converted:
        shift = months_apart(converted[-1].rollout_month, add_months(first_day, -1))
        moved += [replace(v, rollout_month=add_months(v.rollout_month, shift)) for v in converted]
    if waiting:
        shift = months_apart(waiting[0].rollout_month, add_months(last_day, 1))
        moved += [replace(v, rollout_month=add_months(v.rollout_month, shift)) for v in waiting]
    return moved


def install_villages(*, first_day: date, last_day: date, postpaid: int) -> list[ScheduledVillage]:
    """Creates or brings up to date the town's villages and grid staff, dated for a demo from ``first_day`` to
    ``last_day`` whose last ``postpaid`` villages have not converted; running it again changes nothing."""
    villages = dated_schedule(scheduled_villages(), first_day=first_day, last_day=last_day, postpaid=postpaid)
    with transaction.atomic():
        for v in villages:
            staff, _ = GridStaff.objects.get_or_create(name=v.grid_staff, phone=v.grid_phone)
            Village.objects.update_or_create(
                town=TOWN,
                name=v.name,
                defaults={
                    "latitude": village_centre(v).decimals()[0],
                    "longitude": village_centre(v).decimals()[1],
                    "rollout_month": v.rollout_month,
                    "grid_staff": staff,
                    "assistant_name": v.assistant_name,
                    "assistant_phone": v.assistant_phone,
                    "reading_day": v.reading_day,
                },
            )
    return villages


def postpaid_village_count(villages: list[ScheduledVillage], *, last_day: date) -> int:
    """How many of the schedule's last villages stay postpaid: those whose rollout month is after ``last_day`` (the
    schedule is in month order, so they are its last ones), kept within MIN_ and MAX_POSTPAID_VILLAGES."""
    not_converted = sum(1 for v in villages if v.rollout_month > last_day)
    return min(max(not_converted, MIN_POSTPAID_VILLAGES), MAX_POSTPAID_VILLAGES, len(villages))
