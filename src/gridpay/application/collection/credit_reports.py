"""What the credit report lists (征信报送名单) hold, for the CLI and the console: the lists and one list's lines."""

from dataclasses import dataclass
from datetime import date, datetime

from gridpay.application.errors import NotFound
from gridpay.data.models import CreditReport
from gridpay.data.models.late_payers import PublicationStatus
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop, label_of


class CreditReportRefused(DomainError):
    code = "credit_report_refused"


@dataclass(frozen=True)
class CreditReportLineView:
    account_no: str
    customer_name: str
    village: str
    owed_fen: int
    since: date
    days: int


@dataclass(frozen=True)
class CreditReportView:
    report_id: int
    as_of: date
    status: str
    status_label: str
    min_days: int
    min_fen: int
    accounts: int
    total_fen: int
    created_by: str
    created_at: datetime
    approved_by: str
    approved_at: datetime | None
    exported_at: datetime | None
    lines: tuple[CreditReportLineView, ...]


def credit_report(*, report_id: int) -> CreditReportView:
    report = CreditReport.objects.filter(id=report_id).first()
    if report is None:
        raise NotFound(gettext_noop("没有征信报送名单 {report_id}"), field="id", params={"report_id": report_id})
    return view_of(report)


def credit_reports(*, status: str = "") -> list[CreditReportView]:
    reports = CreditReport.objects.order_by("-id")
    if status:
        reports = reports.filter(status=status)
    return [view_of(report, lines=False) for report in reports[:100]]


def view_of(report: CreditReport, *, lines: bool = True) -> CreditReportView:
    shown = tuple(
        CreditReportLineView(r.account_no, r.customer_name, r.village, r.owed_fen, r.since, r.days)
        for r in report.lines.order_by("account_no")
    ) if lines else ()
    return CreditReportView(
        report_id=report.id, as_of=report.as_of, status=report.status,
        status_label=label_of(PublicationStatus, report.status), min_days=report.min_days, min_fen=report.min_fen,
        accounts=report.accounts, total_fen=report.total_fen, created_by=report.created_by,
        created_at=report.created_at, approved_by=report.approved_by, approved_at=report.approved_at,
        exported_at=report.exported_at, lines=shown,
    )
