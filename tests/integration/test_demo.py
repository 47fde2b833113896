"""The demo town on a real database: 码头镇's villages, accounts, readings, settlements and payments that add up."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count, Sum

from gridpay.data.ledger import recomputed_balances
from gridpay.data.models import (
    Account,
    ArrearsCase,
    AuditRecord,
    BillPayment,
    LateFeeCharge,
    LedgerAccount,
    Meter,
    MeterCommand,
    MonthlyBill,
    Payment,
    PostpaidBill,
    Reading,
    Settlement,
    Transfer,
    Village,
)
from gridpay.demo import simulate_days as simulate_module
from gridpay.demo.build_demo_town import (
    DEFAULT_SEED,
    DemoPlan,
    DemoTown,
    DemoTownMismatch,
    InvalidDemoPlan,
    build_demo_town,
    local_instant,
    plan_demo,
)
from gridpay.demo.households import Household, payment_on, postpaid_pay_day, postpaid_payment_on
from gridpay.demo.postpaid_round import MORNING_JOB_MINUTE
from gridpay.demo.simulate_days import SimulationReport, simulate_days
from gridpay.demo.summary import demo_summary
from gridpay.demo.villages import TOWN, postpaid_village_count, scheduled_villages
from gridpay.domain.arrears_procedure import Stage
from gridpay.domain.money import format_yuan
from gridpay.interfaces.cli.management.commands.demo import print_summary
from tests.support.accounts import enrol

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 20)
NOW = datetime(2025, 3, 20, 3, 0, tzinfo=UTC)
START = date(2025, 3, 1)
HOUSEHOLDS, DAYS, SEED = 30, 10, 3  # seed 3 pays on the last day and leaves an account below zero
# The schedule's last four villages have not converted to smart payment: their households are postpaid.
POSTPAID_VILLAGES = [v.name for v in scheduled_villages()[-4:]]
# Long enough for the bills of a reading day to fall due, their cases to be opened and the procedure to reach
# execution, and for late payers to pay before it (the case closes) and after it (reconnected).
POSTPAID_START, POSTPAID_DAYS, POSTPAID_HOUSEHOLDS = date(2025, 1, 2), 60, 60


def run(
    *, households: int | None = HOUSEHOLDS, days: int = DAYS, seed: int = SEED, start: date = START
) -> tuple[DemoTown, SimulationReport]:
    plan = plan_demo(households=households, days=days, seed=seed, start=start, today=TODAY)
    town = build_demo_town(plan=plan, now=NOW)
    return town, simulate_days(town=town, now=NOW)


def run_postpaid(*, households: int | None = POSTPAID_HOUSEHOLDS, days: int = POSTPAID_DAYS) -> SimulationReport:
    return run(households=households, days=days, seed=DEFAULT_SEED, start=POSTPAID_START)[1]


def state() -> tuple[object, ...]:
    return (
        Reading.objects.count(),
        Settlement.objects.count(),
        Payment.objects.count(),
        Transfer.objects.count(),
        sorted(LedgerAccount.objects.values_list("id", "balance_fen")),
        sorted(PostpaidBill.objects.values_list("id", "principal_paid_fen", "late_fee_fen", "paid_off_on")),
        LateFeeCharge.objects.count(),
        sorted(ArrearsCase.objects.values_list("id", "stage")),
        AuditRecord.objects.count(),
        MeterCommand.objects.count(),
    )


def prepaid_count() -> int:
    return Account.objects.filter(mode="prepaid").count()


def test_a_small_demo_fills_the_25_villages_and_its_books_balance() -> None:
    town, report = run()

    assert town.enrolled == HOUSEHOLDS
    assert Village.objects.filter(town=TOWN).count() == 25
    per_village = Account.objects.filter(village__town=TOWN).values("village").annotate(n=Count("id"))
    assert len(per_village) == 25
    prepaid = Account.objects.filter(prepaid_since=START, mode="prepaid")
    postpaid = Account.objects.filter(prepaid_since__isnull=True, mode="postpaid")
    assert prepaid.count() + postpaid.count() == HOUSEHOLDS and postpaid.count() > 0
    assert set(postpaid.values_list("village__name", flat=True)) == set(POSTPAID_VILLAGES)
    installed = Meter.objects.filter(installed_on=START - timedelta(days=1), start_total_kwh__gt=0)
    assert installed.count() == HOUSEHOLDS
    # One reading a day from the day the meters were installed (the day before the first); the prepaid ones settled.
    assert Reading.objects.count() == HOUSEHOLDS * (DAYS + 1)
    assert Settlement.objects.count() == prepaid.count() * DAYS
    # Reading days spread over the month; the postpaid villages' are billed (码四村 on the 5th).
    assert set(Village.objects.values_list("reading_day", flat=True)) == {5, 15, 25}
    assert PostpaidBill.objects.filter(reading_date=date(2025, 3, 5)).count() == postpaid.filter(
        village__reading_day=5).count() > 0
    assert report.readings_rejected == 0 and report.settlement_failed == 0
    assert Payment.objects.exists()

    cached = dict(LedgerAccount.objects.values_list("id", "balance_fen"))
    recomputed = recomputed_balances()
    assert {k: v for k, v in cached.items() if v} == {k: v for k, v in recomputed.items() if v}
    assert sum(recomputed.values()) == 0


def test_the_month_that_ends_is_billed_and_the_two_balances_meet_at_its_end() -> None:
    from gridpay.application.customers.show_account import show_account

    run(days=4, start=date(2025, 2, 26))  # 26 February to 1 March

    bills = MonthlyBill.objects.all()
    assert bills.count() == prepaid_count() > 0
    assert set(bills.values_list("month", flat=True)) == {date(2025, 2, 1)}
    february = dict(Settlement.objects.filter(day__lt=date(2025, 3, 1)).values("account").annotate(
        total=Sum("charge_fen")).values_list("account", "total"))
    assert {b.account_id: b.amount_fen for b in bills} == february
    assert not bills.exclude(adjustment_fen=0).exists()
    for account_no, account_id in Account.objects.filter(mode="prepaid").values_list("account_no", "id")[:5]:
        view = show_account(account_no=account_no)
        march = Settlement.objects.get(account_id=account_id, day=date(2025, 3, 1)).charge_fen
        assert view.balance_fen - view.available_balance_fen == view.unbilled_charges_fen == march
    run(days=4, start=date(2025, 2, 26))
    assert MonthlyBill.objects.count() == prepaid_count(), "a second run bills nothing twice"


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
    assert summary.postpaid.accounts == Account.objects.filter(mode="postpaid").count() > 0
    assert [v.village for v in summary.villages if v.postpaid] == POSTPAID_VILLAGES
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


def payments_follow_the_households_rules(town: DemoTown, *, seed: int = SEED) -> None:
    """Each day's payments are exactly those the households' rules call for, given that morning's balances (and a
    postpaid household's bills)."""
    ledger_of = dict(Account.objects.values_list("account_no", "ledger_account_id"))
    for offset in range(town.plan.days):
        day = town.plan.first_day + timedelta(days=offset)
        balances = recomputed_balances_before(day)
        wanted = set()
        for h in town.households:
            if h.postpaid:
                planned = postpaid_payment_wanted(h, day=day, seed=seed)
            else:
                balance = balances.get(ledger_of[h.account_no], 0)
                planned = payment_on(household=h, day=day, balance_fen=balance, seed=seed)
            if planned is not None:
                wanted.add((h.account_no, planned.channel, planned.channel_txn_id, planned.amount_fen))
        recorded = set(
            Payment.objects.filter(business_day=day).values_list(
                "account__account_no", "channel", "channel_txn_id", "amount_fen"
            )
        )
        assert recorded == wanted, day


