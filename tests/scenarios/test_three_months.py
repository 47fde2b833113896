"""Three months of a village driven by a fake clock: readings, daily settlement, payments and monthly bills,
across a price change and a year boundary, with late readings and a replayed payment."""

from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pytest

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.settlement.catch_up_settlement import settle_through
from gridpay.application.settlement.issue_monthly_bill import issue_monthly_bill
from gridpay.data.ledger import misrecorded_balances, recomputed_balances
from gridpay.data.models import LedgerAccount, MonthlyBill, Payment, Reading, Settlement
from gridpay.data.tariff_store import save_tariff
from gridpay.domain.business_time import next_month_start
from gridpay.domain.tariffs import Tariff, TariffVersion, Tier, TierPeriod
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI, FakeClock
from tests.support.readings import add_readings
from tests.unit.tariff_examples import ZJ_2024, ZJ_TIERS

pytestmark = pytest.mark.django_db

FIRST = date(2025, 11, 1)
PRICE_CHANGE = date(2025, 12, 15)
LAST = date(2026, 1, 31)
# Daily use of each household: small, typical, heavy (crosses tiers 2 and 3 in December), zero.
DAILY_KWH = [D("3.17"), D("9.41"), D("52.77"), D("0.00"), D("14.05")]
TOP_UP_BELOW_FEN = 2_000
TOP_UP_FEN = 15_000


def raised_tariff() -> Tariff:
    raised = tuple(Tier(t.up_to_kwh, {p: v + D("0.0301") for p, v in t.prices.items()}) for t in ZJ_TIERS)
    return Tariff(
        code="zj-scenario",
        name="浙江居民（调价场景）",
        versions=(ZJ_2024, TariffVersion(effective_from=PRICE_CHANGE, tier_period=TierPeriod.YEAR, tiers=raised)),
    )


def usage(household: int, day: date) -> D:
    # Deterministic day-to-day variation, and the heavy user never reads the same twice.
    return DAILY_KWH[household] + D(day.toordinal() % 7) / 10 if DAILY_KWH[household] else D(0)


