"""Resolves one reconciliation difference (credit after verification, reverse, write off) with an audit record."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from gridpay.application.errors import NotFound
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.payments.refund_payment import refund_payment
from gridpay.data.models import AuditRecord, ReconciliationDifference
from gridpay.data.models.reconciliation import DifferenceStatus
from gridpay.domain.payments import PaymentConflict, RefundKind
from gridpay.domain.reconciliation import (
    Difference,
    DifferenceKind,
    LineKind,
    Resolution,
    ResolutionRefused,
    check_resolution,
)
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class ResolvedDifference:
    difference_id: int
    resolution: str
    moved_fen: int
    replayed: bool


def resolve_difference(
    *, difference_id: int, action: str, actor: str, note: str, at: datetime, business_day: date, account_no: str = ""
) -> ResolvedDifference:
    try:
        resolution = Resolution(action.replace("-", "_"))
    except ValueError:
        known = "credit（补记入账）、reverse（冲正）或 write-off（核销）"
        raise ResolutionRefused(gettext_noop("处理方式应为 {known}，而不是 {action!r}"), field="action",
                                params={"known": known, "action": action}) from None
    if not actor.strip():
        raise ResolutionRefused(gettext_noop("必须写明处理人（--by）"), field="actor")
    with transaction.atomic():
        row = (
            ReconciliationDifference.objects.select_for_update()
            .select_related("reconciliation")
            .filter(id=difference_id)
            .first()
        )
        if row is None:
            raise NotFound(gettext_noop("没有对账差异 {difference_id}"), field="difference_id",
                           params={"difference_id": difference_id})
        if row.status == DifferenceStatus.RESOLVED:
            if row.resolution == resolution.value:
                return ResolvedDifference(row.id, row.resolution, row.moved_fen or 0, replayed=True)
            raise PaymentConflict(
                gettext_noop("对账差异 {difference_id} 已由 {resolved_by} 以 {resolution} 处理"), field="action",
                params={"difference_id": row.id, "resolved_by": row.resolved_by, "resolution": row.resolution},
            )
        difference = _domain(row)
        moved = check_resolution(difference=difference, resolution=resolution, account_no=account_no, note=note)
        _move_money(row, difference, resolution, moved, account_no=account_no.strip(), at=at, business_day=business_day)
        old = {"status": row.status}
        row.status = DifferenceStatus.RESOLVED
        row.resolution = resolution.value
        row.moved_fen = moved
        row.resolved_by = actor.strip()[:100]
        row.resolved_at = at
        row.note = note.strip()[:500]
        row.save()
        AuditRecord.objects.create(
            at=at, actor=row.resolved_by, action="reconciliation.resolve", target=f"reconciliation_difference:{row.id}",
            old=old, new={"status": row.status, "resolution": row.resolution, "moved_fen": moved,
                          "account_no": account_no.strip()}, note=row.note,
        )
    return ResolvedDifference(row.id, row.resolution, moved, replayed=False)


def _move_money(
    row: ReconciliationDifference, difference: Difference, resolution: Resolution, moved: int, *, account_no: str,
    at: datetime, business_day: date,
) -> None:
    channel = row.reconciliation.channel
    # Ids of what reconciliation moves are derived from the difference, so a retry can never move money twice.
    own_id = f"对账{row.id}"
    if resolution is Resolution.WRITE_OFF:
        return
    if resolution is Resolution.REVERSE or difference.kind is DifferenceKind.ACCOUNT_MISMATCH:
        wrong_account = difference.kind is DifferenceKind.ACCOUNT_MISMATCH
        reversed_fen = (difference.our_amount_fen or 0) if wrong_account else moved
        refund_payment(
            channel=channel, channel_txn_id=row.channel_txn_id, channel_refund_id=own_id, amount_fen=reversed_fen,
            kind=RefundKind.REVERSAL.value, reason=f"对账差异 {row.id}：{difference.kind.label}", at=at,
            business_day=business_day,
        )
        if resolution is Resolution.REVERSE:
            return
    txn = row.channel_txn_id if difference.kind is DifferenceKind.MISSING_HERE else f"{row.channel_txn_id}/{own_id}"
    record_payment(
        account_no=account_no or difference.statement_account_no or difference.our_account_no,
        amount_fen=moved, channel=channel, channel_txn_id=txn[:64], received_at=at, business_day=business_day,
        payer="对账补记",
    )


def _domain(row: ReconciliationDifference) -> Difference:
    return Difference(
        kind=DifferenceKind(row.kind), line_kind=LineKind(row.line_kind), channel_txn_id=row.channel_txn_id,
        refund_id=row.refund_id, statement_amount_fen=row.statement_amount_fen, our_amount_fen=row.our_amount_fen,
        statement_account_no=row.statement_account_no, our_account_no=row.our_account_no, line_no=row.line_no,
    )
