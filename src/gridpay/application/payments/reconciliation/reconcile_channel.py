"""Reconciles a channel's statement for a day against our payments and refunds, and keeps every difference."""

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction

from gridpay.data.models import Reconciliation, ReconciliationDifference
from gridpay.data.queries.reconciliation import our_records_frame
from gridpay.data.run_lock import exclusive_run
from gridpay.domain.business_time import business_day, day_bounds
from gridpay.domain.errors import DomainError
from gridpay.domain.payments import parse_channel
from gridpay.domain.reconciliation_batch import name_unnamed_refunds, reconcile_frames
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.channels.statements import UNNAMED_REFUND, StatementFormatError, statement_frame


class InvalidStatement(DomainError):
    code = "invalid_statement"


@dataclass(frozen=True)
class ReconciliationReport:
    reconciliation_id: int
    channel: str
    day: date
    lines: int
    matched: int
    statement_payments_fen: int
    statement_refunds_fen: int
    our_payments_fen: int
    our_refunds_fen: int
    difference_ids: list[int]
    replayed: bool  # this very file was reconciled before: its run is returned, nothing listed twice


def reconcile_channel(
    *, channel: str, day: date, file_name: str, content: bytes, run_by: str, at: datetime, zone: str
) -> ReconciliationReport:
    """Reconciles one channel's day while no other reconciliation of the same channel and day runs."""
    name = parse_channel(channel).value
    today = business_day(instant=at, zone=zone)
    if day > today:
        raise InvalidStatement(gettext_noop("对账日期 {day} 晚于今天 {today}：只能核对已经过去的日子"), field="date",
                               params={"day": day, "today": today})
    with exclusive_run(f"reconcile:{name}:{day}", what=f"{name} {day} 的对账", at=at):
        return _reconcile_channel(channel=name, day=day, file_name=file_name, content=content, run_by=run_by, at=at,
                                  zone=zone)


def _reconcile_channel(
    *, channel: str, day: date, file_name: str, content: bytes, run_by: str, at: datetime, zone: str
) -> ReconciliationReport:
    """Reads the whole statement before writing anything: a bad line leaves no half-made reconciliation."""
    name = parse_channel(channel).value
    digest = hashlib.sha256(content).hexdigest()
    earlier = Reconciliation.objects.filter(channel=name, day=day, file_sha256=digest).first()
    if earlier is not None:
        return _report(earlier, replayed=True)
    start, end = day_bounds(day=day, zone=zone)
    # The file is read in a thread while our side is read from the database: a busy channel's day is a million lines
    # each way, and the two waits overlap (polars and the database driver leave the interpreter free while they work).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gridpay-statement") as pool:
        reading = pool.submit(statement_frame, name, content)
        ours = our_records_frame(channel=name, start=start, end=end)
        try:
            statement = reading.result()
        except StatementFormatError as error:
            raise InvalidStatement(gettext_noop("{file_name}：{error}"), field="file",
                                   params={"file_name": file_name, "error": error}) from None
    statement = name_unnamed_refunds(statement=statement, ours=ours, prefix=UNNAMED_REFUND)
    result = reconcile_frames(statement=statement, ours=ours)
    try:
        with transaction.atomic():
            run = Reconciliation.objects.create(
                channel=name, day=day, file_name=file_name[:200], file_sha256=digest, lines=result.lines,
                matched=result.matched, statement_payments_fen=result.statement_payments_fen,
                statement_refunds_fen=result.statement_refunds_fen, our_payments_fen=result.our_payments_fen,
                our_refunds_fen=result.our_refunds_fen, differences=len(result.differences), run_at=at,
                run_by=run_by[:100],
            )
            ReconciliationDifference.objects.bulk_create(
                [
                    ReconciliationDifference(
                        reconciliation=run, kind=d.kind.value, line_kind=d.line_kind.value,
                        channel_txn_id=d.channel_txn_id[:64], refund_id=d.refund_id[:64],
                        statement_amount_fen=d.statement_amount_fen, our_amount_fen=d.our_amount_fen,
                        statement_account_no=d.statement_account_no[:20], our_account_no=d.our_account_no,
                        line_no=d.line_no,
                    )
                    for d in result.differences
                ],
                batch_size=5_000,
            )
    except IntegrityError:  # the same file, reconciled at the same moment by someone else
        return _report(Reconciliation.objects.get(channel=name, day=day, file_sha256=digest), replayed=True)
    return _report(run, replayed=False)


def _report(run: Reconciliation, *, replayed: bool) -> ReconciliationReport:
    return ReconciliationReport(
        reconciliation_id=run.id, channel=run.channel, day=run.day, lines=run.lines, matched=run.matched,
        statement_payments_fen=run.statement_payments_fen, statement_refunds_fen=run.statement_refunds_fen,
        our_payments_fen=run.our_payments_fen, our_refunds_fen=run.our_refunds_fen,
        difference_ids=list(run.difference_rows.order_by("id").values_list("id", flat=True)), replayed=replayed,
    )
