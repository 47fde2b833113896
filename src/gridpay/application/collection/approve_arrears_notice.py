"""The station head approves a public arrears notice (欠费公示): only an approved notice can be printed."""

from datetime import datetime

from django.db import transaction

from gridpay.application.collection.arrears_notices import ArrearsNoticeView, view_of
from gridpay.application.errors import NotAllowed, NotFound
from gridpay.data.models import ArrearsNotice, AuditRecord
from gridpay.data.models.late_payers import PublicationStatus
from gridpay.data.settings import gridpay_settings
from gridpay.domain.arrears_notice import NoticeRefused
from gridpay.domain.business_time import local_minute
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop


def approve_arrears_notice(*, notice_id: int, actor: str, roles: set[Role], at: datetime) -> ArrearsNoticeView:
    if not may(roles, Action.APPROVE_ARREARS_NOTICE):
        raise NotAllowed(gettext_noop("只有所长可以批准欠费公示"), field="as")
    with transaction.atomic():
        notice = ArrearsNotice.objects.select_for_update().select_related("village").filter(id=notice_id).first()
        if notice is None:
            raise NotFound(gettext_noop("没有欠费公示 {notice_id}"), field="id", params={"notice_id": notice_id})
        if notice.status != PublicationStatus.DRAFT:
            approved = local_minute(instant=notice.approved_at, zone=gridpay_settings().business_time_zone)
            raise NoticeRefused(gettext_noop("欠费公示 {notice_id} 已于 {at} 由 {by} 批准"), field="id",
                               params={"notice_id": notice.id, "at": approved, "by": notice.approved_by})
        notice.status, notice.approved_by, notice.approved_at = PublicationStatus.APPROVED.value, actor[:100], at
        notice.save(update_fields=["status", "approved_by", "approved_at"])
        AuditRecord.objects.create(at=at, actor=actor[:100], action="collection.arrears_notice_approve",
                                   target=f"arrears_notice:{notice.id}", old={"status": PublicationStatus.DRAFT.value},
                                   new={"status": notice.status, "village": notice.village.name,
                                        "accounts": notice.accounts, "total_fen": notice.total_fen})
        return view_of(notice)
