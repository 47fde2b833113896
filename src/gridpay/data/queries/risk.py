"""Reads for the fee-risk warning: accounts' daily series from the ledger and its neighbours, and the ranked list."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import cast

import numpy as np
import polars as pl
from django.db.models import Sum

from gridpay.data.history_archive import SETTLEMENTS, TRANSFERS, archived, archived_commands
from gridpay.data.models import (
    Account,
    LedgerAccount,
    MeterCommand,
    Notification,
    Payment,
    PostpaidBill,
    RiskScore,
    Settlement,
    Transfer,
    Village,
)
from gridpay.data.models.accounts import AccountMode, AccountStatus
from gridpay.domain.alerts import AlertKind
from gridpay.domain.business_time import business_day, day_bounds
from gridpay.domain.meter_commands import CommandAction, CommandStatus
from gridpay.domain.risk_features import NO_DUE, DailySeries, channel_kind

# The SMS that warn of a low balance (the arrears SMS comes after the fact: it is no warning).
WARNING_KINDS = [AlertKind.LOW_BALANCE_FIRST.value, AlertKind.DAYS_LEFT.value, AlertKind.LOW_BALANCE_SECOND.value]


@dataclass(frozen=True)
class SeriesAccounts:
    ids: list[int]
    series: DailySeries


def active_account_ids() -> list[int]:
    return list(Account.objects.filter(status=AccountStatus.ACTIVE).order_by("id").values_list("id", flat=True))


def _net_moves_from(ledger_ids: list[int], first_day: date) -> list[tuple[int, date, int]]:
    """(ledger account, business day, credits less debits) of every day from ``first_day`` on, the database's and the
    archived months'."""
    moves: list[tuple[int, date, int]] = []
    old = archived(TRANSFERS, since=first_day)  # once: it looks at the archive's folder and the partitions
    for side, sign in (("credit_id", 1), ("debit_id", -1)):
        moves += [(ledger_id, day, sign * total) for ledger_id, day, total in Transfer.objects.filter(
            **{f"{side}__in": ledger_ids}, business_day__gte=first_day,
        ).values_list(side, "business_day").annotate(total=Sum("amount_fen")).order_by()]
        if old is not None:
            moves += [(ledger_id, day, sign * total) for ledger_id, day, total in old.filter(
                pl.col(side).is_in(ledger_ids), pl.col("business_day") >= first_day,
            ).group_by(side, "business_day").agg(pl.col("amount_fen").sum()).collect().rows()]
    return moves


def daily_series(*, account_ids: list[int], first_day: date, last_day: date, zone: str) -> DailySeries:
    """The accounts' days ``first_day`` to ``last_day`` (both included), rows in the order of ``account_ids``."""
    days = (last_day - first_day).days + 1
    n = len(account_ids)
    row = {account_id: i for i, account_id in enumerate(account_ids)}
    shape = (n, days)

    def index(day: date) -> int:
        return (day - first_day).days

    modes = dict(Account.objects.filter(id__in=account_ids).values_list("id", "mode"))
    postpaid = np.array([modes[a] == AccountMode.POSTPAID for a in account_ids], dtype=bool)
    ledger_of = dict(Account.objects.filter(id__in=account_ids).values_list("ledger_account_id", "id"))

    # Prepaid balances: the customer ledger account's balance now, less what was posted on it from the first day on
    # (the months before may be archived, ADR 0033), gives the opening; then each day's net change.
    opening = np.zeros(n, dtype=np.int64)
    for ledger_id, now_fen in LedgerAccount.objects.filter(id__in=list(ledger_of)).values_list("id", "balance_fen"):
        opening[row[ledger_of[ledger_id]]] = now_fen
    change = np.zeros(shape, dtype=np.int64)
    for ledger_id, day, net in _net_moves_from(list(ledger_of), first_day):
        opening[row[ledger_of[ledger_id]]] -= net
        if day <= last_day:
            change[row[ledger_of[ledger_id]], index(day)] += net
    balance = opening[:, None] + np.cumsum(change, axis=1)

    charge = np.zeros(shape, dtype=np.int64)
    charges = list(Settlement.objects.filter(
        account_id__in=account_ids, day__gte=first_day, day__lte=last_day
    ).values_list("account_id", "day", "charge_fen"))
    if (old := archived(SETTLEMENTS, since=first_day, through=last_day)) is not None:
        charges += old.filter(pl.col("account_id").is_in(account_ids), pl.col("day").is_between(first_day, last_day)
                              ).select("account_id", "day", "charge_fen").collect().rows()
    for account_id, day, fen in charges:
        charge[row[account_id], index(day)] = fen

    paid = np.zeros(shape, dtype=np.int64)
    channel = np.zeros(shape, dtype=np.int8)
    for account_id, day, fen, kind in Payment.objects.filter(
        account_id__in=account_ids, business_day__gte=first_day, business_day__lte=last_day
    ).order_by("received_at", "id").values_list("account_id", "business_day", "amount_fen", "channel"):
        paid[row[account_id], index(day)] += fen
        channel[row[account_id], index(day)] = channel_kind(kind)

    alerted = np.zeros(shape, dtype=bool)
    since, until = day_bounds(day=first_day, zone=zone)[0], day_bounds(day=last_day, zone=zone)[1]
    for account_id, at in Notification.objects.filter(
        account_id__in=account_ids, kind__in=WARNING_KINDS, created_at__gte=since, created_at__lt=until,
    ).values_list("account_id", "created_at"):
        day = business_day(instant=at, zone=zone)
        if first_day <= day <= last_day:
            alerted[row[account_id], index(day)] = True

    disconnected = np.zeros(shape, dtype=bool)
    confirmed = dict(action=CommandAction.DISCONNECT.value, status=CommandStatus.CONFIRMED.value)
    archived_disconnections = [(account_id, at) for account_id, at in archived_commands(
        **confirmed, instant="finished_at", start=since, end=until) if account_id in row]
    for account_id, finished_at in [*archived_disconnections, *MeterCommand.objects.filter(
        account_id__in=account_ids, **confirmed, finished_at__isnull=False,
    ).values_list("account_id", "finished_at")]:
        if finished_at is None:
            continue
        day = business_day(instant=finished_at, zone=zone)
        if first_day <= day <= last_day:
            disconnected[row[account_id], index(day)] = True

    in_arrears = ~postpaid[:, None] & (balance < 0)
    before_first = ~postpaid & (opening < 0)
    fell = in_arrears & ~np.concatenate([before_first[:, None], in_arrears[:, :-1]], axis=1)
    owed = np.zeros(shape, dtype=np.int64)
    days_to_due = np.full(shape, NO_DUE, dtype=np.int16)
    unpaid = np.zeros(shape, dtype=np.int64)
    for account_id, issued_on, due_on, amount, paid_off_on in PostpaidBill.objects.filter(
        account_id__in=account_ids, issued_on__lte=last_day
    ).exclude(paid_off_on__lt=first_day).values_list("account_id", "issued_on", "due_on", "amount_fen",
                                                       "paid_off_on"):
        r = row[account_id]
        # Unpaid from its issue to the day before it was paid off (paid that day: not unpaid at its end).
        start, end = max(index(issued_on), 0), min(index(paid_off_on) if paid_off_on else days, days)
        due = index(due_on)
        unpaid[r, start:end] += amount
        owed[r, start : min(end, due + 1)] += amount
        for d in range(start, min(end, due + 1)):
            days_to_due[r, d] = min(int(days_to_due[r, d]), due - d)
        if due + 1 < end:
            in_arrears[r, max(due + 1, 0) : end] = True
            if 0 <= due + 1 < days:
                fell[r, due + 1] = True
    balance = np.where(postpaid[:, None], -unpaid, balance)
    return DailySeries(
        first_day=first_day, postpaid=postpaid, balance_fen=balance.astype(np.int64), charge_fen=charge,
        paid_fen=paid, channel=channel, alerted=alerted, disconnected=disconnected, fell_into_arrears=fell,
        in_arrears=in_arrears, owed_fen=owed, days_to_due=days_to_due,
    )


