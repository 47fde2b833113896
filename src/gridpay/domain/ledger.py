"""Double-entry ledger rules: immutable transfers of positive fen between two different accounts.

Every ledger account's balance is kept as credits minus debits, so the balances of all accounts
always add up to zero. A customer's balance is what the utility owes the customer (prepaid
money not yet used); a clearing account's balance is negative (money held at a channel).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

Ints = npt.NDArray[np.int64]


class InvalidTransfer(DomainError):
    code = "invalid_transfer"


class LedgerAccountKind(StrEnum):
    CUSTOMER = "customer"  # prepaid balance of one electricity account (账户余额)
    REVENUE = "revenue"  # electricity sales (电费收入)
    CLEARING = "clearing"  # money received through a payment channel, due from the channel
    OPENING = "opening"  # balances brought in from the system gridpay replaces


class TransferKind(StrEnum):
    SETTLEMENT = "settlement"
    PAYMENT = "payment"
    BILL_ADJUSTMENT = "bill_adjustment"
    OPENING_BALANCE = "opening_balance"
    REFUND = "refund"  # money of a payment going back: a refund to the payer, or a reversal
    REFUND_CLOSED = "refund_closed"  # a refund the channel closed unmade: its money back on the account

    @property
    def label(self) -> str:
        return TRANSFER_LABELS[self]


TRANSFER_LABELS = {
    TransferKind.SETTLEMENT: gettext_noop("电费结算"),
    TransferKind.PAYMENT: gettext_noop("交费"),
    TransferKind.BILL_ADJUSTMENT: gettext_noop("月度电费调整"),
    TransferKind.OPENING_BALANCE: gettext_noop("期初余额"),
    TransferKind.REFUND: gettext_noop("退款"),
    TransferKind.REFUND_CLOSED: gettext_noop("退款关闭，退回余额"),
}


@dataclass(frozen=True)
class Transfer:
    debit: int
    credit: int
    amount_fen: int
    kind: TransferKind

    def __post_init__(self) -> None:
        if not isinstance(self.amount_fen, int) or self.amount_fen <= 0:
            raise InvalidTransfer(gettext_noop("转账金额必须为正整数分：{amount_fen}"), field="amount_fen",
                                  params={"amount_fen": self.amount_fen})
        if self.debit == self.credit:
            raise InvalidTransfer(gettext_noop("借方与贷方不能是同一账户"))
        _check_kind(self.kind)


@dataclass(frozen=True)
class TransferBatch:
    """Transfers of one kind as columns, one element per transfer, checked as Transfer checks each one.

    For a batch run's thousands of transfers: an object per transfer would cost more than posting them.
    """

    debit: Ints
    credit: Ints
    amount_fen: Ints
    kind: TransferKind

    def __post_init__(self) -> None:
        columns = (self.debit, self.credit, self.amount_fen)
        if any(column.dtype.kind != "i" for column in columns):
            raise InvalidTransfer(gettext_noop("转账的账户与金额必须是整数"))
        if not len(self.debit) == len(self.credit) == len(self.amount_fen):
            raise InvalidTransfer(gettext_noop("转账批次的借方、贷方与金额条数不一致"))
        not_positive = np.flatnonzero(self.amount_fen <= 0)
        if not_positive.size:
            raise InvalidTransfer(gettext_noop("转账金额必须为正整数分：{amount_fen}"), field="amount_fen",
                                  params={"amount_fen": int(self.amount_fen[not_positive[0]])})
        if np.any(self.debit == self.credit):
            raise InvalidTransfer(gettext_noop("借方与贷方不能是同一账户"))
        _check_kind(self.kind)

    def __len__(self) -> int:
        return len(self.amount_fen)


def _check_kind(kind: object) -> None:
    # Every kind on the ledger is a member: statements, reports and the database's check know them all.
    if not isinstance(kind, TransferKind):
        raise InvalidTransfer(gettext_noop("未知的转账类型：{kind}"), field="kind", params={"kind": repr(kind)})


def transfer_toward(*, to: int, counterpart: int, amount_fen: int, kind: TransferKind) -> Transfer | None:
    """A transfer that raises ``to`` by ``amount_fen`` (lowers it when negative); None for zero."""
    if amount_fen == 0:
        return None
    if amount_fen > 0:
        return Transfer(debit=counterpart, credit=to, amount_fen=amount_fen, kind=kind)
    return Transfer(debit=to, credit=counterpart, amount_fen=-amount_fen, kind=kind)


def balances(transfers: Iterable[Transfer]) -> dict[int, int]:
    """Credits minus debits per account."""
    result: dict[int, int] = defaultdict(int)
    for t in transfers:
        result[t.credit] += t.amount_fen
        result[t.debit] -= t.amount_fen
    return dict(result)


def columns(transfers: Iterable[Transfer]) -> tuple[Ints, Ints, Ints]:
    """The debits, credits and amounts of ``transfers`` as columns."""
    listed = list(transfers)
    return (
        np.array([t.debit for t in listed], dtype=np.int64),
        np.array([t.credit for t in listed], dtype=np.int64),
        np.array([t.amount_fen for t in listed], dtype=np.int64),
    )


def changes(*, debit: Ints, credit: Ints, amount_fen: Ints) -> tuple[Ints, Ints, Ints]:
    """Every account the transfers move (ascending ids), its credits minus debits over them (zero included),
    and how many of the transfers move it."""
    _, ids, deltas, starts = _entries(debit=debit, credit=credit, amount_fen=amount_fen)
    if not len(ids):
        return ids, deltas, deltas
    change: Ints = np.add.reduceat(deltas, starts)
    moves: Ints = np.diff(np.append(starts, len(ids)))
    return ids[starts], change, moves


def balances_after(
    *, debit: Ints, credit: Ints, amount_fen: Ints, accounts: Ints, before_fen: Ints
) -> tuple[Ints, Ints]:
    """The balance of the debit and of the credit account right after each transfer, taken in the given order.

    ``accounts`` (ascending ids) with ``before_fen`` are the balances before the first transfer, of every
    account the transfers move.
    """
    order, ids, deltas, starts = _entries(debit=debit, credit=credit, amount_fen=amount_fen)
    position = np.searchsorted(accounts, ids)
    if np.any(position >= len(accounts)) or np.any(accounts[np.minimum(position, len(accounts) - 1)] != ids):
        raise ValueError("a transfer moves an account whose balance before is not given")
    running = np.cumsum(deltas)
    # An account's running sum starts at its first entry: what the accounts ahead of it summed is taken off.
    starting = np.zeros(len(ids), dtype=np.bool_)
    starting[starts] = True
    ahead = (running[starts] - deltas[starts])[np.cumsum(starting) - 1]
    after = np.empty(len(ids), dtype=np.int64)
    after[order] = before_fen[position] + running - ahead
    count = len(amount_fen)
    return after[:count], after[count:]


def _entries(*, debit: Ints, credit: Ints, amount_fen: Ints) -> tuple[Ints, Ints, Ints, Ints]:
    """The transfers' entries (all debits, then all credits) ordered by account and, within one, by transfer:
    that order, their account ids and signed amounts in it, and where each account's entries start."""
    count = len(amount_fen)
    ids = np.concatenate([debit, credit])
    order: Ints = np.lexsort((np.tile(np.arange(count), 2), ids))
    ids = ids[order]
    deltas = np.concatenate([-amount_fen, amount_fen])[order]
    starts: Ints = np.flatnonzero(np.concatenate([[True], ids[1:] != ids[:-1]])) if count else np.zeros(0, np.int64)
    return order, ids, deltas, starts
