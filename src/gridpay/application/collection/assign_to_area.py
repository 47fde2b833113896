"""Puts a village, or one of its transformer areas (台区), in a collection area from a day on, keeping history."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput, NotAllowed, NotFound
from gridpay.data.models import Account, AreaMember, AuditRecord, CollectionArea, Village
from gridpay.domain.collection_areas import check_change_date
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class AreaMembershipChange:
    area: str
    place: str  # 村名 or 村名 台区
    previous_area: str  # empty: it was in none
    valid_from: date


def assign_to_area(*, area: str, village: str, transformer_area: str = "", valid_from: date, actor: str,
                   roles: Iterable[Role], at: datetime) -> AreaMembershipChange:
    if not may(roles, Action.ARRANGE_COLLECTION):
        raise NotAllowed(gettext_noop("只有班长或所长可以划分催费片区"), field="as")
    area_name, village_name, place_area = area.strip(), village.strip(), transformer_area.strip()
    with transaction.atomic():
        area_row = CollectionArea.objects.filter(name=area_name).first()
        if area_row is None:
            raise NotFound(gettext_noop("没有名为 {area} 的片区：请先用 gridpay collection area-collector 建立片区"),
                           field="area", params={"area": area_name})
        villages = list(Village.objects.filter(name=village_name))
        if len(villages) != 1:
            raise NotFound(gettext_noop("没有唯一的村/社区 {village}"), field="village",
                           params={"village": village_name})
        village_row = villages[0]
        if place_area and not Account.objects.filter(village=village_row, transformer_area=place_area).exists():
            raise InvalidInput(gettext_noop("{village} 没有台区 {area} 的用电户"), field="transformer_area",
                               params={"village": village_row.name, "area": place_area})
        current = (AreaMember.objects.select_for_update().select_related("area")
                   .filter(village=village_row, transformer_area=place_area, valid_to__isnull=True).first())
        check_change_date(open_from=current.valid_from if current else None, change_from=valid_from)
        previous = current.area.name if current else ""
        place = f"{village_row.name} {place_area}".strip()
        if current and current.area_id == area_row.id:
            return AreaMembershipChange(area_row.name, place, previous, current.valid_from)
        if current and current.valid_from == valid_from:
            current.area = area_row
            current.save(update_fields=["area"])
        else:
            if current:
                current.valid_to = valid_from
                current.save(update_fields=["valid_to"])
            AreaMember.objects.create(area=area_row, village=village_row, transformer_area=place_area,
                                      valid_from=valid_from)
        AuditRecord.objects.create(
            at=at, actor=actor[:100], action="collection.area_member", target=f"village:{village_row.id}",
            old={"area": previous, "transformer_area": place_area},
            new={"area": area_row.name, "transformer_area": place_area, "valid_from": valid_from.isoformat()},
        )
    return AreaMembershipChange(area_row.name, place, previous, valid_from)
