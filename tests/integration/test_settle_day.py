"""Daily settlement on a real database: charges, ledger, once per day, failures recorded, catch-up."""

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridpay.application.settlement.catch_up_settlement import settle_through
from gridpay.application.settlement.issue_monthly_bill import issue_monthly_bill
from gridpay.application.settlement.settle_day import _settle_day, settle_day
from gridpay.data.ledger import recomputed_balances
from gridpay.data.models import LedgerAccount, Meter, Reading, Settlement, SettlementFailure, Transfer
from tests.support.accounts import enrol
from tests.support.readings import add_readings

pytestmark = pytest.mark.django_db
AT = datetime(2025, 2, 1, tzinfo=UTC)
JAN1 = date(2025, 1, 1)


def balance(account_no: str) -> int:
    return LedgerAccount.objects.get(code=f"customer:{account_no}").balance_fen


def test_a_day_debits_each_account_and_credits_revenue(zj_tariff: str) -> None:
    a, b = enrol(1), enrol(2)
    add_readings(a, first_day=JAN1, daily_kwh=["10.00"])
    add_readings(b, first_day=JAN1, daily_kwh=["3.33"])

    report = settle_day(day=JAN1, at=AT)

    assert (report.settled, report.failed, report.without_reading, report.settled_before) == (2, 0, 0, False)
    assert report.charged_fen == 538 + 179  # 10 × 0.538 = 5.38; 3.33 × 0.538 = 1.79154
    assert balance(a.account_no) == 10_000 - 538
    assert balance(b.account_no) == 10_000 - 179
    assert LedgerAccount.objects.get(code="revenue:electricity").balance_fen == 717
    assert recomputed_balances() == dict(LedgerAccount.objects.values_list("id", "balance_fen"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kwh=st.lists(st.decimals(min_value=0, max_value=99_999, places=2), min_size=2, max_size=2))
def test_settlements_store_the_energy_and_the_period_usage_exactly(zj_tariff: str, kwh: list[D]) -> None:
    with transaction.atomic():
        a = enrol(1)
        add_readings(a, first_day=JAN1, daily_kwh=kwh)
        for day in (JAN1, JAN1 + timedelta(days=1)):
            settle_day(day=day, at=AT)

        stored = Settlement.objects.filter(account=a).order_by("day").values_list("energy_kwh", "period_used_kwh")
        assert list(stored) == [(kwh[0], kwh[0]), (kwh[1], kwh[0] + kwh[1])]
        transaction.set_rollback(True)


def test_a_removed_meters_readings_from_its_removal_day_are_not_settled(zj_tariff: str) -> None:
    a, b, c = enrol(1), enrol(2), enrol(3)
    jan2 = JAN1 + timedelta(days=1)
    add_readings(a, first_day=JAN1, daily_kwh=["10.00", "7.00"])  # the old meter's 2 January comes after its removal
    add_readings(b, first_day=JAN1, daily_kwh=["2.00", "2.00"])  # b and c: accounts of the same batch, meters in place
    add_readings(c, first_day=JAN1, daily_kwh=["1.00", "1.00"])
    old = a.meters.get()
    Meter.objects.filter(id=old.id).update(removed_on=jan2, final_total_kwh=D("10.00"))
    new = Meter.objects.create(meter_no="N00000001", dlt645_address="900000000001", account=a, installed_on=jan2)
    Reading.objects.create(meter=new, account=a, reading_date=jan2, total_kwh=D("3.00"), energy_kwh=D("3.00"),
                           received_at=AT)

    settle_day(day=JAN1, at=AT)
    report = settle_day(day=jan2, at=AT, batch_size=10)

    assert (report.settled, report.failed) == (3, 0)
    energies = dict(Settlement.objects.filter(day=jan2).values_list("account_id", "energy_kwh"))
    assert energies == {a.id: D("3.00"), b.id: D("2.00"), c.id: D("1.00")}


def test_an_account_with_only_its_removed_meters_reading_waits_for_the_new_meters(zj_tariff: str) -> None:
    a, b = enrol(1), enrol(2)
    jan2 = JAN1 + timedelta(days=1)
    add_readings(a, first_day=JAN1, daily_kwh=["10.00", "7.00"])
    add_readings(b, first_day=JAN1, daily_kwh=["2.00", "2.00"])
    Meter.objects.filter(id=a.meters.get().id).update(removed_on=jan2, final_total_kwh=D("10.00"))
    Meter.objects.create(meter_no="N00000001", dlt645_address="900000000001", account=a, installed_on=jan2)
    settle_day(day=JAN1, at=AT)

    report = settle_day(day=jan2, at=AT)

    # The old meter's reading is not the account's: it waits for the new meter's, counted, not lost from the run.
    assert (report.settled, report.failed, report.without_reading, report.readings) == (1, 0, 1, 1)
    assert not Settlement.objects.filter(account=a, day=jan2).exists()


def test_progress_counts_the_accounts_from_the_whole_at_the_start_to_its_end(zj_tariff: str) -> None:
    accounts = [enrol(n) for n in range(1, 6)]
    for account in accounts:
        add_readings(account, first_day=JAN1, daily_kwh=["1.00"])
    seen: list[tuple[int, int]] = []

    settle_day(day=JAN1, at=AT, batch_size=2, on_progress=lambda done, total: seen.append((done, total)))
    after = settle_day(day=JAN1 + timedelta(days=1), at=AT,
                       on_progress=lambda done, total: seen.append((done, total)))

    # Batches of 2 accounts: 2, 2 and 1. The day after has no reading yet: its one batch finds all five waiting.
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5), (0, 5), (5, 5)]
    assert (after.settled, after.without_reading, after.readings) == (0, 5, 0)


