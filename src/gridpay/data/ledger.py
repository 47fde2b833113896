"""Posting transfers: rows inserted and cached balances moved in the caller's transaction."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from django.db import transaction

from gridpay.data.bulk import add_to_balances
from gridpay.data.models import LedgerAccount, Transfer
from gridpay.domain import ledger
from gridpay.domain.ledger import LedgerAccountKind

REVENUE = "revenue:electricity"
OPENING = "opening:balances"


def clearing_code(channel: str) -> str:
    return f"clearing:{channel}"


def customer_code(account_no: str) -> str:
    return f"customer:{account_no}"


def system_account(code: str, kind: LedgerAccountKind) -> LedgerAccount:
    account, _ = LedgerAccount.objects.get_or_create(code=code, defaults={"kind": kind.value})
    return account


def post(transfers: Sequence[ledger.Transfer], *, business_day: date, at: datetime) -> list[Transfer]:
    """Insert ``transfers`` (debit and credit are LedgerAccount ids) and move cached balances."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post() must run inside the caller's transaction")
    rows = Transfer.objects.bulk_create(
        [
            Transfer(
                debit_id=t.debit,
                credit_id=t.credit,
                amount_fen=t.amount_fen,
                kind=t.kind.value,
                business_day=business_day,
                created_at=at,
            )
            for t in transfers
        ]
    )
    add_to_balances(list(ledger.balances(transfers).items()))
    return rows


def recomputed_balances() -> dict[int, int]:
    """Balances from the transfers themselves, to check the cached ones against."""
    result: dict[int, int] = defaultdict(int)
    for debit, credit, amount in Transfer.objects.values_list("debit_id", "credit_id", "amount_fen").iterator():
        result[credit] += amount
        result[debit] -= amount
    return dict(result)
