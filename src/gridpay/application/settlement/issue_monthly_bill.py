"""Issues the official monthly bills (月度电费发行) of prepaid accounts, one or all; a bill's difference from its daily
charges is posted as an adjustment."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import numpy as np
from django.db import transaction

from gridpay.application.errors import UnknownAccount
from gridpay.data import bill_store
from gridpay.data import ledger as ledger_store
from gridpay.data.bill_store import BillCandidates
from gridpay.data.models import Account, MonthlyBill
from gridpay.data.tariff_store import load_tariffs_by_id
from gridpay.domain.business_time import next_month_start
from gridpay.domain.errors import DomainError
from gridpay.domain.ledger import LedgerAccountKind, TransferKind, transfer_toward
from gridpay.domain.settlement import opening_position
from gridpay.domain.settlement_batch import Ints, bill_batch
from gridpay.domain.tariffs import period_start
from gridpay.domain.texts import gettext_noop

Progress = Callable[[int, int], None]


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


@dataclass(frozen=True)
class BillRun:
    month: date
    issued: int  # bills issued by this run
    amount_fen: int
    adjustment_fen: int  # the sum of their adjustments (zero unless readings were corrected after settlement)
    adjusted: int  # bills with an adjustment
    unsettled: int  # prepaid accounts not billed: a day of the month is not settled yet


def issue_monthly_bill(*, account_no: str, month: date, today: date, at: datetime) -> BillResult:
    """The bill is priced afresh from the readings as they are now; with uncorrected data it equals
    the sum of the month's daily charges, and any difference is posted as an adjustment."""
    month = month.replace(day=1)
    end = next_month_start(month)
    with transaction.atomic():
        try:
            account = Account.objects.select_for_update().get(account_no=account_no)
        except Account.DoesNotExist:
            raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account",
                                 params={"account_no": account_no}) from None
        existing = MonthlyBill.objects.filter(account=account, month=month).first()
        if existing is not None:
            return _result(account_no, existing, already_issued=True)
        _check_month_over(month, today=today)
        if account.prepaid_since is None or account.prepaid_since >= end:
            raise BillRefused(gettext_noop("户号 {account_no} 在 {month:%Y-%m} 不是智能交费户"), field="month",
                              params={"account_no": account_no, "month": month})
        run = _issue(bill_store.bill_candidates(month=month, end=end, first_id=account.id, last_id=account.id),
                     month=month, today=today, at=at)
        if run.unsettled:
            raise BillRefused(
                gettext_noop("{month:%Y-%m} 还有未结算的日期：请先补齐读数并结算"), field="month",
                params={"month": month},
            )
        return _result(account_no, MonthlyBill.objects.get(account=account, month=month), already_issued=False)


def issue_monthly_bills(
    *, month: date, today: date, at: datetime, batch_size: int = 2_000, on_progress: Progress | None = None
) -> BillRun:
    """The official bills of ``month`` for every account prepaid in it and not billed yet (月度电费发行), by the rule
    of issue_monthly_bill: a batch of accounts per transaction, so a re-run issues the rest. Accounts with a day of
    the month not settled yet are counted and left for a later run."""
    month = month.replace(day=1)
    end = next_month_start(month)
    _check_month_over(month, today=today)
    ids = bill_store.bill_candidate_ids(month=month, end=end)
    runs = []
    for first in range(0, len(ids), batch_size):
        chunk = ids[first : first + batch_size]
        with transaction.atomic():
            candidates = bill_store.bill_candidates(month=month, end=end, first_id=chunk[0], last_id=chunk[-1])
            runs.append(_issue(candidates, month=month, today=today, at=at))
        if on_progress:
            on_progress(first + len(chunk), len(ids))
    return BillRun(
        month=month, issued=sum(r.issued for r in runs), amount_fen=sum(r.amount_fen for r in runs),
        adjustment_fen=sum(r.adjustment_fen for r in runs), adjusted=sum(r.adjusted for r in runs),
        unsettled=sum(r.unsettled for r in runs),
    )


def _check_month_over(month: date, *, today: date) -> None:
    if next_month_start(month) > today:
        raise BillRefused(
            gettext_noop("{month:%Y-%m} 尚未结束，不能发行月度电费"), field="month", params={"month": month},
        )