def test_settling_a_day_again_settles_nothing(zj_tariff: str) -> None:
    a = enrol(1)
    add_readings(a, first_day=JAN1, daily_kwh=["10.00"])
    settle_day(day=JAN1, at=AT)
    transfers = Transfer.objects.count()

    again = settle_day(day=JAN1, at=AT)

    assert (again.settled, again.failed, again.charged_fen, again.settled_before) == (0, 0, 0, True)
    assert Transfer.objects.count() == transfers
    assert balance(a.account_no) == 10_000 - 538


def test_readings_of_accounts_not_prepaid_yet_are_neither_settled_nor_waiting(zj_tariff: str) -> None:
    later = enrol(1, prepaid_since=JAN1 + timedelta(days=5))
    add_readings(later, first_day=JAN1, daily_kwh=["10.00"])

    report = settle_day(day=JAN1, at=AT)

    assert (report.settled, report.failed, report.settled_before, report.readings, report.without_reading) == (
        0, 0, False, 0, 0)


def test_a_day_settled_again_counts_its_prepaid_accounts_only_and_those_still_waiting(zj_tariff: str) -> None:
    a, b, waiting = enrol(1), enrol(2), enrol(3)
    postpaid = enrol(4, mode="postpaid")
    add_readings(a, first_day=JAN1, daily_kwh=["10.00"])
    add_readings(b, first_day=JAN1, daily_kwh=["3.00"])
    add_readings(postpaid, first_day=JAN1, daily_kwh=["5.00"])

    first = settle_day(day=JAN1, at=AT, batch_size=2)  # batches of accounts 1–2 and 3–4
    again = settle_day(day=JAN1, at=AT, batch_size=2)

    assert (first.settled, first.readings, first.without_reading, first.settled_before) == (2, 2, 1, False)
    assert (again.settled, again.readings, again.without_reading, again.settled_before) == (0, 2, 1, True)
    assert not Settlement.objects.filter(account__in=[waiting, postpaid]).exists()


def test_rounding_is_cumulative_so_days_add_up_to_the_period(zj_tariff: str) -> None:
    a = enrol(1)
    add_readings(a, first_day=JAN1, daily_kwh=["1.01"] * 10)  # 0.54338 yuan a day
    for offset in range(10):
        settle_day(day=JAN1 + timedelta(days=offset), at=AT)
    charges = list(Settlement.objects.filter(account=a).order_by("day").values_list("charge_fen", flat=True))
    assert sum(charges) == 543  # 10.1 kWh × 0.538 = 5.4338 yuan, not 10 × 54 fen
    assert set(charges) == {54, 55}


def test_a_missing_reading_is_recorded_and_later_days_wait(zj_tariff: str) -> None:
    a = enrol(1)
    add_readings(a, first_day=JAN1, daily_kwh=["5.00", "5.00"])
    # Day 2's reading arrived but day 1 was never settled: day 2 must wait, with the reason kept.
    report = settle_day(day=date(2025, 1, 2), at=AT)
    assert (report.settled, report.failed) == (0, 1)
    assert report.failure_reasons["previous_day_unsettled"][0] == 1
    failure = SettlementFailure.objects.get(account=a)
    assert (failure.day, failure.code) == (date(2025, 1, 2), "previous_day_unsettled")

    reports = settle_through(through=date(2025, 1, 2), at=AT)

    assert [(r.day, r.settled) for r in reports] == [(JAN1, 1), (date(2025, 1, 2), 1)]
    assert not SettlementFailure.objects.exists()


def test_a_reading_without_the_day_before_is_not_settled(zj_tariff: str) -> None:
    a = enrol(1)
    add_readings(a, first_day=JAN1, daily_kwh=["5.00"])
    settle_day(day=JAN1, at=AT)
    add_readings(a, first_day=date(2025, 1, 3), daily_kwh=["5.00"])
    a.readings.filter(reading_date=date(2025, 1, 3)).update(energy_kwh=None)

    report = settle_day(day=date(2025, 1, 3), at=AT)

    assert report.failed == 1
    assert SettlementFailure.objects.get(account=a).code == "missing_previous_reading"


