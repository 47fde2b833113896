"""The monthly report counts the postpaid half: 电费回收率 of prepaid and postpaid, the month's bills, late fees,
arrears cases by stage at the month's end and their reconnections against the time limit; the PDF shows them."""

import io
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from gridpay.application.collection.arrears_by_area import arrears_snapshot
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.postpaid.accrue_late_fees import accrue_late_fees
from gridpay.application.postpaid.issue_bills import issue_bills
from gridpay.application.postpaid.open_arrears_cases import open_arrears_cases
from gridpay.application.postpaid.take_arrears_step import take_arrears_step
from gridpay.application.postpaid.waive_late_fee import waive_late_fee
from gridpay.application.reports.monthly_report import (
    ArrearsCases,
    CaseReconnections,
    LateFees,
    MonthlyReport,
    PostpaidBills,
    monthly_report,
)
from gridpay.application.reports.monthly_report_pdf import monthly_report_pdf, monthly_report_sections
from gridpay.application.settlement.settle_day import settle_day
from gridpay.application.supply.command_outcomes import supply_restored
from gridpay.data.models import Account, ArrearsCase
from gridpay.data.queries.collection import accounts_in_arrears_at_end_of
from gridpay.data.queries.reports import open_cases_by_stage
from gridpay.domain.arrears_procedure import (
    AcknowledgeRefusal,
    Approve,
    CompleteReconnection,
    DeliverRedNotice,
    Execute,
    GivePhoneNotice,
    IssueTicket,
    ServeYellowNotice,
    Stage,
    StepRequest,
)
from gridpay.domain.recovery import Recovery
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI, FakeClock, local
from tests.support.pdf_pages import orphaned_headings
from tests.support.readings import add_readings

pytestmark = pytest.mark.django_db
ZONE = "Asia/Shanghai"
FEBRUARY = date(2025, 2, 1)
COLLECTOR = frozenset({Role.GRID_STAFF})
HEAD = frozenset({Role.STATION_HEAD})
METERING = frozenset({Role.METERING})
PLANNED = local(date(2025, 2, 26), 10)  # a Wednesday, in the disconnection window
# Each postpaid account uses 10 kWh a day at the first tier's 0.538 yuan: January's bill (1–25 January) is
# 250 kWh = 134.50 yuan due 9 February; February's (26 January – 25 February, 31 days) 310 kWh = 166.78 yuan.
JANUARY_BILL, FEBRUARY_BILL = 13_450, 16_678
# Residential late fee, 1‰ a day of 134.50 yuan = 13.45 fen a day from 10 February, rounded once per total.
FEE_THROUGH = {date(2025, 2, 20): 148, date(2025, 2, 22): 175, date(2025, 2, 27): 242, date(2025, 2, 28): 256,
               date(2025, 3, 3): 296}  # 11, 13, 18, 19 and 22 days
YELLOW = ServeYellowNotice(amount_fen=JANUARY_BILL, pay_by=date(2025, 2, 17), planned_disconnection_at=PLANNED)


def fee(through: date) -> int:
    days = (through - date(2025, 2, 9)).days
    assert FEE_THROUGH[through] == (Decimal("13.45") * days).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return FEE_THROUGH[through]


def postpaid(number: int) -> Account:
    account = enrol(number, mode="postpaid", opening_balance_fen=0)
    add_readings(account, first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 56)  # through 25 February
    return account


def prepaid(number: int, opening_balance_fen: int) -> Account:
    account = enrol(number, prepaid_since=FEBRUARY, opening_balance_fen=opening_balance_fen)
    add_readings(account, first_day=FEBRUARY, daily_kwh=["10.00"] * 28)  # 5.38 yuan a day
    return account


def pay(account: Account, fen: int, at: datetime, txn: str) -> None:
    day = at.astimezone(SHANGHAI).date()
    record_payment(account_no=account.account_no, amount_fen=fen, channel="counter", channel_txn_id=txn,
                   received_at=at, business_day=day)


def step(account: Account, request: StepRequest, roles: frozenset[Role], at: datetime, by: str = "张三") -> None:
    take_arrears_step(account_no=account.account_no, request=request, by=by, roles=roles, at=at)


