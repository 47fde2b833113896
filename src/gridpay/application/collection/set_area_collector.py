"""Names the collector (收费员) who answers for a collection area from a day on; the area is made on first use."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput, NotAllowed, NotFound
from gridpay.data.models import AreaCollector, AuditRecord, CollectionArea, GridStaff
from gridpay.domain.collection_areas import check_change_date
from gridpay.domain.phone_numbers import normalised_phone
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class AreaCollectorChange:
    area: str
    collector: str
    previous: str  # empty: the area had nobody
    valid_from: date


def set_area_collector(*, area: str, collector: str, phone: str = "", valid_from: date, actor: str,
                       roles: Iterable[Role], at: datetime) -> AreaCollectorChange:
    """The previous collector answers up to the day before ``valid_from``: their row ends, history stays."""
    if not may(roles, Action.ARRANGE_COLLECTION):
        raise NotAllowed(gettext_noop("只有班长或所长可以指定片区收费员"), field="as")
    area_name, name = area.strip(), collector.strip()
    if not area_name:
        raise InvalidInput(gettext_noop("请给出片区名称"), field="area")
    if not name:
        raise InvalidInput(gettext_noop("请给出收费员姓名"), field="collector")
    with transaction.atomic():
        person = _collector(name, phone)
        area_row, _ = CollectionArea.objects.get_or_create(name=area_name[:50])
        current = AreaCollector.objects.select_for_update().filter(area=area_row, valid_to__isnull=True).first()
        check_change_date(open_from=current.valid_from if current else None, change_from=valid_from)
        previous = current.collector.name if current else ""
        if current and current.collector_id == person.id:
            return AreaCollectorChange(area_row.name, person.name, previous, current.valid_from)
        if current and current.valid_from == valid_from:
            current.collector = person  # a same-day correction: the audit record keeps who it was
            current.save(update_fields=["collector"])
        else:
            if current:
                current.valid_to = valid_from
                current.save(update_fields=["valid_to"])
            AreaCollector.objects.create(area=area_row, collector=person, valid_from=valid_from)
        AuditRecord.objects.create(
            at=at, actor=actor[:100], action="collection.area_collector", target=f"collection_area:{area_row.id}",
            old={"collector": previous}, new={"collector": person.name, "valid_from": valid_from.isoformat()},
        )
    return AreaCollectorChange(area_row.name, person.name, previous, valid_from)


def _collector(name: str, phone: str) -> GridStaff:
    if phone.strip():
        person, _ = GridStaff.objects.get_or_create(name=name[:50], phone=normalised_phone(phone))
        return person
    people = list(GridStaff.objects.filter(name=name))
    if len(people) == 1:
        return people[0]
    if not people:
        raise NotFound(gettext_noop("没有名为 {name} 的网格员/收费员：新的收费员请同时给出电话"), field="collector",
                       params={"name": name})
    raise InvalidInput(gettext_noop("有 {count} 位名为 {name} 的网格员：请同时给出电话"), field="collector",
                       params={"name": name, "count": len(people)})
