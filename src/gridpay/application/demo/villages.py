"""The villages of 码头镇 with their rollout month and grid staff, from the town's rollout schedule (idempotent)."""

import csv
from dataclasses import dataclass
from datetime import date
from importlib.resources import files

from django.db import transaction

from gridpay.data.models import GridStaff, Village

TOWN = "码头镇"
SCHEDULE_FILE = "matou_rollout_schedule.csv"


@dataclass(frozen=True)
class ScheduledVillage:
    code: int  # 1-based position in the schedule; part of the demo's account numbers
    name: str
    rollout_month: date
    grid_staff: str
    grid_phone: str
    assistant_name: str
    assistant_phone: str


def scheduled_villages() -> list[ScheduledVillage]:
    """The schedule's rows in its order (南码政〔2024〕93号, 附件 码头镇智能交费推广安排表)."""
    text = files("gridpay.application.demo").joinpath(SCHEDULE_FILE).read_text(encoding="utf-8")
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


def install_villages() -> list[ScheduledVillage]:
    """Creates or brings up to date the town's villages and grid staff; running it again changes nothing."""
    villages = scheduled_villages()
    with transaction.atomic():
        for v in villages:
            staff, _ = GridStaff.objects.get_or_create(name=v.grid_staff, phone=v.grid_phone)
            Village.objects.update_or_create(
                town=TOWN,
                name=v.name,
                defaults={
                    "rollout_month": v.rollout_month,
                    "grid_staff": staff,
                    "assistant_name": v.assistant_name,
                    "assistant_phone": v.assistant_phone,
                },
            )
    return villages