def postpaid_payment_wanted(household: Household, *, day: date, seed: int) -> Any:
    """A postpaid household pays on the pay day of a bill still open that morning what it owed after the morning's
    bills and late fees: worked out here from the bills, their late fees and what paid them, not the ledger."""
    morning = min(local_instant(day, minute=MORNING_JOB_MINUTE), NOW)
    bills = PostpaidBill.objects.filter(account__account_no=household.account_no, issued_at__lte=morning)
    due = [
        pay_day
        for reading_date, due_on, paid_off_on in bills.values_list("reading_date", "due_on", "paid_off_on")
        if paid_off_on is None or paid_off_on >= day
        if (pay_day := postpaid_pay_day(household=household, reading_date=reading_date, due_on=due_on, seed=seed))
        is not None
    ]
    if not due or min(due) > day:
        return None
    charged = sum(bills.values_list("amount_fen", flat=True)) + sum(
        LateFeeCharge.objects.filter(bill__in=bills, through__lte=day).values_list("amount_fen", flat=True))
    paid = sum(p + f for p, f in BillPayment.objects.filter(bill__in=bills, business_day__lt=day).values_list(
        "principal_fen", "late_fee_fen"))
    return postpaid_payment_on(household=household, day=day, owed_fen=charged - paid, seed=seed)


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
    assert Settlement.objects.count() == prepaid_count() * DAYS
    payments_follow_the_households_rules(town)


