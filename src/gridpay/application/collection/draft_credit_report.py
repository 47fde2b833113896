"""Drafts the list of accounts in persistent arrears to report to the credit system (征信, seed 000): in arrears at
least GRIDPAY_CREDIT_REPORT_MIN_DAYS days and owing at least GRIDPAY_CREDIT_REPORT_MIN_YUAN, as of the day."""

from datetime import date, datetime

from django.db import transaction

from gridpay.application.collection.credit_reports import CreditReportView, view_of
from gridpay.application.errors import NotAllowed
from gridpay.data.models import AuditRecord, CreditReport, CreditReportLine
from gridpay.data.queries.late_payers import arrears_with_start
from gridpay.data.settings import gridpay_settings
from gridpay.domain.arrears_notice import arrears_age_days, old_enough
from gridpay.domain.money import FEN_PER_YUAN
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop


def draft_credit_report(*, day: date, actor: str, roles: set[Role], at: datetime) -> CreditReportView:
    """A draft with its lines as they stand on ``day``: the figures the station head approves and the file carries.
    No outside interface is called: the approved list is exported as a file."""
    if not may(roles, Action.KEEP_CHRONIC_FILE):
        raise NotAllowed(gettext_noop("只有网格员、班长和所长可以拟定征信报送名单"), field="as")
    settings = gridpay_settings()
    min_days, min_fen = settings.credit_report_min_days, settings.credit_report_min_yuan * FEN_PER_YUAN
    with transaction.atomic():
        rows = [row for row in arrears_with_start(day=day)
                if old_enough(since=row.since, day=day, min_days=min_days) and row.owed_fen >= min_fen]
        report = CreditReport.objects.create(
            as_of=day, min_days=min_days, min_fen=min_fen, accounts=len(rows),
            total_fen=sum(row.owed_fen for row in rows), created_by=actor[:100], created_at=at,
        )
        CreditReportLine.objects.bulk_create(
            CreditReportLine(report=report, account_id=row.account_id, account_no=row.account_no,
                             customer_name=row.customer_name, village=row.village, owed_fen=row.owed_fen,
                             since=row.since, days=arrears_age_days(since=row.since, day=day))
            for row in rows
        )
        AuditRecord.objects.create(at=at, actor=actor[:100], action="collection.credit_report_draft",
                                   target=f"credit_report:{report.id}",
                                   new={"as_of": day.isoformat(), "accounts": report.accounts,
                                        "total_fen": report.total_fen, "min_days": min_days, "min_fen": min_fen})
        return view_of(report)
