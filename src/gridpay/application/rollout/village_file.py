"""One village's rollout plan and its promotion events, for the page that edits them."""

from dataclasses import dataclass
from datetime import date

from gridpay.data.models import PromotionEvent, Village


@dataclass(frozen=True)
class VillageFile:
    village_id: int
    name: str
    town: str
    rollout_month: date | None
    grid_staff: str
    grid_phone: str
    assistant: str
    assistant_phone: str
    events: list[tuple[date, str, int, str]]  # day, kind, attendees, note


def village_file(*, village_id: int) -> VillageFile | None:
    village = Village.objects.select_related("grid_staff").filter(id=village_id).first()
    if village is None:
        return None
    events = list(PromotionEvent.objects.filter(village=village).order_by("-day", "-id").values_list(
        "day", "kind", "attendees", "note"))
    staff = village.grid_staff
    return VillageFile(
        village_id=village.id, name=village.name, town=village.town, rollout_month=village.rollout_month,
        grid_staff=staff.name if staff else "", grid_phone=staff.phone if staff else "",
        assistant=village.assistant_name, assistant_phone=village.assistant_phone, events=events,
    )