def test_more_days_continue_where_the_town_stopped() -> None:
    run(days=4)

    town, report = run(households=None, days=DAYS)

    assert [d.already_simulated for d in report.days] == [True] * 4 + [False] * (DAYS - 4)
    assert Settlement.objects.count() == prepaid_count() * DAYS
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
    assert plan == DemoPlan(households=3000, days=60, seed=SEED, first_day=date(2025, 1, 19), existing_accounts=0,
                            postpaid_villages=4)
    assert plan.last_day == date(2025, 3, 19)
    with pytest.raises(InvalidDemoPlan):
        plan_demo(households=None, days=60, seed=SEED, start=date(2025, 2, 1), today=TODAY)
    with pytest.raises(InvalidDemoPlan):
        plan_demo(households=0, days=10, seed=SEED, start=None, today=TODAY)


def test_the_postpaid_villages_are_billed_pay_late_and_go_through_the_arrears_procedure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    town, report = run(households=POSTPAID_HOUSEHOLDS, days=POSTPAID_DAYS, seed=DEFAULT_SEED, start=POSTPAID_START)

    assert report.procedure_refused == [] and report.settlement_failed == report.readings_rejected == 0
    postpaid = Account.objects.filter(mode="postpaid")
    assert set(postpaid.values_list("village__name", flat=True)) == set(POSTPAID_VILLAGES)
    assert postpaid.filter(category="other").exists() and postpaid.filter(important=True).count() == 1
    assert not Settlement.objects.filter(account__in=postpaid).exists()
    # Each postpaid account is billed on its village's reading day of every month (the bill of the last day's
    # reading comes the next morning).
    last_day = POSTPAID_START + timedelta(days=POSTPAID_DAYS - 1)
    for account in postpaid.select_related("village"):
        reading_days = [POSTPAID_START + timedelta(days=n) for n in range(POSTPAID_DAYS)]
        wanted = [d for d in reading_days if d.day == account.village.reading_day and d < last_day]  # type: ignore[union-attr]
        assert list(account.postpaid_bills.order_by("reading_date").values_list("reading_date", flat=True)) == wanted

    figures = demo_summary().postpaid
    bills = PostpaidBill.objects.aggregate(n=Count("id"), fen=Sum("amount_fen"))
    paid = BillPayment.objects.aggregate(principal=Sum("principal_fen"), fee=Sum("late_fee_fen"))
    assert (figures.accounts, figures.bills, figures.billed_fen) == (postpaid.count(), bills["n"], bills["fen"])
    assert figures.paid_fen == paid["principal"] + paid["fee"] and figures.late_fee_paid_fen == paid["fee"] > 0
    assert figures.late_fee_fen == LateFeeCharge.objects.aggregate(fen=Sum("amount_fen"))["fen"] > 0
    assert figures.cases == {Stage(s): n for s, n in ArrearsCase.objects.values_list("stage").annotate(
        n=Count("id")).order_by()}
    # Late payers paid before execution (the case closed, nothing executed) and after it (reconnected).
    assert figures.cases.get(Stage.CLOSED_PAID, 0) >= 1 and figures.cases.get(Stage.RECONNECTED, 0) >= 1
    assert figures.executions == figures.remote_executions == ArrearsCase.objects.filter(
        executed_at__isnull=False).count() >= 2
    assert figures.reconnections == ArrearsCase.objects.filter(reconnected_at__isnull=False).count() >= 1
    for case in ArrearsCase.objects.filter(executed_at__isnull=False).select_related("disconnect_command"):
        assert case.red_at is not None and case.red_planned_at is not None and case.phone_at is not None
        days = 7 if case.residential else 3
        assert (case.red_planned_at.date() - case.red_at.date()).days >= days
        assert case.red_planned_at <= case.executed_at and case.phone_at <= case.executed_at - timedelta(minutes=30)
        assert case.executed_by == "计量班老李（metering）" and case.disconnect_command.status == "confirmed"
        assert case.approved_by == ("营销部张科长（company）" if case.important else "所长王明（head）")
    closed = ArrearsCase.objects.filter(stage=Stage.CLOSED_PAID)
    assert all(case.executed_at is None and case.closed_by == "system" for case in closed)
    payments_follow_the_households_rules(town, seed=DEFAULT_SEED)
    print_summary(demo_summary(), database="gridpay.sqlite3")
    shown = capsys.readouterr().out
    assert f"后付费        {figures.accounts} 户（非居民 {figures.other} 户，重要用户 1 户）" in shown
    assert "刘林村（15 日）、高山村（25 日）、码四村（5 日）、码头社区（15 日）" in shown and "码头社区*" in shown
    assert f"电费账单      {figures.bills} 张 {format_yuan(figures.billed_fen)} 元" in shown
    assert f"  执行前已交清，未停电：{figures.cases[Stage.CLOSED_PAID]} 件" in shown
    assert f"  已复电：{figures.cases[Stage.RECONNECTED]} 件" in shown
    assert f"催费停电      执行 {figures.executions} 次" in shown

    before, summary = state(), demo_summary()
    again = run_postpaid(households=None)

    assert all(day.already_simulated for day in again.days)
    assert state() == before and demo_summary() == summary


