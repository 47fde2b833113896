"""Reconciliation (对账): a channel's statement against our records, every difference listed, and how each may be
resolved. Pure: lines in, differences out."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop


class LineKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


class StatementLine(NamedTuple):
    """One money movement as the channel's statement lists it. Refunds are keyed by their refund id.

    Tuples rather than dataclasses: a statement has a million of them, and a tuple is made several times faster.
    """

    kind: LineKind
    channel_txn_id: str
    amount_fen: int  # positive for payments and refunds alike
    account_no: str = ""  # when the channel carries it (WeChat's attach, agents, banks); "" when it does not
    refund_id: str = ""
    at: datetime | None = None
    line_no: int = 0

    @property
    def key(self) -> str:
        return self.refund_id if self.kind is LineKind.REFUND else self.channel_txn_id


class OurRecord(NamedTuple):
    kind: LineKind
    channel_txn_id: str
    amount_fen: int
    account_no: str
    refund_id: str = ""

    @property
    def key(self) -> str:
        return self.refund_id if self.kind is LineKind.REFUND else self.channel_txn_id


class DifferenceKind(StrEnum):
    MISSING_HERE = "missing_here"  # the channel has it, we do not
    MISSING_THERE = "missing_there"  # we have it, the channel does not
    AMOUNT_MISMATCH = "amount_mismatch"
    ACCOUNT_MISMATCH = "account_mismatch"
    DUPLICATE = "duplicate"  # the statement lists it more than once

    @property
    def label(self) -> str:
        return DIFFERENCE_LABELS[self]


DIFFERENCE_LABELS = {
    DifferenceKind.MISSING_HERE: "渠道有、本系统无（长款）",
    DifferenceKind.MISSING_THERE: "本系统有、渠道无（短款）",
    DifferenceKind.AMOUNT_MISMATCH: "金额不符",
    DifferenceKind.ACCOUNT_MISMATCH: "户号不符",
    DifferenceKind.DUPLICATE: "渠道重复列出",
}


@dataclass(frozen=True, slots=True)
class Difference:
    kind: DifferenceKind
    line_kind: LineKind
    channel_txn_id: str
    refund_id: str
    statement_amount_fen: int | None
    our_amount_fen: int | None
    statement_account_no: str
    our_account_no: str
    line_no: int


@dataclass(frozen=True)
class ReconciliationResult:
    lines: int
    matched: int
    statement_payments_fen: int
    statement_refunds_fen: int
    our_payments_fen: int
    our_refunds_fen: int
    differences: list[Difference] = field(default_factory=list)


def reconcile(*, statement: Iterable[StatementLine], ours: Iterable[OurRecord]) -> ReconciliationResult:
    """Matches by (kind, channel id); lists what is on one side only, what differs, and what the channel repeats."""
    ours_by_key = {(record.kind, record.key): record for record in ours}
    seen: set[tuple[LineKind, str]] = set()
    differences: list[Difference] = []
    lines = matched = 0
    totals = {LineKind.PAYMENT: 0, LineKind.REFUND: 0}
    for line in statement:
        lines += 1
        totals[line.kind] += line.amount_fen
        key = (line.kind, line.key)
        if key in seen:
            differences.append(_difference(DifferenceKind.DUPLICATE, line, ours_by_key.get(key)))
            continue
        seen.add(key)
        record = ours_by_key.get(key)
        if record is None:
            differences.append(_difference(DifferenceKind.MISSING_HERE, line, None))
        elif record.amount_fen != line.amount_fen:
            differences.append(_difference(DifferenceKind.AMOUNT_MISMATCH, line, record))
        elif line.account_no and line.account_no != record.account_no:
            differences.append(_difference(DifferenceKind.ACCOUNT_MISMATCH, line, record))
        else:
            matched += 1
    our_totals = {LineKind.PAYMENT: 0, LineKind.REFUND: 0}
    for key, record in ours_by_key.items():
        our_totals[record.kind] += record.amount_fen
        if key not in seen:
            differences.append(
                Difference(
                    kind=DifferenceKind.MISSING_THERE,
                    line_kind=record.kind,
                    channel_txn_id=record.channel_txn_id,
                    refund_id=record.refund_id,
                    statement_amount_fen=None,
                    our_amount_fen=record.amount_fen,
                    statement_account_no="",
                    our_account_no=record.account_no,
                    line_no=0,
                )
            )
    return ReconciliationResult(
        lines=lines,
        matched=matched,
        statement_payments_fen=totals[LineKind.PAYMENT],
        statement_refunds_fen=totals[LineKind.REFUND],
        our_payments_fen=our_totals[LineKind.PAYMENT],
        our_refunds_fen=our_totals[LineKind.REFUND],
        differences=differences,
    )


def _difference(kind: DifferenceKind, line: StatementLine, record: OurRecord | None) -> Difference:
    return Difference(
        kind=kind,
        line_kind=line.kind,
        channel_txn_id=line.channel_txn_id,
        refund_id=line.refund_id,
        statement_amount_fen=line.amount_fen,
        our_amount_fen=record.amount_fen if record else None,
        statement_account_no=line.account_no,
        our_account_no=record.account_no if record else "",
        line_no=line.line_no,
    )


class Resolution(StrEnum):
    CREDIT = "credit"  # 核实后补记: credit what the channel collected (to the statement's account)
    REVERSE = "reverse"  # 冲正: take back what we credited and the channel never collected
    WRITE_OFF = "write_off"  # 核销: nothing moves; the note says why

    @property
    def label(self) -> str:
        return {"credit": "核实后补记入账", "reverse": "冲正", "write_off": "核销（不动账）"}[self.value]


class ResolutionRefused(DomainError):
    code = "resolution_refused"


def check_resolution(*, difference: Difference, resolution: Resolution, account_no: str, note: str) -> int:
    """The fen the resolution moves (credited or reversed; 0 for a write-off), or ResolutionRefused.

    Refund lines are only written off here: giving money back twice, or un-refunding, is for people to do by hand.
    """
    if not note.strip():
        raise ResolutionRefused(gettext_noop("处理差异必须写明核实情况（--note）"), field="note")
    if resolution is Resolution.WRITE_OFF:
        return 0
    if difference.line_kind is LineKind.REFUND:
        raise ResolutionRefused(gettext_noop("退款差异只能核销，退款请另行办理"), field="action")
    statement_fen = difference.statement_amount_fen or 0
    our_fen = difference.our_amount_fen or 0
    if resolution is Resolution.CREDIT:
        if difference.kind is DifferenceKind.MISSING_HERE:
            if not (account_no or difference.statement_account_no):
                raise ResolutionRefused(
                    gettext_noop("渠道对账单没有户号：补记入账请用 --account 指明户号"), field="account_no",
                )
            return statement_fen
        if difference.kind is DifferenceKind.AMOUNT_MISMATCH and statement_fen > our_fen:
            return statement_fen - our_fen
        if difference.kind is DifferenceKind.ACCOUNT_MISMATCH:
            return statement_fen  # reversed from our account, credited to the statement's
    if resolution is Resolution.REVERSE:
        if difference.kind is DifferenceKind.MISSING_THERE:
            return our_fen
        if difference.kind is DifferenceKind.AMOUNT_MISMATCH and our_fen > statement_fen:
            return our_fen - statement_fen
    raise ResolutionRefused(gettext_noop("“{kind}”不能用“{resolution}”处理"), field="action",
                            params={"kind": difference.kind.label, "resolution": resolution.label})