def test_tiers_carry_on_across_days_and_reset_in_a_new_year(zj_tariff: str) -> None:
    a = enrol(1, prepaid_since=date(2025, 12, 30), installed_on=date(2025, 12, 29))
    add_readings(a, first_day=date(2025, 12, 30), daily_kwh=["2700.00", "100.00", "100.00"])
    settle_through(through=date(2026, 1, 1), at=AT)
    charges = dict(Settlement.objects.filter(account=a).values_list("day", "charge_fen"))
    assert charges[date(2025, 12, 30)] == 145260  # 2700 × 0.538
    assert charges[date(2025, 12, 31)] == 5580  # 60 × 0.538 + 40 × 0.588, the issue's example
    assert charges[date(2026, 1, 1)] == 5380  # a new year starts at tier 1 again
    assert Settlement.objects.get(account=a, day=date(2026, 1, 1)).period_used_kwh == D("100.00")


@pytest.mark.postgres  # transactional: SQLite's flush would DELETE transfers, which the ledger refuses
@pytest.mark.django_db(transaction=True)
def test_batches_settled_by_parallel_workers_settle_every_account_once(zj_tariff: str) -> None:
    accounts = [enrol(n) for n in range(1, 12)]
    for account in accounts:
        add_readings(account, first_day=JAN1, daily_kwh=["2.50"])

    report = settle_day(day=JAN1, at=AT, batch_size=3, workers=3)
    again = settle_day(day=JAN1, at=AT, batch_size=3, workers=3)

    assert (report.settled, report.charged_fen) == (11, 11 * 135)  # 2.5 × 0.538 = 1.345 yuan
    assert again.settled == 0
    assert Settlement.objects.filter(day=JAN1).count() == 11
    assert recomputed_balances() == dict(LedgerAccount.objects.values_list("id", "balance_fen"))


def test_an_account_enrolled_mid_year_carries_its_tier_usage_into_settlement_and_bill(zj_tariff: str) -> None:
    june = date(2025, 6, 1)
    a = enrol(1, prepaid_since=june, installed_on=date(2025, 5, 31), opening_period_used_kwh=D("2700.00"))
    add_readings(a, first_day=june, daily_kwh=["100.00"] + ["10.00"] * 29)
    for offset in range(30):
        settle_day(day=june + timedelta(days=offset), at=AT)

    first = Settlement.objects.get(account=a, day=june)
    assert first.charge_fen == 5580  # 60 kWh to the 2760 bound at 0.538, then 40 at 0.588
    assert first.period_used_kwh == D("2800.00")
    bill = issue_monthly_bill(account_no=a.account_no, month=june, today=date(2025, 7, 2), at=AT)
    assert bill.adjustment_fen == 0
    assert bill.amount_fen == bill.daily_charges_fen == 5580 + 17052  # then 290 kWh × 0.588 = 170.52 yuan


def test_accounts_whose_reading_has_not_arrived_are_counted_not_settled(zj_tariff: str) -> None:
    a, late = enrol(1), enrol(2)
    enrol(3, prepaid_since=JAN1 + timedelta(days=5))  # not prepaid yet on the day: not counted
    add_readings(a, first_day=JAN1, daily_kwh=["10.00"])

    report = settle_day(day=JAN1, at=AT)

    assert (report.settled, report.failed, report.without_reading) == (1, 0, 1)
    assert not Settlement.objects.filter(account=late).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_whose_copy_meets_a_concurrent_runs_rows_retries_instead_of_crashing(zj_tariff: str) -> None:
    # Issue 20 point 3: the unique violation comes from the driver's COPY (psycopg's UniqueViolation), which the retry
    # must see as the IntegrityError it catches. The first run holds its settlements uncommitted until the second run's
    # COPY waits on them; the first then commits, and the second, refused by the unique key, re-reads and settles
    # nothing twice.
    accounts = [enrol(n) for n in range(1, 6)]
    for account in accounts:
        add_readings(account, first_day=JAN1, daily_kwh=["2.50"])
    copied, release = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def hold_after_copy(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if sql.startswith("COPY gridpay_settlement "):
            copied.set()
            release.wait(timeout=30)
        return result

    def run(name: str, *, hold: bool) -> None:
        try:
            if hold:
                with connection.execute_wrapper(hold_after_copy):
                    outcomes[name] = _settle_day(day=JAN1, at=AT, workers=1)
            else:
                outcomes[name] = _settle_day(day=JAN1, at=AT, workers=1)
        except Exception as error:  # the test reports what the run raised
            outcomes[name] = error
        finally:
            connection.close()

    first = threading.Thread(target=run, args=("first",), kwargs={"hold": True})
    first.start()
    assert copied.wait(timeout=30)
    second = threading.Thread(target=run, args=("second",), kwargs={"hold": False})
    second.start()
    second.join(timeout=2)  # its COPY waits on the first run's uncommitted rows
    assert second.is_alive()
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    reports = [outcomes["first"], outcomes["second"]]
    assert not [r for r in reports if isinstance(r, BaseException)], reports
    assert sorted(r.settled for r in reports) == [0, 5]  # type: ignore[union-attr]
    assert Settlement.objects.filter(day=JAN1).count() == 5
    assert recomputed_balances() == dict(LedgerAccount.objects.values_list("id", "balance_fen"))
