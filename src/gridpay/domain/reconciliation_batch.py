"""Reconciliation of a whole day at once, as data frames: the rules of `reconciliation.reconcile` (which a
property test holds this to), for statements of a million lines."""

import polars as pl

from gridpay.domain.reconciliation import Difference, DifferenceKind, LineKind, ReconciliationResult

STATEMENT_SCHEMA = {
    "kind": pl.String, "channel_txn_id": pl.String, "amount_fen": pl.Int64, "account_no": pl.String,
    "refund_id": pl.String, "line_no": pl.Int64,
}
OURS_SCHEMA = {
    "kind": pl.String, "channel_txn_id": pl.String, "amount_fen": pl.Int64, "account_no": pl.String,
    "refund_id": pl.String,
}
KEY = ["kind", "key"]


def reconcile_frames(*, statement: pl.DataFrame, ours: pl.DataFrame) -> ReconciliationResult:
    """``statement`` has STATEMENT_SCHEMA's columns in file order, ``ours`` OURS_SCHEMA's."""
    # A key's first line is compared, a later one is a duplicate (told before the join, which keeps no order).
    lines = _keyed(statement).with_row_index("position").with_columns(first=pl.struct(KEY).is_first_distinct())
    mine = _keyed(ours).filter(pl.struct(KEY).is_first_distinct()).rename(
        {"amount_fen": "our_amount_fen", "account_no": "our_account_no", "channel_txn_id": "our_txn",
         "refund_id": "our_refund_id"}
    )
    compared = lines.join(mine, on=KEY, how="left").with_columns(
        pl.when(~pl.col("first"))
        .then(pl.lit(DifferenceKind.DUPLICATE.value))
        .when(pl.col("our_amount_fen").is_null())
        .then(pl.lit(DifferenceKind.MISSING_HERE.value))
        .when(pl.col("our_amount_fen") != pl.col("amount_fen"))
        .then(pl.lit(DifferenceKind.AMOUNT_MISMATCH.value))
        .when((pl.col("account_no") != "") & (pl.col("account_no") != pl.col("our_account_no")))
        .then(pl.lit(DifferenceKind.ACCOUNT_MISMATCH.value))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("difference")
    )
    listed = compared.filter(pl.col("difference").is_not_null()).sort("position")
    differences = [_difference(row) for row in listed.iter_rows(named=True)]
    missing = mine.join(lines.select(KEY), on=KEY, how="anti", maintain_order="left")
    differences += [
        Difference(
            kind=DifferenceKind.MISSING_THERE, line_kind=LineKind(row["kind"]), channel_txn_id=row["our_txn"],
            refund_id=row["our_refund_id"], statement_amount_fen=None, our_amount_fen=row["our_amount_fen"],
            statement_account_no="", our_account_no=row["our_account_no"], line_no=0,
        )
        for row in missing.iter_rows(named=True)
    ]
    return ReconciliationResult(
        lines=statement.height,
        matched=compared.height - listed.height,
        statement_payments_fen=_total(statement, LineKind.PAYMENT),
        statement_refunds_fen=_total(statement, LineKind.REFUND),
        our_payments_fen=_total(ours, LineKind.PAYMENT),
        our_refunds_fen=_total(ours, LineKind.REFUND),
        differences=differences,
    )


def name_unnamed_refunds(*, statement: pl.DataFrame, ours: pl.DataFrame, prefix: str) -> pl.DataFrame:
    """Refund lines whose id starts with ``prefix`` come from a file that names the payment a refund belongs to but
    not the refund (Alipay's 账务明细): each takes the id of one of our refunds of the same payment and amount that
    no other line names, in file order; a line left over keeps its own id and is listed as missing here."""
    unnamed = (pl.col("kind") == LineKind.REFUND.value) & pl.col("refund_id").str.starts_with(prefix)
    lines = statement.with_row_index("position")
    todo = lines.filter(unnamed)
    if todo.is_empty():
        return statement
    pair = ["channel_txn_id", "amount_fen"]
    named = lines.filter(~unnamed & (pl.col("kind") == LineKind.REFUND.value))["refund_id"]
    mine = (
        ours.filter((pl.col("kind") == LineKind.REFUND.value) & ~pl.col("refund_id").is_in(named.implode()))
        .unique(subset=["refund_id"], keep="first", maintain_order=True)
        .with_columns(nth=pl.int_range(pl.len()).over(pair))
        .select(*pair, "nth", pl.col("refund_id").alias("our_refund_id"))
    )
    paired = (
        todo.with_columns(nth=pl.int_range(pl.len()).over(pair))
        .join(mine, on=[*pair, "nth"], how="left", maintain_order="left")
        .with_columns(refund_id=pl.coalesce("our_refund_id", "refund_id"))
        .select(lines.columns)
    )
    return pl.concat([lines.filter(~unnamed), paired]).sort("position").drop("position")


def _keyed(frame: pl.DataFrame) -> pl.DataFrame:
    """A refund is known by its refund id, a payment by its transaction id."""
    return frame.with_columns(
        key=pl.when(pl.col("kind") == LineKind.REFUND.value)
        .then(pl.col("refund_id"))
        .otherwise(pl.col("channel_txn_id"))
    )


def _difference(row: dict[str, object]) -> Difference:
    our_amount = row.get("our_amount_fen")
    return Difference(
        kind=DifferenceKind(str(row["difference"])), line_kind=LineKind(str(row["kind"])),
        channel_txn_id=str(row["channel_txn_id"]), refund_id=str(row["refund_id"] or ""),
        statement_amount_fen=int(str(row["amount_fen"])),
        our_amount_fen=None if our_amount is None else int(str(our_amount)),
        statement_account_no=str(row["account_no"] or ""), our_account_no=str(row.get("our_account_no") or ""),
        line_no=int(str(row["line_no"])),
    )


def _total(frame: pl.DataFrame, kind: LineKind) -> int:
    return int(frame.filter(pl.col("kind") == kind.value)["amount_fen"].sum())
