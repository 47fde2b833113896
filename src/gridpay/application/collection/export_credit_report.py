"""Exports an approved credit report list as a CSV file, inside the transaction that records the export and its audit
record (README "Files that go with a change"). The file goes to whoever files it with the credit system: no outside
interface is called."""

import hashlib
from collections.abc import Callable
from datetime import datetime

from django.db import transaction

from gridpay.application.collection.credit_reports import CreditReportRefused, CreditReportView, view_of
from gridpay.application.errors import NotAllowed, NotFound
from gridpay.application.spreadsheet_csv import spreadsheet_csv
from gridpay.data.models import AuditRecord, CreditReport
from gridpay.data.models.late_payers import PublicationStatus
from gridpay.domain.money import format_yuan
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop

# Writes the file whole; called inside the transaction, so a file that cannot be written records no export.
Deliver = Callable[[bytes], None]
HEADER = ("户号", "户名", "村/社区", "欠费金额（元）", "欠费起始日", "欠费天数", "截至日期")


def export_credit_report(
    *, report_id: int, actor: str, roles: set[Role], at: datetime, deliver: Deliver,
) -> CreditReportView:
    if not may(roles, Action.KEEP_CHRONIC_FILE):
        raise NotAllowed(gettext_noop("只有网格员、班长和所长可以导出征信报送名单"), field="as")
    with transaction.atomic():
        report = CreditReport.objects.select_for_update().filter(id=report_id).first()
        if report is None:
            raise NotFound(gettext_noop("没有征信报送名单 {report_id}"), field="id", params={"report_id": report_id})
        if report.status != PublicationStatus.APPROVED:
            raise CreditReportRefused(gettext_noop("征信报送名单 {report_id} 尚未经所长批准，不能导出"), field="id",
                                params={"report_id": report.id})
        rows = [HEADER] + [
            (line.account_no, line.customer_name, line.village, format_yuan(line.owed_fen), line.since.isoformat(),
             line.days, report.as_of.isoformat())
            for line in report.lines.order_by("account_no")
        ]
        content = spreadsheet_csv(rows)
        report.exported_at, report.exported_by = at, actor[:100]
        report.file_sha256 = hashlib.sha256(content).hexdigest()
        report.save(update_fields=["exported_at", "exported_by", "file_sha256"])
        AuditRecord.objects.create(at=at, actor=actor[:100], action="collection.credit_report_export",
                                   target=f"credit_report:{report.id}",
                                   new={"accounts": report.accounts, "total_fen": report.total_fen,
                                        "sha256": report.file_sha256})
        deliver(content)
        return view_of(report)
