"""The demo town on a real database: 码头镇's villages, accounts, readings, settlements and payments that add up."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count, Sum

from gridpay.data.ledger import recomputed_balances
from gridpay.data.models import Account, LedgerAccount, Meter, Payment, Reading, Settlement, Transfer, Village
from gridpay.demo import simulate_days as simulate_module
from gridpay.demo.build_demo_town import (
    DemoPlan,
    DemoTown,
    DemoTownMismatch,
    InvalidDemoPlan,
    build_demo_town,
    plan_demo,
)
from gridpay.demo.households import payment_on
from gridpay.demo.simulate_days import SimulationReport, simulate_days
from gridpay.demo.summary import demo_summary
from gridpay.demo.villages import TOWN
from tests.support.accounts import enrol

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 20)
NOW = datetime(2025, 3, 20, 3, 0, tzinfo=UTC)
START = date(2025, 3, 1)
HOUSEHOLDS, DAYS, SEED = 30, 10, 14  # seed 14 pays on the last day and leaves an account below zero


def run(
    *, households: int | None = HOUSEHOLDS, days: int = DAYS, seed: int = SEED
) -> tuple[DemoTown, SimulationReport]:
    plan = plan_demo(households=households, days=days, seed=seed, start=START, today=TODAY)
    town = build_demo_town(plan=plan, now=NOW)
    return town, simulate_days(town=town, now=NOW)


def state() -> tuple[int, int, int, int, list[tuple[int, int]]]:
    return (
        Reading.objects.count(),
        Settlement.objects.count(),
        Payment.objects.count(),
        Transfer.objects.count(),
        sorted(LedgerAccount.objects.values_list("id", "balance_fen")),
    )


def test_a_small_demo_fills_the_25_villages_and_its_books_balance() -> None:
    town, report = run()

    assert town.enrolled == HOUSEHOLDS
    assert Village.objects.filter(town=TOWN).count() == 25
    per_village = Account.objects.filter(village__town=TOWN).values("village").annotate(n=Count("id"))
    assert len(per_village) == 25
    assert Account.objects.filter(prepaid_since=START, mode="prepaid").count() == HOUSEHOLDS
    installed = Meter.objects.filter(installed_on=START - timedelta(days=1), start_total_kwh__gt=0)
    assert installed.count() == HOUSEHOLDS
    # One reading a day from the day the meters were installed (the day before the first), all settled.
    assert Reading.objects.count() == HOUSEHOLDS * (DAYS + 1)
    assert Settlement.objects.count() == HOUSEHOLDS * DAYS
    assert report.readings_rejected == 0 and report.settlement_failed == 0
    assert Payment.objects.exists()

    cached = dict(LedgerAccount.objects.values_list("id", "balance_fen"))
    recomputed = recomputed_balances()
    assert {k: v for k, v in cached.items() if v} == {k: v for k, v in recomputed.items() if v}
    assert sum(recomputed.values()) == 0


def test_the_summary_equals_the_sums_queried_independently() -> None:
    run()

    summary = demo_summary()

    settled = Settlement.objects.aggregate(energy=Sum("energy_kwh"), charged=Sum("charge_fen"))
    paid = Payment.objects.aggregate(n=Count("id"), amount=Sum("amount_fen"))
    assert summary.accounts == Account.objects.count() == HOUSEHOLDS
    assert summary.energy_kwh == settled["energy"] > Decimal(0)
    assert summary.settled_fen == settled["charged"] > 0
    assert summary.settled_fen == sum(Transfer.objects.filter(kind="settlement").values_list("amount_fen", flat=True))
    assert (summary.payments, summary.paid_fen) == (paid["n"], paid["amount"])
    customers = LedgerAccount.objects.filter(code__startswith="customer:")
    assert summary.below_zero == customers.filter(balance_fen__lt=0).count() > 0
    assert (summary.first_day, summary.last_day) == (START, date(2025, 3, 10))
    assert [v.village for v in summary.villages][:2] == ["铺前村", "内柯村"]
    assert summary.villages[0].grid_staff == "陈嘉涵"
    for v in summary.villages:
        accounts = Account.objects.filter(village__name=v.village)
        assert v.accounts == accounts.count()
        assert v.settled_fen == sum(
            Settlement.objects.filter(account__in=accounts).values_list("charge_fen", flat=True)
        )
        assert v.paid_fen == sum(Payment.objects.filter(account__in=accounts).values_list("amount_fen", flat=True))
    assert sum(v.energy_kwh for v in summary.villages) == summary.energy_kwh


def test_running_the_demo_again_changes_nothing() -> None:
    run()
    before, summary = state(), demo_summary()

    town, report = run(households=None)

    assert town.enrolled == 0
    assert all(day.already_simulated for day in report.days)
    assert state() == before
    assert demo_summary() == summary


def payments_follow_the_households_rules(town: DemoTown) -> None:
    """Each day's payments are exactly those the households' rules call for, given that morning's balances."""
    ledger_of = dict(Account.objects.values_list("account_no", "ledger_account_id"))
    for offset in range(town.plan.days):
        day = town.plan.first_day + timedelta(days=offset)
        balances = recomputed_balances_before(day)
        wanted = set()
        for h in town.households:
            planned = payment_on(household=h, day=day, balance_fen=balances.get(ledger_of[h.account_no], 0), seed=SEED)
            if planned is not None:
                wanted.add((h.account_no, planned.channel, planned.channel_txn_id, planned.amount_fen))
        recorded = set(
            Payment.objects.filter(business_day=day).values_list(
                "account__account_no", "channel", "channel_txn_id", "amount_fen"
            )
        )
        assert recorded == wanted, day


