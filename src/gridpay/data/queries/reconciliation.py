"""Our side of a reconciliation: the payments and refunds of a channel in a half-open period, as one frame (a
refund the channel closed unmade is not one)."""

import io
from datetime import datetime

import polars as pl
from django.db import connection

from gridpay.data.bulk import on_postgresql
from gridpay.domain.reconciliation_batch import OURS_SCHEMA

# Plain SQL: a busy channel has a million payments a day, and the ORM would spend more than the database.
OURS = (
    "SELECT 'payment', p.channel_txn_id, p.amount_fen, a.account_no, '' FROM gridpay_payment p"
    " JOIN gridpay_account a ON a.id = p.account_id"
    " WHERE p.channel = %s AND p.received_at >= %s AND p.received_at < %s"
    " UNION ALL"
    " SELECT 'refund', p.channel_txn_id, r.amount_fen, a.account_no, r.channel_refund_id"
    " FROM gridpay_paymentrefund r JOIN gridpay_payment p ON p.id = r.payment_id"
    " JOIN gridpay_account a ON a.id = p.account_id"
    " WHERE r.channel = %s AND r.refunded_at >= %s AND r.refunded_at < %s AND r.channel_status <> 'CLOSED'"
)


def our_records_frame(*, channel: str, start: datetime, end: datetime) -> pl.DataFrame:
    # As the ORM would store them (SQLite keeps instants as text in UTC).
    low, high = connection.ops.adapt_datetimefield_value(start), connection.ops.adapt_datetimefield_value(end)
    params = [channel, low, high, channel, low, high]
    with connection.cursor() as cursor:
        if on_postgresql():
            # COPY out as CSV and read it whole: the fastest way a million rows leave PostgreSQL.
            query = cursor.mogrify(OURS, params)
            buffer = io.BytesIO()
            with cursor.cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
                for block in copy:
                    buffer.write(block)
            if not buffer.getbuffer().nbytes:
                return pl.DataFrame(schema=OURS_SCHEMA)
            buffer.seek(0)
            return pl.read_csv(buffer, has_header=False, new_columns=list(OURS_SCHEMA), schema=OURS_SCHEMA)
        cursor.execute(OURS, params)
        return pl.DataFrame(cursor.fetchall(), schema=OURS_SCHEMA, orient="row")