def disconnected(account: Account) -> None:
    """The procedure from the yellow notice to a remote disconnection at PLANNED (the case opened on 10 February)."""
    step(account, YELLOW, COLLECTOR, local(date(2025, 2, 10), 10))
    step(account, DeliverRedNotice(amount_fen=JANUARY_BILL, pay_by=date(2025, 2, 25), planned_disconnection_at=PLANNED,
                                   signed=True), COLLECTOR, local(date(2025, 2, 18), 10))
    step(account, Approve(), HEAD, local(date(2025, 2, 19), 9), by="王所长")
    step(account, IssueTicket(for_day=date(2025, 2, 26)), COLLECTOR, local(date(2025, 2, 25), 15))
    step(account, GivePhoneNotice(), COLLECTOR, local(date(2025, 2, 26), 9))
    step(account, Execute(remote=True), METERING, PLANNED, by="计量班李四")


LATE = {"explanation_to_customer": "雨雪天气道路结冰，抢修车辆无法按时到达，已电话致歉",
        "explanation_to_supervisor": "计量班人员在外抢修故障，复电工单未能在时限内处理"}


# When the reports are asked for: a March morning, February closed and March running.
REPORTED_AT = local(date(2025, 3, 5), 10)


def a_month(clock: FakeClock, at_februarys_end: Callable[[], None] = lambda: None) -> None:
    """February 2025 of two prepaid and six postpaid households, then a few days of March (``at_februarys_end`` is
    called once February is settled and nothing of March has happened)."""
    p, q = prepaid(7, opening_balance_fen=5_000), prepaid(8, opening_balance_fen=-20_000)
    a, b, c, e, g, h = (postpaid(n) for n in range(1, 7))
    issue_bills(day=date(2025, 1, 25), at=local(date(2025, 1, 25), 2))  # January's bills: not February's 应收
    pay(a, JANUARY_BILL, local(date(2025, 2, 5), 10), "a-jan")  # on time: no late fee
    pay(q, 30_000, local(date(2025, 2, 10), 10), "q-1")  # 200.00 of old arrears, then 100.00 of February's
    assert open_arrears_cases(day=date(2025, 2, 10), at=local(date(2025, 2, 10), 8)) == 5  # b, c, e, g, h
    pay(p, 6_000, local(date(2025, 2, 15), 10), "p-1")
    accrue_late_fees(through=date(2025, 2, 20), at=local(date(2025, 2, 21), 3))  # 1.48 on each of five bills
    waive_late_fee(bill_no=f"202501{b.account_no}", amount_fen=None, reason="低保户，所务会同意减免", actor="王所长",
                   roles={Role.STATION_HEAD}, at=local(date(2025, 2, 21), 11), business_day=date(2025, 2, 21))
    # b pays late: the fee through the 22nd is charged (0.27 more) and paid with the principal; its case closes.
    pay(b, JANUARY_BILL + fee(date(2025, 2, 22)) - fee(date(2025, 2, 20)), local(date(2025, 2, 22), 10), "b-jan")
    step(e, ServeYellowNotice(amount_fen=JANUARY_BILL, pay_by=date(2025, 3, 3),
                              planned_disconnection_at=local(date(2025, 3, 12), 10)),
         COLLECTOR, local(date(2025, 2, 24), 10))
    for account in (c, g, h):
        disconnected(account)
    issue_bills(day=date(2025, 2, 25), at=local(date(2025, 2, 25), 2))  # February's: six bills, due 12 March
    everything = JANUARY_BILL + fee(date(2025, 2, 27)) + FEBRUARY_BILL
    pay(g, everything, local(date(2025, 2, 27), 9), "g-all")  # each raises its reconnection ticket, 24 hours
    pay(h, everything, local(date(2025, 2, 27), 10), "h-all")
    pay(c, everything, local(date(2025, 2, 27), 11), "c-all")
    supply_restored(g.id, key="reconnected:g", at=local(date(2025, 2, 27), 12))  # the meter, 3 hours: on time
    step(c, CompleteReconnection(remote=False, **LATE), METERING, local(date(2025, 2, 28), 17))  # 30 hours: late
    pay(a, FEBRUARY_BILL, local(date(2025, 2, 28), 10), "a-feb")
    accrue_late_fees(through=date(2025, 2, 28), at=local(date(2025, 2, 28), 23))  # e's 2.56 through the month
    for day in range(1, 29):
        settle_day(day=date(2025, 2, day), at=local(date(2025, 2, day) + timedelta(days=1), 1, 30))
    at_februarys_end()
    # March: none of it is February's.
    step(h, CompleteReconnection(remote=False, **LATE), METERING, local(date(2025, 3, 1), 10))
    pay(b, 10_000, local(date(2025, 3, 2), 10), "b-feb")
    pay(p, 10_000, local(date(2025, 3, 3), 10), "p-2")
    accrue_late_fees(through=date(2025, 3, 3), at=local(date(2025, 3, 3), 23))
    step(e, DeliverRedNotice(amount_fen=JANUARY_BILL, pay_by=date(2025, 3, 10),
                             planned_disconnection_at=local(date(2025, 3, 12), 10), signed=True),
         COLLECTOR, local(date(2025, 3, 3), 10))
    waive_late_fee(bill_no=f"202501{e.account_no}", amount_fen=100, reason="所务会同意部分减免", actor="王所长",
                   roles={Role.STATION_HEAD}, at=local(date(2025, 3, 4), 11), business_day=date(2025, 3, 4))
    clock.instant = REPORTED_AT


