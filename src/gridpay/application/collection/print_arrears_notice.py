"""Prints an approved public arrears notice (欠费公示) as an A4 PDF for the village's notice board, from the figures
approved (never worked out again), inside the transaction that counts the print and writes its audit record."""

from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.db.models import F

from gridpay.application.collection.arrears_notices import ArrearsNoticeView, view_of
from gridpay.application.errors import NotFound
from gridpay.data.models import ArrearsNotice, AuditRecord
from gridpay.data.models.late_payers import PublicationStatus
from gridpay.data.settings import gridpay_settings
from gridpay.domain.arrears_notice import NoticeRefused
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.documents.arrears_notice_pdf import NoticeDoc, NoticeRow, arrears_notice_pdf

Deliver = Callable[[bytes], None]


def print_arrears_notice(*, notice_id: int, actor: str, at: datetime, deliver: Deliver) -> ArrearsNoticeView:
    with transaction.atomic():
        notice = ArrearsNotice.objects.select_for_update().select_related("village").filter(id=notice_id).first()
        if notice is None:
            raise NotFound(gettext_noop("没有欠费公示 {notice_id}"), field="id", params={"notice_id": notice_id})
        if notice.status != PublicationStatus.APPROVED:
            raise NoticeRefused(gettext_noop("欠费公示 {notice_id} 尚未经所长批准，不能打印"), field="id",
                                params={"notice_id": notice.id})
        view = view_of(notice)
        settings = gridpay_settings()
        pdf = arrears_notice_pdf(utility=settings.utility_name, zone=settings.business_time_zone, notice=NoticeDoc(
            notice_no=f"GS{notice.id:07d}", village=view.village, town=view.town, as_of=view.as_of,
            min_days=view.min_days, total_fen=view.total_fen, approved_by=view.approved_by,
            approved_at=notice.approved_at or at,
            rows=tuple(NoticeRow(line.masked_name, line.masked_account_no, line.owed_fen, line.days)
                       for line in view.lines),
        ))
        ArrearsNotice.objects.filter(id=notice.id).update(printed=F("printed") + 1)
        AuditRecord.objects.create(at=at, actor=actor[:100], action="collection.arrears_notice_print",
                                   target=f"arrears_notice:{notice.id}",
                                   new={"printed": notice.printed + 1, "total_fen": notice.total_fen})
        deliver(pdf)
        notice.refresh_from_db()
        return view_of(notice)
