"""Transfers as columns, for batch runs: a batch checked as each transfer is, and the balances after each posting.

Apart from the ledger's rules (domain.ledger) so that what only a batch needs, numpy, is loaded only by a batch.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gridpay.domain.ledger import InvalidTransfer, Transfer, TransferKind, check_kind
from gridpay.domain.texts import gettext_noop

Ints = npt.NDArray[np.int64]


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
        check_kind(self.kind)

    def __len__(self) -> int:
        return len(self.amount_fen)


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