def test_february_counts_the_postpaid_half_as_it_stood_at_the_months_end(zj_tariff: str, clock: FakeClock) -> None:
    a_month(clock)

    report = monthly_report(month=FEBRUARY, now=REPORTED_AT, zone=ZONE)

    assert report.cut_off == date(2025, 2, 28)
    # Prepaid: 28 days × 5.38 = 150.64 yuan each. p had 50.00 and paid 60.00: it owed 40.64 on the 28th (its
    # 100.00 of March comes after), so 110.00 of February's charges were covered. q owed 200.00 from before and paid
    # 300.00: the old arrears first, then 100.00 of February's; it owed 50.64 of February's on the 28th.
    assert report.prepaid == Recovery(due_fen=2 * 15_064, received_fen=11_000 + 10_000)
    # Postpaid: February's six bills; a's, c's, g's and h's paid in full by the 28th, b's (paid in March) and e's not.
    assert report.postpaid == Recovery(due_fen=6 * FEBRUARY_BILL, received_fen=4 * FEBRUARY_BILL)
    assert report.postpaid_bills == PostpaidBills(bills=6, amount_fen=100_068, paid_fen=66_712)
    assert report.postpaid_bills.outstanding_fen == 33_356
    # (21 000 + 66 712) / (30 128 + 100 068) = 87 712 / 130 196 = 0.67369…
    assert report.recovery_rate == Decimal("0.6737")
    assert (report.prepaid.rate, report.postpaid.rate) == (Decimal("0.6970"), Decimal("0.6667"))
    # Late fees: 5 × 1.48 on the 20th; b's 0.27 on the 22nd; 0.94 more on each of c, g and h on the 27th; e's 1.08 on
    # the 28th. Paid: b 0.27, and 2.42 each by c, g and h. Waived: b's 1.48. Unpaid on the 28th: e's 2.56.
    assert report.late_fees == LateFees(charged_fen=5 * 148 + 27 + 3 * 94 + 108, paid_fen=27 + 3 * 242,
                                        waived_fen=148, outstanding_fen=256)
    assert report.arrears_cases == ArrearsCases(
        open_by_stage=[(Stage.YELLOW_NOTICE.label, 1), (Stage.RECONNECTION_PENDING.label, 1)],  # e and h then
        opened=5, closed_paid=1, executed=3, reconnected=2,
    )
    # g in 3 hours, c in 30 (due after 24); h's ticket, due on the 28th at 10:00, was still open at the month's end.
    assert report.case_reconnections == CaseReconnections(
        limit_hours=24, done=2, on_time=1, late=1, median_hours=Decimal("16.50"), longest_hours=Decimal("30.00"),
        overdue_open=1,
    )


def test_the_month_in_progress_counts_to_today(zj_tariff: str, clock: FakeClock) -> None:
    a_month(clock)

    report = monthly_report(month=date(2025, 3, 1), now=REPORTED_AT, zone=ZONE)

    assert report.cut_off == date(2025, 3, 5)
    assert (report.prepaid, report.postpaid, report.recovery_rate) == (Recovery(0, 0), Recovery(0, 0), None)
    # e's fee through 3 March (0.40 more), 1.00 of it waived on the 4th: 2.96 charged, 1.96 unpaid now.
    assert report.late_fees == LateFees(charged_fen=40, paid_fen=0, waived_fen=100, outstanding_fen=196)
    assert report.arrears_cases == ArrearsCases(open_by_stage=[(Stage.RED_NOTICE.label, 1)], opened=0,
                                                closed_paid=0, executed=0, reconnected=1)
    assert (report.case_reconnections.done, report.case_reconnections.late) == (1, 1)
    assert report.case_reconnections.median_hours == Decimal("48.00")  # h: 27 February 10:00 to 1 March 10:00


