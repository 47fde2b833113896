"""Sets the meter-reading day (抄表例日) of a village or of a transformer area, with an audit record."""

from datetime import datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput, NotFound
from gridpay.data.models import AreaReadingDay, AuditRecord, Village
from gridpay.domain.postpaid_bills import check_reading_day
from gridpay.domain.texts import gettext_noop


def set_reading_day(*, day: int, village: str = "", area: str = "", actor: str, at: datetime) -> str:
    """The village's reading day (all its transformer areas without their own), or one area's; what was changed."""
    check_reading_day(day)
    if bool(village.strip()) == bool(area.strip()):
        raise InvalidInput(gettext_noop("请给出村/社区或台区之一"), field="village")
    old: int | None
    with transaction.atomic():
        if village.strip():
            rows = list(Village.objects.select_for_update().filter(name=village.strip()))
            if len(rows) != 1:
                raise NotFound(gettext_noop("没有唯一的村/社区 {village}"), field="village",
                               params={"village": village})
            row = rows[0]
            old, target = row.reading_day, f"village:{row.id}"
            row.reading_day = day
            row.save(update_fields=["reading_day"])
            what = f"{row.town}{row.name}"
        else:
            area_row = AreaReadingDay.objects.select_for_update().filter(transformer_area=area.strip()).first()
            old = area_row.reading_day if area_row else None
            area_row, _ = AreaReadingDay.objects.update_or_create(transformer_area=area.strip()[:50],
                                                                  defaults={"reading_day": day})
            target, what = f"area_reading_day:{area_row.id}", f"台区 {area_row.transformer_area}"
        AuditRecord.objects.create(at=at, actor=actor[:100], action="postpaid.reading_day", target=target,
                                   old={"reading_day": old}, new={"reading_day": day})
    return what