def _issue(candidates: BillCandidates, *, month: date, today: date, at: datetime) -> BillRun:
    """Bills the candidates whose every prepaid day of the month is settled, in the caller's transaction."""
    end = next_month_start(month)
    first_days = np.maximum(candidates.prepaid_since, month.toordinal())
    ready = candidates.take(candidates.settled_days == end.toordinal() - first_days)
    tariffs = load_tariffs_by_id()
    # Each account's days are read from the start of the month's tier period, or from its first prepaid day with its
    # opening position (the kWh billed postpaid earlier in the period still count toward the tiers).
    since = np.zeros(len(ready), dtype=np.int64)
    opening_start = np.zeros(len(ready), dtype=np.int64)
    for i, (tariff_id, prepaid_since) in enumerate(zip(ready.tariff_id.tolist(), ready.prepaid_since.tolist(),
                                                       strict=True)):
        tariff = tariffs[tariff_id]
        first = date.fromordinal(prepaid_since)
        since[i] = max(period_start(tier_period=tariff.version_on(month).tier_period, day=month), first).toordinal()
        opening = opening_position(tariff=tariff, prepaid_since=first, used_kwh=Decimal(0))
        opening_start[i] = opening.period_start.toordinal()
    energy_ckwh = np.zeros(len(ready), dtype=np.int64)
    amount_fen = np.zeros(len(ready), dtype=np.int64)
    if len(ready):
        days = bill_store.bill_days(account_ids=ready.account_id, since=date.fromordinal(int(since.min())), end=end)
        groups = ready.tariff_id * 2 + ready.time_of_use
        for key in np.unique(groups).tolist():
            rows = np.flatnonzero(groups == key)
            tariff_id, time_of_use = divmod(key, 2)
            billed = bill_batch(
                tariff=tariffs[tariff_id], time_of_use=bool(time_of_use), days=days.take(rows), since=since[rows],
                opening_period_start=opening_start[rows], opening_used_ckwh=ready.opening_used_ckwh[rows],
                month_start=month, month_end=end,
            )
            energy_ckwh[rows], amount_fen[rows] = billed.energy_ckwh, billed.amount_fen
    adjustment_fen = amount_fen - ready.daily_charges_fen
    _write_bills(ready, month=month, energy_ckwh=energy_ckwh, amount_fen=amount_fen, adjustment_fen=adjustment_fen,
                 today=today, at=at)
    return BillRun(
        month=month, issued=len(ready), amount_fen=int(amount_fen.sum()), adjustment_fen=int(adjustment_fen.sum()),
        adjusted=int(np.count_nonzero(adjustment_fen)), unsettled=len(candidates) - len(ready),
    )


def _write_bills(
    bills: BillCandidates, *, month: date, energy_ckwh: Ints, amount_fen: Ints, adjustment_fen: Ints, today: date,
    at: datetime,
) -> None:
    """The bills, and a transfer for each adjustment (the revenue account and the customer's, toward whoever is
    owed): posted last, since posting locks the revenue balance until the commit."""
    adjusted = np.flatnonzero(adjustment_fen)
    transfers: dict[int, int] = {}
    if len(adjusted):
        revenue = ledger_store.system_account(ledger_store.REVENUE, LedgerAccountKind.REVENUE)
        postings = []
        for i in adjusted.tolist():
            posting = transfer_toward(to=revenue.id, counterpart=int(bills.ledger_account_id[i]),
                                      amount_fen=int(adjustment_fen[i]), kind=TransferKind.BILL_ADJUSTMENT)
            assert posting is not None  # a nonzero adjustment
            postings.append(posting)
        posted = ledger_store.post(postings, business_day=today, at=at)
        transfers = {int(bills.account_id[i]): t.id for i, t in zip(adjusted.tolist(), posted, strict=True)}
    bill_store.write_bills(
        account_ids=bills.account_id, month=month, energy_ckwh=energy_ckwh, amount_fen=amount_fen,
        daily_charges_fen=bills.daily_charges_fen, adjustment_fen=adjustment_fen,
        adjustment_transfer_ids=[transfers.get(account_id) for account_id in bills.account_id.tolist()], at=at,
    )


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
