"""Properties of a temporary supply's money on a real database, whatever the payments and days (hypothesis): the
ledger balances; paid − used − refunded is what the account holds at every step, and nothing (or what is owed) once
ended; it is connected exactly when the payments reach the estimate."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridpay.application.customers.install_builtin_meter_models import install_builtin_meter_models
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.settlement.settle_day import settle_day
from gridpay.application.temporary.end_temporary_supply import end_temporary_supply
from gridpay.application.temporary.register_temporary_supply import (
    TemporaryRegistration,
    register_temporary_supply,
)
from gridpay.application.temporary.show_temporary_supply import TemporaryView, show_temporary_supply
from gridpay.data import ledger as ledger_store
from gridpay.data.models import Account, LedgerAccount, MeterCommand
from gridpay.domain.staff_roles import Role
from tests.support.clock import local
from tests.support.readings import add_readings

pytestmark = pytest.mark.django_db
DAY = date(2025, 3, 3)
numbers = count(1)

events = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.integers(min_value=1, max_value=40_000)),
        st.tuples(st.just("day"), st.integers(min_value=0, max_value=8_000)),  # hundredths of a kWh
    ),
    max_size=14,
)


def check_money(view: TemporaryView, balance_fen: int) -> None:
    assert view.figures.left_fen == view.paid_fen - view.used_fen - view.refunded_fen == balance_fen
    assert sum(ledger_store.recomputed_balances().values()) == 0


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=events, estimate_kwh=st.integers(min_value=1, max_value=300), end_early=st.booleans())
def test_paid_less_used_less_refunded_is_what_is_left_and_nothing_or_owed_after_the_end(
    zj_tariff: str, events: list[tuple[str, int]], estimate_kwh: int, end_early: bool
) -> None:
    install_builtin_meter_models()
    number = next(numbers)
    view = register_temporary_supply(
        registration=TemporaryRegistration(
            account_no=f"3902{number:05d}", customer_name=f"集市{number}", tariff_code="zj-resident-2024",
            meter_no=f"P{number:08d}", dlt645_address=f"8{number:011d}", purpose="fair", planned_start=DAY,
            planned_end=DAY + timedelta(days=40), estimate_kwh=Decimal(estimate_kwh), meter_model="DDZY-2013",
        ),
        actor="li", roles={Role.CASHIER}, at=local(DAY, 9), business_day=DAY,
    )
    account = Account.objects.get(account_no=view.account_no)
    ledger = LedgerAccount.objects.get(id=account.ledger_account_id)
    day, paid, payments = DAY, 0, count(1)
    for kind, amount in events:
        if kind == "pay":
            record_payment(account_no=account.account_no, amount_fen=amount, channel="counter",
                           channel_txn_id=f"{number}-{next(payments)}", received_at=local(day, 12), business_day=day)
            paid += amount
        else:
            connected = show_temporary_supply(account_no=account.account_no, today=day).stage == "connected"
            # The relay is open until the connection: the meter does not move before.
            add_readings(account, first_day=day, daily_kwh=[Decimal(amount if connected else 0) / 100])
            settle_day(day=day, at=local(day + timedelta(days=1), 1))
            day += timedelta(days=1)
        view = show_temporary_supply(account_no=account.account_no, today=day)
        ledger.refresh_from_db()
        check_money(view, ledger.balance_fen)
        assert (view.stage == "connected") == (paid >= view.estimate_fen)
        assert view.paid_fen == paid

    end_day = day if end_early or day == DAY else day - timedelta(days=1)
    final = None
    if end_day == day and view.stage == "connected":
        last = account.meters.get().readings.order_by("-reading_date").first()
        final = (last.total_kwh if last else Decimal(0)) + Decimal("3.25")
    ended = end_temporary_supply(account_no=account.account_no, end_day=end_day, final_total_kwh=final, actor="li",
                                 roles={Role.CASHIER}, at=local(day, 17), today=day)
    ledger.refresh_from_db()
    check_money(ended, ledger.balance_fen)
    assert ended.figures.left_fen == -ended.owed_fen
    assert ended.refunded_fen == max(0, ended.paid_fen - ended.used_fen)
    assert ended.owed_fen == max(0, ended.used_fen - ended.paid_fen)
    assert Account.objects.get(id=account.id).status == "closed"
    disconnected = MeterCommand.objects.filter(account=account, action="disconnect").exists()
    assert disconnected == (ended.connected_at is not None)
    assert ledger_store.misrecorded_balances() == []
