"""Finding accounts by number, name, phone or meter, and an account's recent history for the console."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
from django.db.models import F, Q, QuerySet, Sum

from gridpay.data.history_archive import METER_COMMANDS, READINGS, TRANSFERS, archived
from gridpay.data.models import (
    Account,
    CallTask,
    Meter,
    MeterCommand,
    Notification,
    Payment,
    PaymentRefund,
    Reading,
    Transfer,
    WithholdingAgreement,
)
from gridpay.data.queries.accounts import settled_days
from gridpay.domain.energy import TouPeriod

TOU_PERIODS = tuple(p.value for p in TouPeriod)  # sharp, peak, flat, valley


@dataclass(frozen=True)
class AccountHit:
    account_no: str
    customer_name: str
    phone: str
    village: str
    address: str
    mode: str
    supply_state: str
    balance_fen: int


HIT_COLUMNS = ("account_no", "customer__name", "customer__phone", "village__name", "address", "mode", "supply_state",
               "ledger_account__balance_fen")


def accounts_matching(*, query: str) -> QuerySet[Account, tuple[Any, ...]]:
    """The accounts whose number starts with ``query``, or whose customer's name, a phone or a meter number holds it,
    in account order (rows of HIT_COLUMNS; made into hits by ``account_hit``). Nothing for an empty query."""
    query = query.strip()
    if not query:
        return Account.objects.none().values_list(*HIT_COLUMNS)
    matches = (
        Q(account_no__startswith=query)
        | Q(customer__name__contains=query)
        | Q(customer__phone__contains=query)
        | Q(contacts__phone__contains=query)
        | Q(meters__meter_no=query)
    )
    return Account.objects.filter(matches).distinct().order_by("account_no").values_list(*HIT_COLUMNS)


def account_hit(row: tuple[Any, ...]) -> AccountHit:
    no, name, phone, village, address, mode, state, balance = row
    return AccountHit(no, name, phone, village or "", address, mode, state, balance)


@dataclass(frozen=True)
class StatementRow:
    at: datetime
    business_day: date
    kind: str
    amount_fen: int  # signed: + into the account, − out of it
    balance_after_fen: int
    # Of a refund transfer, what it gave back: "refund" (退款), "reversal" (冲正) or "void" (a counter's 作废冲正).
    refund_kind: str = ""


def ledger_statement(*, ledger_account_id: int, limit: int) -> list[StatementRow]:
    """The latest transfers, newest first, with the balance recorded after each."""
    rows = list(
        Transfer.objects.filter(Q(debit_id=ledger_account_id) | Q(credit_id=ledger_account_id))
        .order_by("-id")
        .values_list(
            "created_at", "business_day", "kind", "amount_fen", "credit_id", "debit_balance_after_fen",
            "credit_balance_after_fen", "paymentrefund__kind", "paymentrefund__voided_receipt__id",
        )[:limit]
    )
    if len(rows) < limit:
        rows += _archived_statement(ledger_account_id, limit - len(rows))
    return [
        StatementRow(at, day, kind, amount, credit_after, _refund_kind(refund, void))
        if credit == ledger_account_id
        else StatementRow(at, day, kind, -amount, debit_after, _refund_kind(refund, void))
        for at, day, kind, amount, credit, debit_after, credit_after, refund, void in rows
    ]


def _archived_statement(ledger_account_id: int, limit: int) -> list[tuple[Any, ...]]:
    """The statement's rows from the archived months (older than the database's), newest first."""
    old = archived(TRANSFERS)
    if old is None:
        return []
    found = (old.filter((pl.col("debit_id") == ledger_account_id) | (pl.col("credit_id") == ledger_account_id))
             .sort("id", descending=True).head(limit).collect())
    refunds = {transfer: (kind, void) for transfer, kind, void in PaymentRefund.objects.filter(
        transfer_id__in=found["id"].to_list()).values_list("transfer_id", "kind", "voided_receipt__id")}
    return [(row["created_at"], row["business_day"], row["kind"], row["amount_fen"], row["credit_id"],
             row["debit_balance_after_fen"], row["credit_balance_after_fen"], *refunds.get(row["id"], (None, None)))
            for row in found.iter_rows(named=True)]


def _refund_kind(kind: str | None, voided_receipt: int | None) -> str:
    return "void" if voided_receipt is not None else kind or ""


@dataclass(frozen=True)
class PaymentLine:
    received_at: datetime
    channel: str
    channel_txn_id: str  # a counter payment's receipt number
    amount_fen: int
    payer: str
    voided: bool  # a counter payment its cashier voided (作废)
    prints: int | None  # how often a counter payment's receipt was printed; None for the other channels


def recent_payments(*, account_id: int, limit: int) -> list[PaymentLine]:
    rows = (
        Payment.objects.filter(account_id=account_id)
        .order_by("-received_at", "-id")
        .values_list("received_at", "channel", "channel_txn_id", "amount_fen", "payer", "counter_receipt__voided_at",
                     "counter_receipt__prints")
    )
    return [PaymentLine(at, channel, txn, fen, payer, voided_at is not None, prints)
            for at, channel, txn, fen, payer, voided_at, prints in rows[:limit]]


@dataclass(frozen=True)
class UsageDay:
    day: date
    kwh: Decimal
    charge_fen: int
    tou_kwh: dict[str, Decimal]  # a time-of-use meter's energy by period (sharp, peak, flat, valley); else empty


def daily_usage(*, account_id: int, first_day: date) -> list[UsageDay]:
    """Each settled day's energy and charge, with the time-of-use split the day's readings measured."""
    # The reading that settles a day is the one of the meter in service that day (a removed meter's last
    # reading stays behind; on the day of a replacement the new meter's reading carries both parts).
    readings = Reading.objects.filter(
        Q(meter__removed_on__isnull=True) | Q(meter__removed_on__gt=F("reading_date")),
        account_id=account_id, reading_date__gte=first_day, energy_kwh__isnull=False,
    ).values_list("reading_date", *(f"energy_{p}_kwh" for p in TOU_PERIODS))
    energies = [f"energy_{p}_kwh" for p in TOU_PERIODS]
    split = {day: {p: v for p, v in zip(TOU_PERIODS, values, strict=True) if v is not None}
             for day, *values in [*_archived_readings(account_id, first_day, energies), *readings]}
    return [UsageDay(day, kwh, fen, split.get(day, {}))
            for day, kwh, fen in settled_days(account_id=account_id, first_day=first_day)]


def _archived_readings(account_id: int, first_day: date, energies: list[str]) -> list[tuple[Any, ...]]:
    """The archived readings that settled the account's days, as daily_usage reads them from the database."""
    old = archived(READINGS, since=first_day)
    if old is None:
        return []
    rows = (old.filter((pl.col("account_id") == account_id) & (pl.col("reading_date") >= first_day)
                       & pl.col("energy_kwh").is_not_null()).select("meter_id", "reading_date", *energies)
            .collect().rows())
    removed = dict(Meter.objects.filter(id__in={row[0] for row in rows}).values_list("id", "removed_on"))
    return [row[1:] for row in rows if removed.get(row[0]) is None or removed[row[0]] > row[1]]


