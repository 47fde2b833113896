"""One village's rollout plan and its promotion events, for the page that edits them."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from gridpay.data.models import PromotionEvent, Village
from gridpay.domain.rollout import VillageInvitation


@dataclass(frozen=True)
class VillageFile(VillageInvitation):
    village_id: int
    events: list[tuple[date, str, int, str]]  # day, kind, attendees, note


def plan_of(village: Village) -> dict[str, Any]:
    """A village's rollout plan as the fields of a VillageInvitation (its grid_staff already selected)."""
    staff = village.grid_staff
    return {"village": village.name, "town": village.town, "rollout_month": village.rollout_month,
            "grid_staff": staff.name if staff else "", "grid_phone": staff.phone if staff else "",
            "assistant": village.assistant_name, "assistant_phone": village.assistant_phone}


def village_file(*, village_id: int) -> VillageFile | None:
    village = Village.objects.select_related("grid_staff").filter(id=village_id).first()
    if village is None:
        return None
    events = list(PromotionEvent.objects.filter(village=village).order_by("-day", "-id").values_list(
        "day", "kind", "attendees", "note"))
    return VillageFile(**plan_of(village), village_id=village.id, events=events)
