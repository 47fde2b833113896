"""The month's official bills of every prepaid account in one run (月度电费发行): each as the one-account bill would be,
accounts with an unsettled day left for later, nothing issued twice, and the two balances brought together."""

from datetime import date, datetime
from decimal import Decimal as D

import pytest

from gridpay.application.customers.show_account import show_account
from gridpay.application.settlement.catch_up_settlement import settle_through
from gridpay.application.settlement.issue_monthly_bill import BillRefused, issue_monthly_bill, issue_monthly_bills
from gridpay.data.ledger import misrecorded_balances
from gridpay.data.models import Account, LedgerAccount, MonthlyBill, Reading, Transfer
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI
from tests.support.readings import add_readings

pytestmark = pytest.mark.django_db
NOV = date(2025, 11, 1)
DEC1 = date(2025, 12, 1)
AT = datetime(2025, 12, 1, 2, 30, tzinfo=SHANGHAI)


@pytest.fixture
def november(zj_tariff: str) -> dict[str, str]:
    """Five households through November at 10 kWh a day (5.38 yuan at 0.538)."""
    whole = enrol(1, prepaid_since=NOV, installed_on=date(2025, 10, 31))
    corrected = enrol(2, prepaid_since=NOV, installed_on=date(2025, 10, 31))
    late_starter = enrol(3, prepaid_since=date(2025, 11, 20), installed_on=date(2025, 11, 19),
                         opening_period_used_kwh=D("2750.00"))  # its postpaid bills counted 2 750 kWh this year
    unread = enrol(4, prepaid_since=NOV, installed_on=date(2025, 10, 31))
    postpaid = enrol(5, mode="postpaid", installed_on=date(2025, 10, 31))
    for account in (whole, corrected, postpaid):
        add_readings(account, first_day=NOV, daily_kwh=["10.00"] * 30)
    add_readings(late_starter, first_day=date(2025, 11, 19), daily_kwh=["10.00"] * 12)
    add_readings(unread, first_day=NOV, daily_kwh=["10.00"] * 24)  # nothing from the 25th on
    settle_through(through=date(2025, 11, 30), at=AT)
    # The head-end resends 15 November: the household used 30 kWh more that day than first reported.
    Reading.objects.filter(account=corrected, reading_date=date(2025, 11, 15)).update(energy_kwh=D("40.00"))
    return {"whole": whole.account_no, "corrected": corrected.account_no, "late": late_starter.account_no,
            "unread": unread.account_no, "postpaid": postpaid.account_no}


def test_every_prepaid_account_is_billed_by_the_one_account_rule(november: dict[str, str]) -> None:
    run = issue_monthly_bills(month=NOV, today=DEC1, at=AT)

    bills = {b.account.account_no: b for b in MonthlyBill.objects.select_related("account")}
    assert set(bills) == {november["whole"], november["corrected"], november["late"]}
    assert (run.issued, run.unsettled, run.adjusted, run.adjustment_fen) == (3, 1, 1, 1_614)
    whole = bills[november["whole"]]
    assert (whole.energy_kwh, whole.amount_fen, whole.daily_charges_fen, whole.adjustment_fen) == (
        D("300.00"), 16_140, 16_140, 0)
    assert whole.adjustment is None
    corrected = bills[november["corrected"]]
    assert (corrected.amount_fen, corrected.daily_charges_fen, corrected.adjustment_fen) == (16_140 + 1_614, 16_140,
                                                                                                1_614)
    assert corrected.adjustment is not None and corrected.adjustment.amount_fen == 1_614
    # From 20 November, after the 2 750 kWh billed postpaid: 10 kWh at 0.538 to the 2 760 bound, then 0.588.
    late = bills[november["late"]]
    assert (late.energy_kwh, late.amount_fen) == (D("110.00"), 538 + 100 * 588 // 10)
    assert late.amount_fen == late.daily_charges_fen
    assert run.amount_fen == sum(b.amount_fen for b in bills.values())
    assert misrecorded_balances() == []


def test_the_one_account_bill_agrees_with_the_run(november: dict[str, str]) -> None:
    one = {key: issue_monthly_bill(account_no=november[key], month=NOV, today=DEC1, at=AT)
           for key in ("whole", "corrected", "late")}
    assert [(b.amount_fen, b.adjustment_fen) for b in one.values()] == [(16_140, 0), (17_754, 1_614), (6_418, 0)]
    with pytest.raises(BillRefused, match="未结算"):
        issue_monthly_bill(account_no=november["unread"], month=NOV, today=DEC1, at=AT)
    run = issue_monthly_bills(month=NOV, today=DEC1, at=AT)
    assert (run.issued, run.unsettled) == (0, 1), "the run bills only what is not billed yet"


def test_a_second_run_issues_nothing_twice_and_the_rest_once_settled(november: dict[str, str]) -> None:
    issue_monthly_bills(month=NOV, today=DEC1, at=AT)
    transfers = Transfer.objects.count()
    again = issue_monthly_bills(month=NOV, today=date(2025, 12, 2), at=AT)
    assert (again.issued, again.unsettled) == (0, 1) and Transfer.objects.count() == transfers

    unread = Account.objects.get(account_no=november["unread"])
    add_readings(unread, first_day=date(2025, 11, 25), daily_kwh=["10.00"] * 6)  # the late readings arrive
    settle_through(through=date(2025, 11, 30), at=AT)
    last = issue_monthly_bills(month=NOV, today=date(2025, 12, 3), at=AT)
    assert (last.issued, last.unsettled) == (1, 0)
    assert MonthlyBill.objects.get(account=unread).amount_fen == 16_140


def test_a_closed_account_waits_for_no_more_days(november: dict[str, str]) -> None:
    # The unread household's temporary supply ended on the 24th: its account is closed and will never be settled again.
    Account.objects.filter(account_no=november["unread"]).update(status="closed")
    run = issue_monthly_bills(month=NOV, today=DEC1, at=AT)
    assert (run.issued, run.unsettled) == (3, 0)
    assert not MonthlyBill.objects.filter(account__account_no=november["unread"]).exists()


def test_a_month_not_over_is_refused_whole(november: dict[str, str]) -> None:
    with pytest.raises(BillRefused, match="尚未结束"):
        issue_monthly_bills(month=NOV, today=date(2025, 11, 30), at=AT)
    assert not MonthlyBill.objects.exists()


def test_once_billed_the_two_balances_meet_and_later_days_part_them_again(november: dict[str, str]) -> None:
    before = show_account(account_no=november["whole"])
    assert (before.balance_fen - before.available_balance_fen, before.unbilled_since) == (16_140, NOV)
    issue_monthly_bills(month=NOV, today=DEC1, at=AT)
    after = show_account(account_no=november["whole"])
    assert after.balance_fen == after.available_balance_fen == 10_000 - 16_140
    assert (after.unbilled_charges_fen, after.last_bill_month) == (0, NOV)
    account = LedgerAccount.objects.get(code=f"customer:{november['whole']}")
    assert account.balance_fen == after.available_balance_fen
