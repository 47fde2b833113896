"""The one way onto the ledger: transfers posted with the balances right after them, cached balances moved."""

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import overload

import numpy as np
from django.db import IntegrityError, connection, transaction

from gridpay.data import row_insert
from gridpay.data.bulk import Column, array_literal, insert_columns, on_postgresql
from gridpay.data.models import LedgerAccount, Transfer
from gridpay.domain import ledger
from gridpay.domain.ledger import LedgerAccountKind
from gridpay.domain.ledger_batch import Ints, TransferBatch, balances_after, changes, columns

REVENUE = "revenue:electricity"
OPENING = "opening:balances"

TRANSFER_COLUMNS = (
    "debit_id",
    "credit_id",
    "amount_fen",
    "kind",
    "business_day",
    "created_at",
    "debit_balance_after_fen",
    "credit_balance_after_fen",
)
# Accounts per statement on SQLite: reading balances back binds one parameter each, at most 999 before 3.32;
# UPDATE ... RETURNING (3.35+, where 32,766 may be bound) binds two.
_SQLITE_CHUNK = 900
_SQLITE_RETURNING = sqlite3.sqlite_version_info >= (3, 35)


def clearing_code(channel: str) -> str:
    return f"clearing:{channel}"


def customer_code(account_no: str) -> str:
    return f"customer:{account_no}"


def system_account(code: str, kind: LedgerAccountKind) -> LedgerAccount:
    account, _ = LedgerAccount.objects.get_or_create(code=code, defaults={"kind": kind.value})
    return account


@overload
def post(transfers: Sequence[ledger.Transfer], *, business_day: date, at: datetime) -> list[Transfer]: ...


@overload
def post(transfers: TransferBatch, *, business_day: date, at: datetime) -> None: ...


