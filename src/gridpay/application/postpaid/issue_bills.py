"""Issues the day's postpaid bills (电费发行): every postpaid account whose reading day it is, once a month.

Accounts are taken in batches, each one transaction: the bills, their postings to the receivables and the
credit the accounts already had paying them. The unique (account, month) key makes a second bill impossible,
so a re-run (or a crash and a re-run) issues only what is missing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from gridpay.application.postpaid.pay_bills import pay_bills_from_credit
from gridpay.data import ledger as ledger_store
from gridpay.data import postpaid_store as store
from gridpay.data.models import LedgerAccount, PostpaidBill
from gridpay.data.run_lock import exclusive_run
from gridpay.data.settings import gridpay_settings
from gridpay.data.tariff_store import load_tariff
from gridpay.domain.errors import DomainError
from gridpay.domain.ledger import LedgerAccountKind, Transfer, TransferKind
from gridpay.domain.postpaid_bills import bill_no, due_date, price_period, tier_period_start
from gridpay.domain.tariffs import Quote, Tariff

Progress = Callable[[int, int], None]
BATCH = 1000


@dataclass(frozen=True)
class BillRunReport:
    day: date
    due: int  # postpaid accounts whose reading day it is and that had no bill this month
    issued: int
    amount_fen: int
    energy_kwh: Decimal
    without_reading: list[str] = field(default_factory=list)  # account numbers: no reading of the day yet
    refused: dict[str, str] = field(default_factory=dict)  # account number → why it could not be priced


def issue_bills(
    *, day: date, at: datetime, batch_size: int = BATCH, on_progress: Progress | None = None
) -> BillRunReport:
    """Bills ``day`` while no other bill run does; reading day ``day`` prices the energy through ``day``."""
    with exclusive_run("postpaid-bills", what="后付费电费发行", at=at):
        due = store.accounts_due(day)
        due_days = gridpay_settings().postpaid_due_days
        tariffs: dict[str, Tariff] = {}
        issued, amount, energy = 0, 0, Decimal(0)
        without: list[str] = []
        refused: dict[str, str] = {}
        for start in range(0, len(due), batch_size):
            batch = due[start : start + batch_size]
            outcome = _issue_batch(batch, day=day, at=at, due_days=due_days, tariffs=tariffs)
            issued += outcome.issued
            amount += outcome.amount_fen
            energy += outcome.energy_kwh
            without += outcome.without_reading
            refused.update(outcome.refused)
            if on_progress is not None:
                on_progress(min(start + batch_size, len(due)), len(due))
        return BillRunReport(day=day, due=len(due), issued=issued, amount_fen=amount,
                             energy_kwh=energy.quantize(Decimal("0.01")),
                             without_reading=without, refused=refused)


def _issue_batch(
    batch: list[store.DueAccount], *, day: date, at: datetime, due_days: int, tariffs: dict[str, Tariff]
) -> BillRunReport:
    ids = [a.account_id for a in batch]
    with transaction.atomic():
        store.lock_accounts(ids)  # as a payment does, before the receivables: a payment may be paying older bills
        energies = store.period_energies(account_ids=ids, reading_date=day)
        earlier = store.billed_since(account_ids=ids, since=day.replace(month=1, day=1), before=day)
        priced: list[tuple[store.DueAccount, store.PeriodEnergy, Quote]] = []
        without, refused = [], {}
        for account in batch:
            period = energies.get(account.account_id)
            if period is None:
                without.append(account.account_no)
                continue
            try:
                tariff = tariffs.get(account.tariff_code) or load_tariff(account.tariff_code)
                tariffs[account.tariff_code] = tariff
                since = tier_period_start(tariff=tariff, reading_date=day)
                billed = sum((kwh for d, kwh in earlier.get(account.account_id, []) if d >= since), Decimal(0))
                quote = price_period(tariff=tariff, time_of_use=account.time_of_use, reading_date=day,
                                     energy=period.energy, billed_in_tier_period_kwh=billed)
            except DomainError as error:
                refused[account.account_no] = error.message
                continue
            priced.append((account, period, quote))
        receivables = store.ensure_receivables([account for account, _, _ in priced])
        revenue = ledger_store.system_account(ledger_store.REVENUE, LedgerAccountKind.REVENUE)
        charged = [(a, p, q) for a, p, q in priced if q.charge_fen > 0]
        postings = ledger_store.post(
            [Transfer(debit=receivables[a.account_id], credit=revenue.id, amount_fen=q.charge_fen,
                      kind=TransferKind.POSTPAID_BILL) for a, _, q in charged],
            business_day=day, at=at,
        ) if charged else []
        posting_of = {a.account_id: t for (a, _, _), t in zip(charged, postings, strict=True)}
        due_on = due_date(issued_on=day, due_days=due_days)
        PostpaidBill.objects.bulk_create([
            PostpaidBill(
                account_id=account.account_id,
                bill_no=bill_no(reading_date=day, account_no=account.account_no),
                month=day.replace(day=1),
                period_from=period.period_from,
                reading_date=day,
                energy_kwh=period.energy.total_kwh,
                tou_kwh={str(p): str(v) for p, v in period.energy.tou_kwh.items()},
                tariff_code=account.tariff_code,
                lines=[{"tier": line.tier, "period": str(line.period), "energy_kwh": str(line.energy_kwh),
                        "price": str(line.price), "amount_micro_yuan": line.amount_micro_yuan}
                       for line in quote.lines],
                amount_fen=quote.charge_fen,
                issued_on=day,
                issued_at=at,
                due_on=due_on,
                posting=posting_of.get(account.account_id),
                paid_off_on=day if quote.charge_fen == 0 else None,
            )
            for account, period, quote in priced
        ])
        # Credit already on the account (an overpayment, a prepayment) pays the new bill at once.
        with_credit = LedgerAccount.objects.filter(
            id__in=[a.ledger_account_id for a, _, _ in charged], balance_fen__gt=0
        ).values_list("account__id", flat=True)
        for account_id in with_credit:
            pay_bills_from_credit(account_id=account_id, business_day=day, at=at)
    return BillRunReport(
        day=day, due=len(batch), issued=len(priced), amount_fen=sum(q.charge_fen for _, _, q in priced),
        energy_kwh=sum((p.energy.total_kwh for _, p, _ in priced), Decimal(0)), without_reading=without,
        refused=refused,
    )