def test_three_months_settle_pay_and_bill_exactly(clock: FakeClock) -> None:
    save_tariff(raised_tariff())
    clock.instant = datetime(2025, 11, 1, 8, 0, tzinfo=SHANGHAI)
    accounts = [
        enrol(
            n,
            tariff="zj-scenario",
            prepaid_since=FIRST,
            installed_on=FIRST - timedelta(days=1),
            opening_balance_fen=5_000,
        )
        for n in range(len(DAILY_KWH))
    ]
    pending: dict[int, list[date]] = {n: [] for n in range(len(accounts))}
    replayed = 0

    day = FIRST
    while day <= LAST:
        # 01:30 the next morning the head-end delivers the day's frozen readings. Household 1's
        # readings of every 9th day and the day after arrive only with the day after that, so its
        # settlement has to wait and then catch up in date order.
        clock.instant = datetime.combine(day + timedelta(days=1), datetime.min.time(), SHANGHAI) + timedelta(hours=1.5)
        for n, account in enumerate(accounts):
            pending[n].append(day)
            if n == 1 and day.toordinal() % 9 in (0, 1) and day < LAST - timedelta(days=3):
                continue
            for delivered in pending[n]:
                add_readings(account, first_day=delivered, daily_kwh=[usage(n, delivered)])
            pending[n].clear()
        settle_through(through=day, at=clock.now())

        # Customers top up on WeChat when the balance runs low; one notification arrives twice.
        for account in accounts:
            if LedgerAccount.objects.get(id=account.ledger_account_id).balance_fen < TOP_UP_BELOW_FEN:
                for _ in range(2 if replayed == 0 else 1):
                    result = record_payment(
                        account_no=account.account_no,
                        amount_fen=TOP_UP_FEN,
                        channel="wechat",
                        channel_txn_id=f"wx-{account.account_no}-{day:%Y%m%d}",
                        received_at=clock.now(),
                        business_day=clock.today(),
                    )
                    replayed += result.replayed

        # On the meter-reading day, the 3rd, the previous month's official bill is issued.
        month = (clock.today() - timedelta(days=3)).replace(day=1)
        if clock.today().day == 3 and month >= FIRST:
            for account in accounts:
                issue_monthly_bill(account_no=account.account_no, month=month, today=clock.today(), at=clock.now())
        day += timedelta(days=1)

    clock.instant = datetime(2026, 2, 3, 9, 0, tzinfo=SHANGHAI)
    for account in accounts:
        issue_monthly_bill(account_no=account.account_no, month=date(2026, 1, 1), today=clock.today(), at=clock.now())

    assert replayed == 1, "the replayed WeChat notification was recognised once"
    assert MonthlyBill.objects.count() == 3 * len(accounts)
    days = (LAST - FIRST).days + 1
    assert Settlement.objects.count() == days * len(accounts), "every day of every account settled once"

    for account in accounts:
        charges = dict(Settlement.objects.filter(account=account).values_list("day", "charge_fen"))
        for bill in MonthlyBill.objects.filter(account=account):
            in_month = [c for d, c in charges.items() if bill.month <= d < next_month_start(bill.month)]
            assert bill.amount_fen == sum(in_month) == bill.daily_charges_fen
            assert bill.adjustment_fen == 0 and bill.adjustment is None
        paid = sum(Payment.objects.filter(account=account).values_list("amount_fen", flat=True))
        balance = LedgerAccount.objects.get(id=account.ledger_account_id).balance_fen
        assert balance == 5_000 + paid - sum(charges.values())

    heavy = accounts[2]
    settlements = {s.day: s for s in Settlement.objects.filter(account=heavy)}
    assert settlements[date(2025, 12, 31)].period_used_kwh > 2760, "the heavy user reached tier 2 in December"
    assert settlements[date(2026, 1, 1)].period_used_kwh == usage(2, date(2026, 1, 1)), "tiers start again in January"
    assert settlements[PRICE_CHANGE - timedelta(days=1)].tariff_version.effective_from == ZJ_2024.effective_from
    assert settlements[PRICE_CHANGE].tariff_version.effective_from == PRICE_CHANGE

    revenue = LedgerAccount.objects.get(code="revenue:electricity").balance_fen
    assert revenue == sum(Settlement.objects.values_list("charge_fen", flat=True))
    assert recomputed_balances() == {k: v for k, v in LedgerAccount.objects.values_list("id", "balance_fen") if v}
    assert misrecorded_balances() == []
    assert sum(LedgerAccount.objects.values_list("balance_fen", flat=True)) == 0


def test_a_corrected_reading_gives_a_bill_adjustment() -> None:
    save_tariff(raised_tariff())
    account = enrol(1, tariff="zj-scenario", prepaid_since=FIRST, installed_on=FIRST - timedelta(days=1))
    add_readings(account, first_day=FIRST, daily_kwh=["10.00"] * 30)
    settle_through(through=date(2025, 11, 30), at=datetime(2025, 12, 1, tzinfo=SHANGHAI))
    # The head-end resends 15 November: the household used 30 kWh more that day than first reported.
    Reading.objects.filter(account=account, reading_date=date(2025, 11, 15)).update(energy_kwh=D("40.00"))

    bill = issue_monthly_bill(
        account_no=account.account_no, month=FIRST, today=date(2025, 12, 1), at=datetime(2025, 12, 1, tzinfo=SHANGHAI)
    )

    assert bill.daily_charges_fen == 300 * 538 // 10  # 300 kWh × 0.538 = 161.40 yuan
    assert bill.amount_fen == 16_140 + 1_614
    assert bill.adjustment_fen == 1_614
    ledger = LedgerAccount.objects.get(id=account.ledger_account_id).balance_fen
    assert ledger == 10_000 - 16_140 - 1_614
    again = issue_monthly_bill(
        account_no=account.account_no, month=FIRST, today=date(2025, 12, 2), at=datetime(2025, 12, 2, tzinfo=SHANGHAI)
    )
    assert again.already_issued and LedgerAccount.objects.get(id=account.ledger_account_id).balance_fen == ledger