def test_a_stage_at_an_instant_is_the_furthest_step_recorded_before_it(zj_tariff: str) -> None:
    account = enrol(1, mode="postpaid", opening_balance_fen=0)
    Account.objects.filter(id=account.id).update(category="other")
    add_readings(account, first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 25)
    issue_bills(day=date(2025, 1, 25), at=local(date(2025, 1, 25), 2))
    open_arrears_cases(day=date(2025, 2, 10), at=local(date(2025, 2, 10), 8))
    step(account, YELLOW, COLLECTOR, local(date(2025, 2, 10), 10))
    step(account, DeliverRedNotice(amount_fen=JANUARY_BILL, pay_by=date(2025, 2, 20), planned_disconnection_at=PLANNED,
                                   signed=False, refusal_note="客户拒绝签字，称电费有误，已当面解释并拍照留存"),
         COLLECTOR, local(date(2025, 2, 18), 10))

    def stage_at(day: date, hour: int, minute: int = 0) -> dict[str, int]:
        return open_cases_by_stage(at=local(day, hour, minute))

    # While no acknowledgement is recorded yet, and while only the 班长's is.
    assert stage_at(date(2025, 2, 18), 12) == {Stage.REFUSAL_PENDING.value: 1}
    step(account, AcknowledgeRefusal(), frozenset({Role.SUPERVISOR}), local(date(2025, 2, 19), 9), by="班长")
    assert stage_at(date(2025, 2, 19), 9, 30) == {Stage.REFUSAL_PENDING.value: 1}
    step(account, AcknowledgeRefusal(), HEAD, local(date(2025, 2, 19), 10), by="所长")
    step(account, Approve(), HEAD, local(date(2025, 2, 19), 11), by="所长")

    assert stage_at(date(2025, 2, 10), 8) == {}  # opened at 08:00: not open before it
    assert stage_at(date(2025, 2, 10), 9) == {Stage.OVERDUE.value: 1}
    assert stage_at(date(2025, 2, 11), 0) == {Stage.YELLOW_NOTICE.value: 1}
    assert stage_at(date(2025, 2, 19), 0) == {Stage.REFUSAL_PENDING.value: 1}
    # Non-residential: the 班长's acknowledgement alone leaves it waiting for the station head's.
    assert stage_at(date(2025, 2, 19), 9, 30) == {Stage.REFUSAL_PENDING.value: 1}
    assert stage_at(date(2025, 2, 19), 10, 30) == {Stage.RED_NOTICE.value: 1}
    assert stage_at(date(2025, 2, 19), 11, 30) == {Stage.APPROVED.value: 1}
    # After every record, the stage is the one stored with them.
    assert open_cases_by_stage(at=datetime(2030, 1, 1, tzinfo=UTC)) == dict(
        Counter(ArrearsCase.objects.values_list("stage", flat=True)))


def pdf_text(pdf: bytes) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_shows_the_postpaid_half(zj_tariff: str, clock: FakeClock) -> None:
    a_month(clock)
    report: MonthlyReport = monthly_report(month=FEBRUARY, now=REPORTED_AT, zone=ZONE)

    pdf = monthly_report_pdf(report, printed="2025-03-05 10:00")
    text = pdf_text(pdf)

    assert "电费回收（实收计至2025-02-28）" in text
    # The title's separator is one the font has (STSong-Light has no U+00B7 "·": a missing glyph).
    assert "智能交费月报2025年02月" in text and "\u00b7" not in text
    assert "预付费（本月日结电费）301.28210.0091.2869.70%" in text
    assert "后付费（本月发行电费单）1000.68667.12333.5666.67%" in text
    assert "合计1301.96877.12424.8467.37%" in text
    assert "后付费电费单（本月发行）张数电费（元）已交（元）未交（元）61000.68667.12333.56" in text
    assert "电费违约金本月计收（元）本月实收（元）本月减免（元）未交（元）11.577.531.482.56" in text
    assert "停电催费案件（本月）立案交清结案实施停电复电在办（月末）51322" in text
    assert "已送催费通知单1" in text and "已交清，复电工作票待完成1" in text
    assert "停电催费复电（时限24小时）" in text and "21116.5030.001" in text
    assert "交费与欠费（欠费计至2025-02-28）本月交费（元）欠费户数欠费（元）" in text
    assert orphaned_headings(pdf, monthly_report_sections(report)) == []


