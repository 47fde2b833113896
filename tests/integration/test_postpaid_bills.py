"""Postpaid bills on a real database: issued on the reading day once, paid oldest first, late fees charged daily."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridpay.application.errors import NotAllowed
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.postpaid.accrue_late_fees import accrue_late_fees
from gridpay.application.postpaid.issue_bills import issue_bills
from gridpay.application.postpaid.show_bill import postpaid_bill_of
from gridpay.application.postpaid.waive_late_fee import WaiverRefused, waive_late_fee
from gridpay.data.ledger import misrecorded_balances, recomputed_balances
from gridpay.data.models import Account, AreaReadingDay, AuditRecord, BillPayment, LedgerAccount, PostpaidBill, Village
from gridpay.domain.late_fees import CustomerCategory, LateFeeRates, late_fee
from gridpay.domain.postpaid_bills import unpaid_from
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.readings import add_readings

pytestmark = pytest.mark.django_db
JAN1 = date(2025, 1, 1)
JAN25 = date(2025, 1, 25)
AT = datetime(2025, 1, 25, 2, tzinfo=UTC)


def postpaid(number: int, **kwargs: object) -> Account:
    return enrol(number, mode="postpaid", opening_balance_fen=0, **kwargs)  # type: ignore[arg-type]


def balance(code: str) -> int:
    return LedgerAccount.objects.get(code=code).balance_fen


def pay(account: Account, fen: int, day: date, txn: str) -> int:
    return record_payment(account_no=account.account_no, amount_fen=fen, channel="counter", channel_txn_id=txn,
                          received_at=datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=3),
                          business_day=day).available_balance_fen


def ledger_is_whole() -> None:
    cached = dict(LedgerAccount.objects.values_list("id", "balance_fen"))
    assert recomputed_balances() == {k: v for k, v in cached.items() if v or k in recomputed_balances()}
    assert sum(cached.values()) == 0
    assert misrecorded_balances() == []


def test_the_reading_day_bills_the_energy_since_the_first_reading(zj_tariff: str) -> None:
    a = postpaid(1)
    add_readings(a, first_day=JAN1, daily_kwh=["10.00"] * 25)

    report = issue_bills(day=JAN25, at=AT)

    assert (report.due, report.issued, report.without_reading) == (1, 1, [])
    bill = PostpaidBill.objects.get(account=a)
    # 25 days × 10 kWh in the first tier at 0.538 yuan: 134.50 yuan.
    assert (bill.energy_kwh, bill.amount_fen) == (Decimal("250.00"), 13_450)
    assert (bill.period_from, bill.reading_date, bill.due_on) == (JAN1, JAN25, date(2025, 2, 9))
    assert bill.bill_no == f"202501{a.account_no}"
    assert balance(f"receivable:{a.account_no}") == -13_450
    assert balance("revenue:electricity") == 13_450
    ledger_is_whole()


def test_running_the_day_again_issues_nothing(zj_tariff: str) -> None:
    a = postpaid(1)
    add_readings(a, first_day=JAN1, daily_kwh=["10.00"] * 25)
    issue_bills(day=JAN25, at=AT)

    again = issue_bills(day=JAN25, at=AT)

    assert (again.due, again.issued) == (0, 0)
    assert PostpaidBill.objects.count() == 1
    assert balance("revenue:electricity") == 13_450


def test_the_next_month_bills_from_the_day_after_the_last_reading_day_and_counts_its_tiers(zj_tariff: str) -> None:
    a = postpaid(1)
    # The first 2 760 kWh of a year are the first tier: 60 kWh a day for 25 days, then the next month crosses it.
    add_readings(a, first_day=JAN1, daily_kwh=["60.00"] * 56)
    issue_bills(day=JAN25, at=AT)

    issue_bills(day=date(2025, 2, 25), at=AT)

    february = PostpaidBill.objects.get(account=a, month=date(2025, 2, 1))
    assert (february.period_from, february.energy_kwh) == (date(2025, 1, 26), Decimal("1860.00"))
    # January billed 1 500 kWh: 1 260 of February's are left in the first tier at 0.538 (677.88 yuan), the other
    # 600 at the second tier's 0.588 (352.80 yuan).
    assert february.amount_fen == 67_788 + 35_280
    assert [line["tier"] for line in february.lines] == [1, 2]


def test_an_account_without_the_days_reading_is_listed_not_billed(zj_tariff: str) -> None:
    a, b = postpaid(1), postpaid(2)
    add_readings(a, first_day=JAN1, daily_kwh=["10.00"] * 25)
    add_readings(b, first_day=JAN1, daily_kwh=["10.00"] * 24)

    report = issue_bills(day=JAN25, at=AT)

    assert report.issued == 1 and report.without_reading == [b.account_no]
    assert not PostpaidBill.objects.filter(account=b).exists()


def test_reading_days_come_from_the_transformer_area_before_the_village(zj_tariff: str) -> None:
    Village.objects.create(name="东村", town="测试镇", reading_day=10)
    a = postpaid(1, village="东村")
    b = postpaid(2, village="东村")
    Account.objects.filter(id=b.id).update(transformer_area="东村1号变")
    AreaReadingDay.objects.create(transformer_area="东村1号变", reading_day=12)
    for account in (a, b):
        add_readings(account, first_day=JAN1, daily_kwh=["5.00"] * 12)

    assert issue_bills(day=date(2025, 1, 10), at=AT).issued == 1
    assert issue_bills(day=date(2025, 1, 12), at=AT).issued == 1
    assert PostpaidBill.objects.get(account=a).reading_date == date(2025, 1, 10)
    assert PostpaidBill.objects.get(account=b).reading_date == date(2025, 1, 12)
    assert issue_bills(day=JAN25, at=AT).issued == 0


def two_months_billed(zj_tariff: str) -> Account:
    a = postpaid(1)
    add_readings(a, first_day=JAN1, daily_kwh=["10.00"] * 56)
    issue_bills(day=JAN25, at=AT)  # 13 450 fen, due 9 February
    issue_bills(day=date(2025, 2, 25), at=AT)  # 31 days: 16 678 fen, due 12 March
    return a


def test_a_payment_pays_the_oldest_bill_first(zj_tariff: str) -> None:
    a = two_months_billed(zj_tariff)

    left = pay(a, 20_000, date(2025, 2, 26), "p1")

    january, february = PostpaidBill.objects.filter(account=a).order_by("reading_date")
    # January was 17 days late by 26 February: 17 × 1‰ × 134.50 = 2.2865 yuan → 2.29, paid before its principal.
    assert (january.late_fee_fen, january.late_fee_paid_fen, january.principal_paid_fen) == (229, 229, 13_450)
    assert january.paid_off_on == date(2025, 2, 26)
    assert february.principal_paid_fen == 20_000 - 229 - 13_450 and february.paid_off_on is None
    assert left == 0
    assert balance(f"receivable:{a.account_no}") == -(16_678 - february.principal_paid_fen)
    ledger_is_whole()


def test_late_fees_are_charged_daily_and_add_up_to_the_bills_total(zj_tariff: str) -> None:
    a = two_months_billed(zj_tariff)
    day = date(2025, 2, 10)
    charged = []
    while day <= date(2025, 2, 20):
        charged.append(accrue_late_fees(through=day, at=AT).charged_fen)
        day += timedelta(days=1)

    january = PostpaidBill.objects.get(account=a, month=date(2025, 1, 1))
    # 11 days × 1‰ × 13 450 fen = 147.95 fen → 148; the first day's 13.45 fen is charged as the 1-yuan minimum.
    assert january.late_fee_fen == 148 == sum(charged)
    assert charged[0] == 100
    assert accrue_late_fees(through=date(2025, 2, 20), at=AT).charged_fen == 0
    assert balance("revenue:late_fees") == 148
    ledger_is_whole()


def test_a_partial_payment_lowers_the_late_fees_base_from_the_next_day(zj_tariff: str) -> None:
    a = two_months_billed(zj_tariff)
    pay(a, 10_000, date(2025, 2, 14), "p1")  # 5 days late on 13 450: 67.25 → 100 (minimum); 9 900 of principal

    accrue_late_fees(through=date(2025, 2, 24), at=AT)

    january = PostpaidBill.objects.get(account=a, month=date(2025, 1, 1))
    # 10 February–14 February on 13 450 (5 days), 15–24 February on 3 550 (10 days): 67.25 + 35.5 = 102.75 → 103.
    assert january.late_fee_fen == 103
    assert january.principal_paid_fen == 9_900 and january.late_fee_paid_fen == 100


def test_a_replayed_payment_pays_no_bill_twice(zj_tariff: str) -> None:
    a = two_months_billed(zj_tariff)
    first = pay(a, 20_000, date(2025, 2, 26), "p1")

    again = pay(a, 20_000, date(2025, 2, 26), "p1")

    assert again == first
    assert BillPayment.objects.count() == 2
    ledger_is_whole()


def test_credit_on_the_account_pays_a_new_bill_when_it_is_issued(zj_tariff: str) -> None:
    a = postpaid(1)
    pay(a, 50_000, date(2025, 1, 20), "advance")
    add_readings(a, first_day=JAN1, daily_kwh=["10.00"] * 25)

    issue_bills(day=JAN25, at=AT)

    bill = PostpaidBill.objects.get(account=a)
    assert bill.paid_off_on == JAN25 and bill.principal_paid_fen == 13_450
    assert balance(f"customer:{a.account_no}") == 50_000 - 13_450
    assert balance(f"receivable:{a.account_no}") == 0


def test_an_account_converted_to_prepaid_keeps_its_open_bills_and_pays_them_first(zj_tariff: str) -> None:
    a = two_months_billed(zj_tariff)
    Account.objects.filter(id=a.id).update(mode="prepaid", prepaid_since=date(2025, 3, 1))

    left = pay(a, 40_000, date(2025, 3, 1), "p1")

    assert not PostpaidBill.objects.filter(account=a, paid_off_on__isnull=True).exists()
    owed = sum(b.amount_fen + b.late_fee_fen for b in PostpaidBill.objects.filter(account=a))
    assert left == 40_000 - owed == balance(f"customer:{a.account_no}")


def test_the_supply_panel_asks_a_disconnected_converted_account_for_the_late_fees_its_payment_charges(
    zj_tariff: str,
) -> None:
    from gridpay.application.supply.supply_progress import supply_progress
    from gridpay.data.queries.accounts import bills_owed_fen
    from gridpay.data.supply_policy_store import load_policy
    from gridpay.domain.reconnection_progress import ReconnectStage
    from gridpay.domain.supply_policy import reconnect_shortfall_fen

    a = two_months_billed(zj_tariff)
    Account.objects.filter(id=a.id).update(mode="prepaid", prepaid_since=date(2025, 3, 1), supply_state="disconnected")
    day = date(2025, 3, 20)  # both bills overdue, no late fee charged yet: the payment charges them first
    shown = supply_progress(account_no=a.account_no, now=AT, today=day)
    assert shown.stage == ReconnectStage.OWED
    without_fees = reconnect_shortfall_fen(policy=load_policy(), available_balance_fen=balance(
        f"customer:{a.account_no}") - bills_owed_fen(account_id=a.id))
    assert shown.owed_fen > without_fees  # the late fees through the day of payment are owed too

    left = pay(a, shown.owed_fen, day, "p1")

    assert reconnect_shortfall_fen(policy=load_policy(), available_balance_fen=left) == 0  # exactly enough
    assert not PostpaidBill.objects.filter(account=a, paid_off_on__isnull=True).exists()


def test_only_the_station_head_waives_a_late_fee_with_a_reason_and_an_audit_record(zj_tariff: str) -> None:
    a = two_months_billed(zj_tariff)
    accrue_late_fees(through=date(2025, 2, 20), at=AT)
    bill_no = PostpaidBill.objects.get(account=a, month=date(2025, 1, 1)).bill_no
    common = {"bill_no": bill_no, "at": AT, "business_day": date(2025, 2, 20)}

    with pytest.raises(NotAllowed):
        waive_late_fee(amount_fen=None, reason="困难户", actor="班长", roles={Role.SUPERVISOR}, **common)
    with pytest.raises(NotAllowed):
        waive_late_fee(amount_fen=None, reason="困难户减免", actor="管理员", roles={Role.ADMIN}, **common)
    with pytest.raises(WaiverRefused):
        waive_late_fee(amount_fen=149, reason="低保户，经所务会同意", actor="所长", roles={Role.STATION_HEAD}, **common)
    view = waive_late_fee(amount_fen=48, reason="低保户，经所务会同意", actor="所长", roles={Role.STATION_HEAD},
                          **common)

    assert view.late_fee_waived_fen == 48 and view.owed_fen == 13_450 + 100
    assert balance("revenue:late_fees") == 100
    record = AuditRecord.objects.get(action="postpaid.waive_late_fee")
    assert record.actor == "所长" and record.note == "低保户，经所务会同意" and record.new["amount_fen"] == 48
    ledger_is_whole()


def test_the_bill_of_a_month_is_shown_for_a_postpaid_account(zj_tariff: str) -> None:
    a = two_months_billed(zj_tariff)

    view = postpaid_bill_of(account_no=a.account_no, month=date(2025, 2, 1))

    assert view is not None and view.amount_fen == 16_678 and view.owed_fen == 16_678
    assert postpaid_bill_of(account_no=a.account_no, month=date(2025, 3, 1)) is None


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(st.tuples(st.integers(0, 45), st.booleans(), st.integers(1, 20_000)), max_size=8))
def test_any_payments_and_accruals_keep_bills_late_fees_and_ledger_in_step(
    zj_tariff: str, events: list[tuple[int, bool, int]]
) -> None:
    with transaction.atomic():
        a = two_months_billed(zj_tariff)
        payments = []
        for number, (offset, is_payment, fen) in enumerate(sorted(events, key=lambda e: e[0])):
            day = date(2025, 2, 1) + timedelta(days=offset)
            if is_payment:
                payments.append((pay(a, fen, day, f"p{number}"), fen, day, f"p{number}"))
            else:
                accrue_late_fees(through=day, at=AT)
        before = dict(LedgerAccount.objects.values_list("code", "balance_fen"))
        for left, fen, day, txn in payments:
            assert pay(a, fen, day, txn) == left  # a replay credits nothing and pays no bill
        assert dict(LedgerAccount.objects.values_list("code", "balance_fen")) == before

        owed = 0
        for bill in PostpaidBill.objects.filter(account=a):
            rows = BillPayment.objects.filter(bill=bill)
            assert bill.principal_paid_fen == sum(r.principal_fen for r in rows)
            assert bill.late_fee_paid_fen == sum(r.late_fee_fen for r in rows)
            assert bill.late_fee_fen == sum(c.amount_fen for c in bill.late_fee_charges.all())
            if bill.late_fee_through is not None:
                # The charged total is the rule's total through the last day charged, given the days paid.
                expected = late_fee(
                    category=CustomerCategory.RESIDENTIAL, bill_month=bill.month, due=bill.due_on,
                    through=bill.late_fee_through,
                    unpaid_from=unpaid_from(due=bill.due_on, amount_fen=bill.amount_fen,
                                            principal_paid=[(r.business_day, r.principal_fen) for r in rows]),
                    rates=LateFeeRates(),
                )
                assert bill.late_fee_fen == expected.fee_fen
            owed += bill.amount_fen - bill.principal_paid_fen + bill.late_fee_fen - bill.late_fee_paid_fen
        assert balance(f"receivable:{a.account_no}") == -owed
        assert balance(f"customer:{a.account_no}") == sum(fen for _, fen, _, _ in payments) - (
            sum(r.principal_fen + r.late_fee_fen for r in BillPayment.objects.all())
        )
        assert balance(f"customer:{a.account_no}") == 0 or owed == 0  # credit is left only when nothing is owed
        ledger_is_whole()
        transaction.set_rollback(True)
