"""Records a campaign round as ridden: who, when, a note; a second tap on the button changes nothing."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from gridpay.application.collection.days_ahead import refuse_day_ahead
from gridpay.application.errors import NotAllowed, NotFound
from gridpay.data.models import AuditRecord, CampaignRound
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class RoundDone:
    round_id: int
    village: str
    day: date
    done_at: datetime
    done_by: str
    already: bool  # it had been recorded before: the first record stands


def record_round_done(*, round_id: int, actor: str, roles: Iterable[Role], at: datetime,
                      note: str = "") -> RoundDone:
    if not may(roles, Action.WORK_CAMPAIGN):
        raise NotAllowed(gettext_noop("只有网格员、班长或所长可以记录宣传轮次"), field="as")
    with transaction.atomic():
        row = CampaignRound.objects.select_for_update().select_related("village").filter(id=round_id).first()
        if row is None:
            raise NotFound(gettext_noop("没有编号为 {round} 的宣传轮次"), field="round", params={"round": round_id})
        refuse_day_ahead(day=row.day, at=at, field="round",
                         message=gettext_noop("这一轮宣传安排在 {day}：到那天再记录完成"))
        if row.done_at is not None:
            return RoundDone(row.id, row.village.name, row.day, row.done_at, row.done_by, already=True)
        row.done_at, row.done_by, row.note = at, actor[:100], note.strip()[:200]
        row.save(update_fields=["done_at", "done_by", "note"])
        AuditRecord.objects.create(at=at, actor=actor[:100], action="collection.campaign_round_done",
                                   target=f"campaign_round:{row.id}", new={"village": row.village.name,
                                                                          "day": row.day.isoformat()},
                                   note=row.note)
    return RoundDone(row.id, row.village.name, row.day, at, row.done_by, already=False)
