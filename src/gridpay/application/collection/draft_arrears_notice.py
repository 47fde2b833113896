"""Drafts a village's public arrears notice (欠费公示, seed 003): the accounts whose arrears are at least
GRIDPAY_NOTICE_MIN_DAYS old on the day, with masked names and numbers and what they owe — the figures that are
approved and printed."""

from datetime import date, datetime

from django.db import IntegrityError, transaction

from gridpay.application.collection.arrears_notices import ArrearsNoticeView, view_of
from gridpay.application.errors import NotAllowed, NotFound
from gridpay.data.models import ArrearsNotice, ArrearsNoticeLine, AuditRecord, Village
from gridpay.data.queries.late_payers import arrears_with_start
from gridpay.data.settings import gridpay_settings
from gridpay.domain.arrears_notice import NoticeRefused, arrears_age_days, mask_account_no, mask_name, old_enough
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop


def draft_arrears_notice(*, village: str, day: date, actor: str, roles: set[Role], at: datetime) -> ArrearsNoticeView:
    if not may(roles, Action.KEEP_CHRONIC_FILE):
        raise NotAllowed(gettext_noop("只有网格员、班长和所长可以拟定欠费公示"), field="as")
    settings = gridpay_settings()
    min_days = settings.notice_min_days
    with transaction.atomic():
        place = Village.objects.filter(name=village.strip()).first()
        if place is None:
            raise NotFound(gettext_noop("没有村/社区 {village}"), field="village", params={"village": village})
        if ArrearsNotice.objects.filter(village=place, as_of=day).exists():
            raise NoticeRefused(gettext_noop("{village} 已有 {day} 的欠费公示"), field="village",
                                params={"village": place.name, "day": day.isoformat()})
        rows = [row for row in arrears_with_start(day=day, village_id=place.id)
                if old_enough(since=row.since, day=day, min_days=min_days)]
        try:
            with transaction.atomic():  # two drafts of one village and day at once: the second is refused
                notice = ArrearsNotice.objects.create(
                    village=place, as_of=day, min_days=min_days, accounts=len(rows),
                    total_fen=sum(row.owed_fen for row in rows), created_by=actor[:100], created_at=at,
                )
        except IntegrityError:
            raise NoticeRefused(gettext_noop("{village} 已有 {day} 的欠费公示"), field="village",
                                params={"village": place.name, "day": day.isoformat()}) from None
        ArrearsNoticeLine.objects.bulk_create(
            ArrearsNoticeLine(notice=notice, account_id=row.account_id, masked_name=mask_name(row.customer_name),
                              masked_account_no=mask_account_no(row.account_no), owed_fen=row.owed_fen,
                              since=row.since, days=arrears_age_days(since=row.since, day=day))
            for row in rows
        )
        AuditRecord.objects.create(at=at, actor=actor[:100], action="collection.arrears_notice_draft",
                                   target=f"arrears_notice:{notice.id}",
                                   new={"village": place.name, "as_of": day.isoformat(), "accounts": notice.accounts,
                                        "total_fen": notice.total_fen, "min_days": min_days})
        return view_of(notice)