@dataclass(frozen=True)
class RiskLine:
    rank: int
    score: float
    account_no: str
    customer_name: str
    phone: str
    village: str
    grid_staff: str
    mode: str
    balance_fen: int
    reasons: list[dict[str, object]]


@dataclass(frozen=True)
class RiskPage:
    day: date | None  # the latest scored day on or before the one asked for; None: never scored
    total: int
    lines: list[RiskLine]


def latest_scored_day(*, on_or_before: date) -> date | None:
    return RiskScore.objects.filter(day__lte=on_or_before).order_by("-day").values_list("day", flat=True).first()


def risk_lines(
    *, day: date, village_ids: Collection[int] | None = None, account_ids: Collection[int] | None = None,
    offset: int = 0, limit: int = 50,
) -> RiskPage:
    """The scores of ``day``, highest first, of the accounts in ``village_ids`` and/or ``account_ids`` (None: no
    filter on that; both given: an account in either). A collection area is a set of villages and accounts."""
    rows = RiskScore.objects.filter(day=day)
    if village_ids is not None and account_ids is not None:
        rows = rows.filter(account__village_id__in=list(village_ids)) | rows.filter(account_id__in=list(account_ids))
    elif village_ids is not None:
        rows = rows.filter(account__village_id__in=list(village_ids))
    elif account_ids is not None:
        rows = rows.filter(account_id__in=list(account_ids))
    total = rows.count()
    lines = [
        RiskLine(rank, score, no, name, phone, village or "", staff or "", mode, balance, reasons)
        for rank, score, no, name, phone, village, staff, mode, balance, reasons in rows.order_by("rank").values_list(
            "rank", "score", "account__account_no", "account__customer__name", "account__customer__phone",
            "account__village__name", "account__village__grid_staff__name", "account__mode",
            "account__ledger_account__balance_fen", "reasons",
        )[offset : offset + limit]
    ]
    return RiskPage(day=day, total=total, lines=lines)


def day_settled(day: date) -> bool:
    return Settlement.objects.filter(day=day).exists()


def prepaid_accounts_exist() -> bool:
    return Account.objects.filter(status=AccountStatus.ACTIVE, mode=AccountMode.PREPAID).exists()


def accounts_in_villages(*, account_ids: Collection[int], village_ids: Collection[int]) -> list[int]:
    return list(Account.objects.filter(id__in=list(account_ids), village_id__in=list(village_ids))
                .values_list("id", flat=True))


def village_ids_of_staff(name: str) -> list[int]:
    return list(Village.objects.filter(grid_staff__name=name).values_list("id", flat=True))


def replace_scores(*, day: date, scores: list[RiskScore]) -> None:
    """The day's scores, replacing any an earlier run wrote (the caller holds the transaction)."""
    RiskScore.objects.filter(day=day).delete()
    RiskScore.objects.bulk_create(scores, batch_size=2_000)


def first_activity_day() -> date | None:
    """The first business day the ledger has anything on, archived or not: no history is read from before it."""
    if (old := archived(TRANSFERS)) is not None:
        first = old.select(pl.col("business_day").min()).collect().item()
        if first is not None:
            return cast(date, first)
    return Transfer.objects.order_by("business_day").values_list("business_day", flat=True).first()