def recomputed_balances_before(day: date) -> dict[int, int]:
    balances: dict[int, int] = {}
    for debit, credit, amount in Transfer.objects.filter(business_day__lt=day).values_list(
        "debit_id", "credit_id", "amount_fen"
    ):
        balances[credit] = balances.get(credit, 0) + amount
        balances[debit] = balances.get(debit, 0) - amount
    return balances


def test_payments_are_what_the_households_rules_call_for() -> None:
    town, _ = run()
    assert Payment.objects.count() > 0
    payments_follow_the_households_rules(town)


class Interrupted(Exception):
    pass


def test_an_interrupted_day_is_finished_without_paying_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    run(days=DAYS - 1)
    last_day = date(2025, 3, 10)
    real_record = simulate_module.record_readings

    def record_until_the_last_day(**kwargs: Any) -> Any:
        readings = list(kwargs.pop("readings"))
        if readings and readings[0][1].day == last_day:
            raise Interrupted
        return real_record(readings=readings, **kwargs)

    # The run stops after the last day's payments, before its readings arrive.
    monkeypatch.setattr(simulate_module, "record_readings", record_until_the_last_day)
    with pytest.raises(Interrupted):
        run()
    paid_before = list(Payment.objects.filter(business_day=last_day).values_list("channel_txn_id", "amount_fen"))
    assert paid_before
    monkeypatch.undo()

    town, report = run(households=None)

    assert [d.already_simulated for d in report.days] == [True] * (DAYS - 1) + [False]
    assert sorted(Payment.objects.filter(business_day=last_day).values_list("channel_txn_id", "amount_fen")) == sorted(
        paid_before
    )
    assert Settlement.objects.count() == HOUSEHOLDS * DAYS
    payments_follow_the_households_rules(town)


def test_more_days_continue_where_the_town_stopped() -> None:
    run(days=4)

    town, report = run(households=None, days=DAYS)

    assert [d.already_simulated for d in report.days] == [True] * 4 + [False] * (DAYS - 4)
    assert Settlement.objects.count() == HOUSEHOLDS * DAYS
    assert demo_summary().last_day == date(2025, 3, 10)
    payments_follow_the_households_rules(town)


def test_a_demo_town_of_other_parameters_is_refused() -> None:
    run()
    with pytest.raises(DemoTownMismatch):
        run(households=None, seed=SEED + 1)
    with pytest.raises(DemoTownMismatch):
        run(households=HOUSEHOLDS - 1)
    with pytest.raises(DemoTownMismatch):
        plan_demo(households=None, days=DAYS, seed=SEED, start=date(2025, 2, 1), today=TODAY)


def test_a_database_with_other_accounts_is_refused(zj_tariff: str) -> None:
    enrol(1)
    plan = plan_demo(households=HOUSEHOLDS, days=DAYS, seed=SEED, start=START, today=TODAY)
    with pytest.raises(DemoTownMismatch):
        build_demo_town(plan=plan, now=NOW)
    assert Account.objects.count() == 1


def test_a_demo_town_continues_through_yesterday_by_default() -> None:
    run(days=4)
    plan = plan_demo(households=None, days=None, seed=SEED, start=None, today=TODAY)
    assert (plan.households, plan.first_day, plan.last_day) == (HOUSEHOLDS, START, date(2025, 3, 19))
    with pytest.raises(InvalidDemoPlan):
        plan_demo(households=None, days=DAYS + 10, seed=SEED, start=None, today=TODAY)


def test_the_default_plan_ends_yesterday_and_never_reaches_today() -> None:
    plan = plan_demo(households=None, days=None, seed=SEED, start=None, today=TODAY)
    assert plan == DemoPlan(households=3000, days=60, seed=SEED, first_day=date(2025, 1, 19), existing_accounts=0)
    assert plan.last_day == date(2025, 3, 19)
    with pytest.raises(InvalidDemoPlan):
        plan_demo(households=None, days=60, seed=SEED, start=date(2025, 2, 1), today=TODAY)
    with pytest.raises(InvalidDemoPlan):
        plan_demo(households=0, days=10, seed=SEED, start=None, today=TODAY)