def post(
    transfers: Sequence[ledger.Transfer] | TransferBatch, *, business_day: date, at: datetime
) -> list[Transfer] | None:
    """Post ``transfers`` (debit and credit are LedgerAccount ids) in the caller's transaction: move the cached
    balance of every account they move, and insert each with the balances of its two accounts right after it.

    The balance rows are locked (updated) before the transfers are inserted, so the transfers of one account
    take their ids in the order they were posted, and its recorded balances are running sums in id order.
    A list is inserted with one multi-row INSERT (row_insert: every payment posts one) and returned with its ids;
    a batch (a settlement run's) is copied in (binary COPY on PostgreSQL) and nothing is returned.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post() must run inside the caller's transaction")
    if isinstance(transfers, TransferBatch):
        debit_after, credit_after = _move_balances(transfers.debit, transfers.credit, transfers.amount_fen)
        insert_columns(
            "gridpay_transfer",
            dict(
                zip(
                    TRANSFER_COLUMNS,
                    (
                        Column("bigint", transfers.debit),
                        Column("bigint", transfers.credit),
                        Column("bigint", transfers.amount_fen),
                        Column("text", transfers.kind.value),
                        Column("day", business_day),
                        Column("instant", at),
                        Column("bigint", debit_after),
                        Column("bigint", credit_after),
                    ),
                    strict=True,
                )
            ),
            count=len(transfers.debit),
        )
        return None
    if len(transfers) == 1:  # a payment's: its two accounts each moved once, their balances after as updated
        debit_after, credit_after = _move_balances_of_one(transfers[0])
    else:
        debit_after, credit_after = _move_balances(*columns(transfers))
    return row_insert.insert(
        [
            Transfer(
                debit_id=t.debit,
                credit_id=t.credit,
                amount_fen=t.amount_fen,
                kind=t.kind.value,
                business_day=business_day,
                created_at=at,
                debit_balance_after_fen=debit_balance,
                credit_balance_after_fen=credit_balance,
            )
            for t, debit_balance, credit_balance in zip(
                transfers, debit_after.tolist(), credit_after.tolist(), strict=True
            )
        ]
    )


def _move_balances(debit: Ints, credit: Ints, amount_fen: Ints) -> tuple[Ints, Ints]:
    """Move the cached balances of the accounts the transfers move; the balances of the debit and of the credit
    account right after each transfer.

    The accounts that one of the transfers moves are locked first, those that several move (a batch's revenue
    account, the row every batch shares) last, so that they stay locked only for the end of the transaction and
    concurrent batches do not queue behind them; each group in ascending id order.
    """
    accounts, change, moves = changes(debit=debit, credit=credit, amount_fen=amount_fen)
    after = np.empty_like(change)
    once = moves == 1
    for group in (once, ~once):
        if group.any():
            after[group] = _add_to_balances(accounts[group], change[group])
    return balances_after(
        debit=debit, credit=credit, amount_fen=amount_fen, accounts=accounts, before_fen=after - change
    )


def _move_balances_of_one(transfer: ledger.Transfer) -> tuple[Ints, Ints]:
    """_move_balances for one transfer, without the columns a batch needs (a payment posts one: they cost it more
    than the update). Its two accounts are moved once each, so they are locked in ascending id order, as there."""
    ids = sorted((transfer.debit, transfer.credit))
    signed = {transfer.debit: -transfer.amount_fen, transfer.credit: transfer.amount_fen}
    after = dict(zip(ids, _add_to_balances(np.array(ids, dtype=np.int64),
                                           np.array([signed[i] for i in ids], dtype=np.int64)).tolist(), strict=True))
    return np.array([after[transfer.debit]], dtype=np.int64), np.array([after[transfer.credit]], dtype=np.int64)


def _add_to_balances(ids: Ints, amounts: Ints) -> Ints:
    """Add ``amounts`` to the cached balances of ledger accounts ``ids`` (ascending); the balances after."""
    # One UPDATE ... RETURNING per chunk where the database can (every payment posts here: a statement fewer than
    # an UPDATE and a SELECT of what it wrote).
    with connection.cursor() as cursor:
        if on_postgresql():
            # Array literals as text: adapting long lists of ints element by element is slower.
            cursor.execute(
                "UPDATE gridpay_ledgeraccount AS l SET balance_fen = l.balance_fen + v.amount "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, amount) "
                "WHERE l.id = v.id AND l.id BETWEEN %s AND %s "
                "RETURNING l.id, l.balance_fen",
                [array_literal(ids.tolist()), array_literal(amounts.tolist()), int(ids[0]), int(ids[-1])],
            )
            rows = cursor.fetchall()
        elif _SQLITE_RETURNING:
            # SQLite 3.35+ (RETURNING; UPDATE ... FROM since 3.33): the values scanned, each account found by its key.
            rows = []
            for first in range(0, len(ids), _SQLITE_CHUNK):
                pairs = list(zip(ids[first : first + _SQLITE_CHUNK].tolist(),
                                 amounts[first : first + _SQLITE_CHUNK].tolist(), strict=True))
                cursor.execute(
                    f"WITH v(id, amount) AS (VALUES {', '.join(['(%s, %s)'] * len(pairs))}) "
                    "UPDATE gridpay_ledgeraccount SET balance_fen = balance_fen + v.amount FROM v "
                    "WHERE gridpay_ledgeraccount.id = v.id RETURNING id, balance_fen",
                    [value for pair in pairs for value in pair],
                )
                rows += cursor.fetchall()
        else:
            # The transaction holds SQLite's write lock (IMMEDIATE): nobody moves the balances between the two.
            cursor.executemany(
                "UPDATE gridpay_ledgeraccount SET balance_fen = balance_fen + %s WHERE id = %s",
                list(zip(amounts.tolist(), ids.tolist(), strict=True)),
            )
            rows = []
            for first in range(0, len(ids), _SQLITE_CHUNK):
                chunk = ids[first : first + _SQLITE_CHUNK].tolist()
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"SELECT id, balance_fen FROM gridpay_ledgeraccount WHERE id IN ({marks})", chunk)
                rows += cursor.fetchall()
    found = np.array(rows, dtype=np.int64).reshape(-1, 2)
    found = found[np.argsort(found[:, 0])]
    if len(found) != len(ids) or np.any(found[:, 0] != ids):
        missing = sorted(set(ids.tolist()) - set(found[:, 0].tolist()))
        raise IntegrityError(f"no ledger account {missing}: nothing can be posted to it")
    balances: Ints = found[:, 1]
    return balances


def recomputed_balances() -> dict[int, int]:
    """Balances from the transfers themselves, to check the cached ones against."""
    result: dict[int, int] = defaultdict(int)
    for debit, credit, amount in Transfer.objects.values_list("debit_id", "credit_id", "amount_fen").iterator():
        result[credit] += amount
        result[debit] -= amount
    return dict(result)


def misrecorded_balances() -> list[str]:
    """Where a transfer's recorded balance after it is not the running sum of its account's transfers up to it
    (in id order), or a cached balance not the last one recorded: sentences, none when all hold."""
    found = []
    running: dict[int, int] = defaultdict(int)
    last: dict[int, int] = {}
    for id_, debit, credit, amount, debit_after, credit_after in (
        Transfer.objects.order_by("id")
        .values_list("id", "debit_id", "credit_id", "amount_fen", "debit_balance_after_fen", "credit_balance_after_fen")
        .iterator()
    ):
        running[debit] -= amount
        running[credit] += amount
        for side, account, recorded in (("debit", debit, debit_after), ("credit", credit, credit_after)):
            last[account] = recorded
            if recorded != running[account]:
                found.append(f"transfer {id_} records {recorded} after it on its {side} side, its account's "
                             f"transfers sum to {running[account]}")
    for id_, code, cached in LedgerAccount.objects.values_list("id", "code", "balance_fen"):
        if cached != last.get(id_, 0):
            found.append(f"ledger account {code} holds {cached}, its last recorded balance is {last.get(id_, 0)}")
    return found
