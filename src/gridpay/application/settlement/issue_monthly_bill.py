"""Issues an account's official monthly bill (月度电费发行) and posts its difference from the daily charges."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from gridpay.application.errors import UnknownAccount
from gridpay.data import ledger as ledger_store
from gridpay.data.models import Account, MonthlyBill, Settlement
from gridpay.data.settlement_store import day_energies
from gridpay.data.tariff_store import load_tariff
from gridpay.domain.business_time import next_month_start
from gridpay.domain.errors import DomainError
from gridpay.domain.ledger import LedgerAccountKind, TransferKind, transfer_toward
from gridpay.domain.settlement import bill_month, opening_position
from gridpay.domain.tariffs import period_start
from gridpay.domain.texts import gettext_noop


class BillRefused(DomainError):
    code = "bill_refused"


@dataclass(frozen=True)
class BillResult:
    account_no: str
    month: date
    energy_kwh: Decimal
    amount_fen: int
    daily_charges_fen: int
    adjustment_fen: int
    already_issued: bool


def issue_monthly_bill(*, account_no: str, month: date, today: date, at: datetime) -> BillResult:
    """The bill is priced afresh from the readings as they are now; with uncorrected data it equals
    the sum of the month's daily charges, and any difference is posted as an adjustment."""
    month = month.replace(day=1)
    end = next_month_start(month)
    with transaction.atomic():
        try:
            account = Account.objects.select_for_update().select_related("tariff").get(account_no=account_no)
        except Account.DoesNotExist:
            raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account",
                                 params={"account_no": account_no}) from None
        existing = MonthlyBill.objects.filter(account=account, month=month).first()
        if existing is not None:
            return _result(account_no, existing, already_issued=True)
        if end > today:
            raise BillRefused(
                gettext_noop("{month:%Y-%m} 尚未结束，不能发行月度电费"), field="month", params={"month": month},
            )
        if account.prepaid_since is None or account.prepaid_since >= end:
            raise BillRefused(gettext_noop("户号 {account_no} 在 {month:%Y-%m} 不是智能交费户"), field="month",
                              params={"account_no": account_no, "month": month})
        first_day = max(month, account.prepaid_since)
        settled = Settlement.objects.filter(account=account, day__gte=first_day, day__lt=end)
        if settled.count() != (end - first_day).days:
            raise BillRefused(
                gettext_noop("{month:%Y-%m} 还有未结算的日期：请先补齐读数并结算"), field="month",
                params={"month": month},
            )
        tariff = load_tariff(account.tariff.code)
        version = tariff.version_on(month)
        since = max(period_start(tier_period=version.tier_period, day=month), account.prepaid_since)
        bill = bill_month(
            tariff=tariff,
            time_of_use=account.time_of_use,
            days=day_energies(account_id=account.id, since=since, until=end - timedelta(days=1)),
            month_start=month,
            month_end=end,
            opening=opening_position(
                tariff=tariff, prepaid_since=account.prepaid_since, used_kwh=account.opening_period_used_kwh
            ),
        )
        daily = int(settled.aggregate(total=Sum("charge_fen"))["total"] or 0)
        adjustment = bill.amount_fen - daily
        revenue = ledger_store.system_account(ledger_store.REVENUE, LedgerAccountKind.REVENUE)
        posting = transfer_toward(
            to=revenue.id,
            counterpart=account.ledger_account_id,
            amount_fen=adjustment,
            kind=TransferKind.BILL_ADJUSTMENT,
        )
        transfer = None
        if posting is not None:
            (transfer,) = ledger_store.post([posting], business_day=today, at=at)
        row = MonthlyBill.objects.create(
            account=account,
            month=month,
            energy_kwh=bill.energy_kwh,
            amount_fen=bill.amount_fen,
            daily_charges_fen=daily,
            adjustment_fen=adjustment,
            adjustment=transfer,
            issued_at=at,
        )
        return _result(account_no, row, already_issued=False)


def _result(account_no: str, bill: MonthlyBill, *, already_issued: bool) -> BillResult:
    return BillResult(
        account_no=account_no,
        month=bill.month,
        energy_kwh=bill.energy_kwh,
        amount_fen=bill.amount_fen,
        daily_charges_fen=bill.daily_charges_fen,
        adjustment_fen=bill.adjustment_fen,
        already_issued=already_issued,
    )
