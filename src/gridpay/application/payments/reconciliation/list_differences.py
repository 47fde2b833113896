"""Lists reconciliation differences, newest run first, for the staff who resolve them."""

from dataclasses import dataclass
from datetime import date

from gridpay.data.models import ReconciliationDifference
from gridpay.domain.reconciliation import DifferenceKind


@dataclass(frozen=True)
class DifferenceLine:
    difference_id: int
    channel: str
    day: date
    kind: str
    kind_label: str
    line_kind: str
    channel_txn_id: str
    refund_id: str
    statement_amount_fen: int | None
    our_amount_fen: int | None
    statement_account_no: str
    our_account_no: str
    line_no: int
    status: str
    resolution: str
    resolved_by: str
    note: str


def list_differences(
    *, channel: str | None = None, day: date | None = None, open_only: bool = False, ids: list[int] | None = None
) -> list[DifferenceLine]:
    rows = ReconciliationDifference.objects.select_related("reconciliation").order_by("-reconciliation_id", "id")
    if channel:
        rows = rows.filter(reconciliation__channel=channel)
    if day:
        rows = rows.filter(reconciliation__day=day)
    if open_only:
        rows = rows.filter(status="open")
    if ids is not None:
        rows = rows.filter(id__in=ids)
    return [
        DifferenceLine(
            difference_id=row.id, channel=row.reconciliation.channel, day=row.reconciliation.day, kind=row.kind,
            kind_label=DifferenceKind(row.kind).label, line_kind=row.line_kind, channel_txn_id=row.channel_txn_id,
            refund_id=row.refund_id, statement_amount_fen=row.statement_amount_fen, our_amount_fen=row.our_amount_fen,
            statement_account_no=row.statement_account_no, our_account_no=row.our_account_no, line_no=row.line_no,
            status=row.status, resolution=row.resolution, resolved_by=row.resolved_by, note=row.note,
        )
        for row in rows[:10_000]
    ]
