"""Read queries about one electricity account: its particulars, its ledger balance and its settled charges."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl
from django.db.models import Max, Min, Sum

from gridpay.data.history_archive import SETTLEMENTS, archived
from gridpay.data.models import Account, ArrearsCase, Meter, MonthlyBill, Settlement
from gridpay.domain.business_time import next_month_start


@dataclass(frozen=True)
class AccountParticulars:
    account_id: int
    account_no: str
    customer_name: str
    mode: str
    status: str
    supply_state: str
    protected: bool
    protected_reason: str
    village: str | None
    transformer_area: str
    tariff_code: str
    meter_no: str | None  # the meter in place, None between a removal and the next install
    ledger_balance_fen: int  # the cached balance of the account's ledger account


def account_particulars(*, account_no: str) -> AccountParticulars | None:
    account = (
        Account.objects.select_related("customer", "village", "tariff", "ledger_account")
        .filter(account_no=account_no)
        .first()
    )
    if account is None:
        return None
    meter_no = (
        Meter.objects.filter(account=account, removed_on__isnull=True)
        .order_by("-installed_on", "-id")
        .values_list("meter_no", flat=True)
        .first()
    )
    return AccountParticulars(
        account_id=account.id,
        account_no=account.account_no,
        customer_name=account.customer.name,
        mode=account.mode,
        status=account.status,
        supply_state=account.supply_state,
        protected=account.protected,
        protected_reason=account.protected_reason,
        village=account.village.name if account.village is not None else None,
        transformer_area=account.transformer_area,
        tariff_code=account.tariff.code,
        meter_no=meter_no,
        ledger_balance_fen=account.ledger_account.balance_fen,
    )


@dataclass(frozen=True)
class UnbilledCharges:
    """The daily charges settled after the month of the last official bill: what 账户余额 still holds of them."""

    total_fen: int
    first_day: date | None  # the first day they cover (None: there are none)
    last_bill_month: date | None  # the month of the last official bill (None: never billed)


def unbilled_charges(*, account_id: int) -> UnbilledCharges:
    """Daily charges of the days after the month of the last official bill (all of them before any bill)."""
    last_month = MonthlyBill.objects.filter(account_id=account_id).aggregate(last=Max("month"))["last"]
    settlements = Settlement.objects.filter(account_id=account_id)
    if last_month is not None:
        settlements = settlements.filter(day__gte=next_month_start(last_month))
    found = settlements.aggregate(total=Sum("charge_fen"), first=Min("day"))
    total, first = int(found["total"] or 0), found["first"]
    since = None if last_month is None else next_month_start(last_month)
    old = archived(SETTLEMENTS, since=since)
    if old is not None:  # an account never billed, or billed last before the archived months
        kept = old.filter(pl.col("account_id") == account_id)
        if since is not None:
            kept = kept.filter(pl.col("day") >= since)
        fen, day = kept.select(pl.col("charge_fen").sum(), pl.col("day").min()).collect().row(0)
        total += int(fen or 0)
        first = day if first is None or (day is not None and day < first) else first
    return UnbilledCharges(total_fen=total, first_day=first, last_bill_month=last_month)


def settled_days(*, account_id: int, first_day: date | None = None,
                 last_day: date | None = None) -> list[tuple[date, Decimal, int]]:
    """The account's settled days in ``[first_day, last_day]`` (None: no bound), archived or not, in day order:
    (day, energy kWh, charge fen)."""
    settlements = Settlement.objects.filter(account_id=account_id)
    if first_day is not None:
        settlements = settlements.filter(day__gte=first_day)
    if last_day is not None:
        settlements = settlements.filter(day__lte=last_day)
    days = list(settlements.values_list("day", "energy_kwh", "charge_fen"))
    if (old := archived(SETTLEMENTS, since=first_day, through=last_day)) is not None:
        kept = old.filter(pl.col("account_id") == account_id)
        if first_day is not None:
            kept = kept.filter(pl.col("day") >= first_day)
        if last_day is not None:
            kept = kept.filter(pl.col("day") <= last_day)
        days += kept.select("day", "energy_kwh", "charge_fen").collect().rows()
    return sorted(days)


def recent_daily_charges_fen(*, account_id: int, days: int) -> list[int]:
    """The charges of the last ``days`` settled days, oldest first."""
    charges = list(
        Settlement.objects.filter(account_id=account_id).order_by("-day").values_list("charge_fen", flat=True)[:days]
    )
    if len(charges) < days and (old := archived(SETTLEMENTS)) is not None:
        charges += (old.filter(pl.col("account_id") == account_id).sort("day", descending=True)
                    .head(days - len(charges)).collect()["charge_fen"].to_list())
    return list(reversed(charges))


def last_settled_day(*, account_id: int) -> date | None:
    day: date | None = Settlement.objects.filter(account_id=account_id).aggregate(last=Max("day"))["last"]
    if day is None and (old := archived(SETTLEMENTS)) is not None:
        day = old.filter(pl.col("account_id") == account_id).select(pl.col("day").max()).collect().item()
    return day


def bills_owed_fen(*, account_id: int) -> int:
    """What the account owes on its postpaid bills and their late fees (its receivable, as a positive number)."""
    owed = Account.objects.filter(id=account_id).values_list("receivable_account__balance_fen", flat=True).get()
    return -int(owed or 0)


def arrears_stage(*, account_id: int) -> str | None:
    return (ArrearsCase.objects.filter(account_id=account_id, closed_at__isnull=True, reconnected_at__isnull=True)
            .values_list("stage", flat=True).first())
