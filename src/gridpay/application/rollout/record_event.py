"""Records a promotion event in a village (村委会介绍、现场集中签约、开通有礼、微信群推送…)."""

from datetime import date, datetime

from gridpay.application.errors import InvalidInput, NotFound
from gridpay.data.models import AuditRecord, PromotionEvent, Village
from gridpay.domain.texts import gettext_noop


def record_event(
    *, village_id: int, day: date, kind: str, attendees: int, note: str, actor: str, at: datetime, today: date
) -> None:
    if not kind.strip():
        raise InvalidInput(gettext_noop("请写明活动形式"), field="kind")
    if day > today:
        raise InvalidInput(gettext_noop("活动日期不能晚于今天"), field="day")
    if attendees < 0:
        raise InvalidInput(gettext_noop("参加人数不能为负"), field="attendees")
    village = Village.objects.filter(id=village_id).first()
    if village is None:
        raise NotFound(gettext_noop("没有这个村/社区"), field="village")
    event = PromotionEvent.objects.create(village=village, day=day, kind=kind.strip()[:40], attendees=attendees,
                                          note=note.strip()[:200])
    AuditRecord.objects.create(at=at, actor=actor[:100], action="rollout.event", target=f"promotion_event:{event.id}",
                               new={"village": village.name, "day": day.isoformat(), "kind": event.kind})