def recent_notifications(*, account_id: int, limit: int) -> list[tuple[datetime | None, str, str, str]]:
    """The latest SMS queued for the account, newest first: (when it was sent, none while it is not, kind, status,
    text)."""
    return list(
        Notification.objects.filter(account_id=account_id)
        .exclude(kind="sign_in_code")  # a customer's sign-in code is not for the staff's eyes
        .order_by("-created_at", "-id")
        .values_list("sent_at", "kind", "status", "text")[:limit]
    )


def recent_meter_commands(*, account_id: int, limit: int) -> list[tuple[datetime, str, str, str, int]]:
    """The account's latest meter commands, newest first; the archived months' after the database's, which are all
    newer (ADR 0044)."""
    rows = list(
        MeterCommand.objects.filter(account_id=account_id)
        .order_by("-created_at", "-id")
        .values_list("created_at", "action", "status", "reason", "attempts")[:limit]
    )
    if len(rows) < limit and (old := archived(METER_COMMANDS)) is not None:
        rows += (old.filter(pl.col("account_id") == account_id)
                 .sort("created_at", "id", descending=True).head(limit - len(rows))
                 .select("created_at", "action", "status", "reason", "attempts").collect().rows())
    return rows


def call_tasks(*, account_id: int, limit: int) -> list[tuple[date, str, str, str]]:
    return list(
        CallTask.objects.filter(account_id=account_id)
        .order_by("-due_on", "-id")
        .values_list("due_on", "reason", "outcome", "note")[:limit]
    )


def withholding_agreements(*, account_id: int) -> list[tuple[str, str, int, int, bool]]:
    return list(
        WithholdingAgreement.objects.filter(account_id=account_id)
        .order_by("-signed_at")
        .values_list("bank_code", "holder_name", "threshold_fen", "amount_fen", "active")
    )


def balance_before(*, ledger_account_id: int, day: date) -> int:
    """The ledger balance at the start of ``day`` (every transfer of an earlier business day)."""
    earlier = Transfer.objects.filter(business_day__lt=day)
    credit = earlier.filter(credit_id=ledger_account_id).aggregate(s=Sum("amount_fen"))["s"] or 0
    debit = earlier.filter(debit_id=ledger_account_id).aggregate(s=Sum("amount_fen"))["s"] or 0
    old = archived(TRANSFERS, through=day)
    if old is not None:
        before = old.filter(pl.col("business_day") < day)
        amount = pl.col("amount_fen")
        moved = before.select(amount.filter(pl.col("credit_id") == ledger_account_id).sum().alias("credit"),
                              amount.filter(pl.col("debit_id") == ledger_account_id).sum().alias("debit")).collect()
        credit += int(moved["credit"][0] or 0)
        debit += int(moved["debit"][0] or 0)
    return int(credit) - int(debit)
