"""The first reads of a payment (交费), in SQL: the account paid, whether the request's keys were used, the clearing
account; for a channel's notification, its order, locked."""

from dataclasses import dataclass

from django.db import connection

from gridpay.data.bulk import on_postgresql
from gridpay.data.models import Account, ChannelOrder

# The account's columns a payment reads (payable_account's), by attribute name, in the model's order (Model.from_db
# takes the values of a partial row in that order).
_COLUMNS = tuple(field.attname for field in Account._meta.concrete_fields
                 if field.attname in {"id", "status", "mode", "ledger_account_id", "receivable_account_id"})


@dataclass(frozen=True)
class PayableRow:
    account: Account  # the columns of _COLUMNS loaded, the others deferred
    key_used: bool  # a payment with the request's channel transaction id, or its idempotency key, exists
    clearing_id: int | None  # the channel's clearing ledger account, None until its first payment makes it


def payable_row(
    *, account_no: str, channel: str, channel_txn_id: str, idempotency_key: str | None, clearing_code: str
) -> PayableRow | None:
    """None for an unknown account number. Raw SQL, as every payment runs it first (thousands a day in the demo
    town): the ORM builds and compiles the two subqueries at about the cost of the queries they replace."""
    same_key = "(p.channel = %s AND p.channel_txn_id = %s)"
    params = [channel, channel_txn_id]
    if idempotency_key is not None:
        same_key += " OR p.idempotency_key = %s"
        params.append(idempotency_key)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(f'a.{column}' for column in _COLUMNS)}, "
            f"EXISTS (SELECT 1 FROM gridpay_payment p WHERE {same_key}), "
            "(SELECT l.id FROM gridpay_ledgeraccount l WHERE l.code = %s) "
            "FROM gridpay_account a WHERE a.account_no = %s ORDER BY a.id LIMIT 1",
            [*params, clearing_code, account_no],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    *columns, key_used, clearing_id = row
    return PayableRow(account=Account.from_db(connection.alias, list(_COLUMNS), columns), key_used=bool(key_used),
                      clearing_id=clearing_id)


@dataclass(frozen=True)
class LockedOrder:
    id: int
    order_no: str
    account_no: str
    amount_fen: int
    status: str
    payment_id: int | None  # the payment that paid it, once one did


def locked_order(*, channel: str, order_no: str) -> LockedOrder | None:
    """The channel's order with its account's number, None if there is none. Its row is locked (on PostgreSQL; on
    SQLite the transaction holds the write lock), so duplicate deliveries of a notification take turns; the account's
    row is not, as a payment locks the balance before the account. Raw SQL, as every notification reads it first."""
    order = ChannelOrder._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.id, o.order_no, a.account_no, o.amount_fen, o.status, o.payment_id FROM {order} o "
            f"JOIN {Account._meta.db_table} a ON a.id = o.account_id WHERE o.channel = %s AND o.order_no = %s "
            f"ORDER BY o.id LIMIT 1{' FOR UPDATE OF o' if on_postgresql() else ''}",
            [channel, order_no],
        )
        row = cursor.fetchone()
    return LockedOrder(*row) if row is not None else None