def test_an_interrupted_day_of_the_procedure_is_finished_without_a_step_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    from gridpay.demo import postpaid_round

    # A red notice in the morning, its approval in the afternoon, the bills paid in full that evening.
    day = date(2025, 2, 17)
    days = (day - POSTPAID_START).days + 1
    run_postpaid(days=days - 1)
    real_take = postpaid_round.take_arrears_step

    def stop_at_the_approval(**kwargs: Any) -> Any:
        if type(kwargs["request"]).__name__ == "Approve" and kwargs["at"].date() == day:
            raise Interrupted
        return real_take(**kwargs)

    monkeypatch.setattr(postpaid_round, "take_arrears_step", stop_at_the_approval)
    with pytest.raises(Interrupted):
        run_postpaid(days=days)
    red = ArrearsCase.objects.get(red_at__date=day)
    assert red.stage == Stage.RED_NOTICE
    monkeypatch.undo()

    town, report = run(households=None, days=days, seed=DEFAULT_SEED, start=POSTPAID_START)

    assert [d.already_simulated for d in report.days] == [True] * (days - 1) + [False]
    assert report.procedure_refused == [] and report.days[-1].procedure_steps == 1  # the approval only
    red.refresh_from_db()
    assert red.approved_at is not None and red.red_at.date() == red.approved_at.date() == day
    assert red.stage == Stage.CLOSED_PAID and red.closed_at > red.approved_at
    steps = AuditRecord.objects.filter(action__startswith="arrears.").values_list("target", "action", "actor")
    assert len(steps) == len(set(steps))
    payments_follow_the_households_rules(town, seed=DEFAULT_SEED)


def test_the_villages_not_converted_by_the_last_day_are_postpaid_within_bounds_and_kept() -> None:
    villages = scheduled_villages()
    assert postpaid_village_count(villages, last_day=date(2024, 8, 20)) == 5  # September's four and October's one
    assert postpaid_village_count(villages, last_day=date(2024, 3, 31)) == 6  # none converted yet: the last six
    assert postpaid_village_count(villages, last_day=date(2025, 3, 10)) == 4  # all converted: the last four

    plan = plan_demo(households=HOUSEHOLDS, days=3, seed=SEED, start=date(2024, 8, 1), today=TODAY)
    assert plan.postpaid_villages == 5
    simulate_days(town=build_demo_town(plan=plan, now=NOW), now=NOW)
    assert set(Account.objects.filter(mode="postpaid").values_list("village__name", flat=True)) == {
        v.name for v in villages[-5:]}

    # Continued through yesterday, long after those villages' rollout months: the town keeps its postpaid villages.
    assert plan_demo(households=None, days=None, seed=SEED, start=None, today=TODAY).postpaid_villages == 5
