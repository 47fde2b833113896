"""The station head approves a credit report list (征信报送名单): its figures are then fixed, with an audit record."""

from datetime import datetime

from django.db import transaction

from gridpay.application.collection.credit_reports import CreditReportRefused, CreditReportView, view_of
from gridpay.application.errors import NotAllowed, NotFound
from gridpay.data.models import AuditRecord, CreditReport
from gridpay.data.models.late_payers import PublicationStatus
from gridpay.data.settings import gridpay_settings
from gridpay.domain.business_time import local_minute
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop


def approve_credit_report(*, report_id: int, actor: str, roles: set[Role], at: datetime) -> CreditReportView:
    if not may(roles, Action.APPROVE_CREDIT_REPORT):
        raise NotAllowed(gettext_noop("只有所长可以批准征信报送名单"), field="as")
    with transaction.atomic():
        report = CreditReport.objects.select_for_update().filter(id=report_id).first()
        if report is None:
            raise NotFound(gettext_noop("没有征信报送名单 {report_id}"), field="id", params={"report_id": report_id})
        if report.status != PublicationStatus.DRAFT:
            approved = local_minute(instant=report.approved_at, zone=gridpay_settings().business_time_zone)
            raise CreditReportRefused(gettext_noop("征信报送名单 {report_id} 已于 {at} 由 {by} 批准"), field="id",
                                     params={"report_id": report.id, "at": approved, "by": report.approved_by})
        report.status, report.approved_by, report.approved_at = PublicationStatus.APPROVED.value, actor[:100], at
        report.save(update_fields=["status", "approved_by", "approved_at"])
        AuditRecord.objects.create(at=at, actor=actor[:100], action="collection.credit_report_approve",
                                   target=f"credit_report:{report.id}", old={"status": PublicationStatus.DRAFT.value},
                                   new={"status": report.status, "accounts": report.accounts,
                                        "total_fen": report.total_fen})
        return view_of(report)