def test_the_report_asks_the_same_queries_whatever_the_number_of_accounts(zj_tariff: str, clock: FakeClock) -> None:
    a_month(clock)
    with CaptureQueriesContext(connection) as month:
        monthly_report(month=FEBRUARY, now=REPORTED_AT, zone=ZONE)
    for number in range(20, 26):  # more households of each kind, some in arrears at the month's end
        prepaid(number, opening_balance_fen=-1_000 * number)
        postpaid(number + 10)
    issue_bills(day=date(2025, 1, 25), at=local(date(2025, 1, 25), 3))
    for day in range(1, 29):
        settle_day(day=date(2025, 2, day), at=local(date(2025, 2, day) + timedelta(days=1), 1, 30))

    with CaptureQueriesContext(connection) as more:
        bigger = monthly_report(month=FEBRUARY, now=REPORTED_AT, zone=ZONE)

    assert bigger.arrears_accounts > 3
    assert len(more.captured_queries) == len(month.captured_queries) <= 30


# February's end: p owed 40.64 and q 50.64 on their balances (below zero since the 21st and the 19th: the
# balance-after columns follow posting order, and February's payments were posted before its settlement); e owed
# January's bill, due on the 9th, and its 2.56 of late fee. b's February bill was not due yet.
FEBRUARY_ARREARS = {"3301000007": 4_064, "3301000008": 5_064, "3301000004": JANUARY_BILL + 256}


def test_a_past_months_arrears_ageing_and_balances_are_as_they_stood_at_its_end(
    zj_tariff: str, clock: FakeClock
) -> None:
    kept: list[MonthlyReport] = []
    a_month(clock, at_februarys_end=lambda: kept.append(
        monthly_report(month=FEBRUARY, now=local(date(2025, 3, 1), 0, 30), zone=ZONE)))

    report = monthly_report(month=FEBRUARY, now=REPORTED_AT, zone=ZONE)  # after March's payments by p and b

    assert report == kept[0]
    assert (report.arrears_accounts, report.arrears_fen) == (3, sum(FEBRUARY_ARREARS.values()))
    assert [(band.accounts, band.owed_fen) for band in report.ageing] == [
        (0, 0), (3, sum(FEBRUARY_ARREARS.values())), (0, 0), (0, 0)]  # 7, 9 and 19 days
    # The collection report's month end, counted through the same door.
    assert {line.account_no: line.owed_fen for line in accounts_in_arrears_at_end_of(day=date(2025, 2, 28))} == (
        FEBRUARY_ARREARS)
    snapshot = arrears_snapshot(day=date(2025, 2, 28)).total
    assert (snapshot.accounts, snapshot.owed_fen, snapshot.bands) == (
        report.arrears_accounts, report.arrears_fen, report.ageing)
    # March, still running on the 5th: p has paid up, q and e still owe, and b's February bill is not overdue yet.
    march = monthly_report(month=date(2025, 3, 1), now=REPORTED_AT, zone=ZONE)
    assert march.cut_off == date(2025, 3, 5) and march.arrears_accounts == 2


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(later=st.lists(st.tuples(st.sampled_from(["3301000004", "3301000007", "3301000008", "3301000002"]),
                                st.integers(1, 50_000), st.integers(0, 90)), min_size=1, max_size=4))
def test_no_later_payment_changes_a_past_months_report(
    zj_tariff: str, clock: FakeClock, february: MonthlyReport, later: list[tuple[str, int, int]]
) -> None:
    for account_no, fen, days in later:
        day = date(2025, 3, 6) + timedelta(days=days)
        record_payment(account_no=account_no, amount_fen=fen, channel="counter", channel_txn_id=f"later-{uuid4()}",
                       received_at=local(day, 10), business_day=day)

    assert monthly_report(month=FEBRUARY, now=local(date(2025, 6, 10), 10), zone=ZONE) == february


@pytest.fixture
def february(zj_tariff: str, clock: FakeClock) -> MonthlyReport:
    """February's report as it stood when March began (built once per test, whatever the examples)."""
    kept: list[MonthlyReport] = []
    a_month(clock, at_februarys_end=lambda: kept.append(
        monthly_report(month=FEBRUARY, now=local(date(2025, 3, 1), 0, 30), zone=ZONE)))
    return kept[0]
