"""The account view on a real database: particulars, balance, available balance, average and days left."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings

from gridpay.application.customers.show_account import AccountView, show_account
from gridpay.application.errors import UnknownAccount
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.settlement.catch_up_settlement import settle_through
from gridpay.application.settlement.issue_monthly_bill import issue_monthly_bill
from gridpay.data.models import Account, Meter
from tests.support.accounts import enrol
from tests.support.readings import add_readings

pytestmark = pytest.mark.django_db
AT = datetime(2025, 3, 1, tzinfo=UTC)
JAN1 = date(2025, 1, 1)


def test_a_new_account_has_only_its_opening_balance(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=10_000)

    assert show_account(account_no="3301000001") == AccountView(
        account_no="3301000001",
        customer_name="测试用户1",
        mode="prepaid",
        status="active",
        supply_state="connected",
        protected=False,
        protected_reason="",
        village=None,
        transformer_area="",
        tariff_code="zj-resident-2024",
        meter_no="M00000001",
        balance_fen=10_000,
        available_balance_fen=10_000,
        last_settled_day=None,
        average_daily_charge_fen=None,
        days_left=None,
        unbilled_charges_fen=0,
        unbilled_since=None,
        last_bill_month=None,
        bills_owed_fen=0,
        arrears_stage=None,
    )


def test_daily_charges_lower_the_available_balance_until_the_bill(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=10_000)
    account = Account.objects.get(account_no="3301000001")
    add_readings(account, first_day=JAN1, daily_kwh=["10.00"] * 10)  # 10 kWh × 0.538 = 538 fen a day
    settle_through(through=date(2025, 1, 10), at=AT)

    view = show_account(account_no="3301000001")

    assert view.available_balance_fen == 10_000 - 10 * 538
    assert view.balance_fen == 10_000  # no bill yet: every settled charge is still unbilled
    assert (view.unbilled_charges_fen, view.unbilled_since, view.last_bill_month) == (10 * 538, JAN1, None)
    assert view.last_settled_day == date(2025, 1, 10)
    assert view.average_daily_charge_fen == 538
    assert view.days_left == (10_000 - 10 * 538) // 538


def test_after_the_monthly_bill_only_later_charges_are_unbilled(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=10_000)
    account = Account.objects.get(account_no="3301000001")
    add_readings(account, first_day=JAN1, daily_kwh=["5.00"] * 34)  # January and 1-3 February, 269 fen a day
    settle_through(through=date(2025, 2, 3), at=AT)
    issue_monthly_bill(account_no="3301000001", month=JAN1, today=date(2025, 2, 4), at=AT)
    record_payment(
        account_no="3301000001",
        amount_fen=20_000,
        channel="wechat",
        channel_txn_id="wx-1",
        received_at=AT,
        business_day=date(2025, 2, 4),
    )

    view = show_account(account_no="3301000001")

    available = 10_000 - 34 * 269 + 20_000
    assert view.available_balance_fen == available
    assert view.balance_fen == available + 3 * 269  # February's three days are not billed yet
    assert (view.unbilled_charges_fen, view.unbilled_since, view.last_bill_month) == (3 * 269, date(2025, 2, 1), JAN1)
    assert view.average_daily_charge_fen == 269
    assert view.days_left == available // 269


def test_the_average_covers_the_configured_number_of_days(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=10_000)
    account = Account.objects.get(account_no="3301000001")
    add_readings(account, first_day=JAN1, daily_kwh=["20.00", "20.00", "1.00", "3.00"])
    settle_through(through=date(2025, 1, 4), at=AT)

    with override_settings(GRIDPAY=replace(settings.GRIDPAY, average_days=2)):
        view = show_account(account_no="3301000001")

    assert view.average_daily_charge_fen == 108  # the last two days: (54 + 161) / 2 = 107.5 fen, 四舍五入
    assert view.days_left == view.available_balance_fen // 108


def test_no_meter_is_shown_once_the_meter_is_removed(zj_tariff: str) -> None:
    enrol(1)
    Meter.objects.filter(meter_no="M00000001").update(removed_on=JAN1, final_total_kwh=Decimal("12.00"))
    assert show_account(account_no="3301000001").meter_no is None


def test_an_unknown_account_is_an_error_with_a_code(zj_tariff: str) -> None:
    with pytest.raises(UnknownAccount) as unknown:
        show_account(account_no="3301099999")
    assert (unknown.value.code, unknown.value.field) == ("unknown_account", "account_no")


def test_a_postpaid_account_shows_what_its_bills_owe_and_its_arrears_stage(zj_tariff: str) -> None:
    from gridpay.application.postpaid.issue_bills import issue_bills
    from gridpay.application.postpaid.open_arrears_cases import open_arrears_cases


    account = enrol(2, mode="postpaid", opening_balance_fen=0)
    add_readings(account, first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 25)
    issue_bills(day=date(2025, 1, 25), at=datetime(2025, 1, 25, 18, tzinfo=UTC))
    open_arrears_cases(day=date(2025, 2, 10), at=datetime(2025, 2, 10, 1, tzinfo=UTC))

    view = show_account(account_no=account.account_no)

    assert (view.mode, view.bills_owed_fen, view.arrears_stage) == ("postpaid", 13_450, "overdue")
