"""The arrears procedure on a real database: each step by its role, the outbox, payments closing or reconnecting."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.postpaid.arrears_work import arrears_timeline, arrears_work, tickets_for
from gridpay.application.postpaid.issue_bills import issue_bills
from gridpay.application.postpaid.open_arrears_cases import open_arrears_cases
from gridpay.application.postpaid.take_arrears_step import NoOpenCase, StepTaken, take_arrears_step
from gridpay.application.supply.claim_meter_commands import claim_meter_commands
from gridpay.application.supply.command_outcomes import supply_restored
from gridpay.data.models import Account, ArrearsCase, AuditRecord, MeterCommand, ReconnectCase
from gridpay.domain.arrears_procedure import (
    AcknowledgeRefusal,
    Approve,
    DeliverRedNotice,
    Execute,
    GivePhoneNotice,
    IssueTicket,
    ProcedureRefused,
    ServeYellowNotice,
    Stage,
    StepRequest,
)
from gridpay.domain.meter_commands import CommandAction, CommandStatus
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.clock import FakeClock
from tests.support.readings import add_readings

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
COLLECTOR = frozenset({Role.GRID_STAFF})
HEAD = frozenset({Role.STATION_HEAD})


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def overdue_account(zj_tariff: str, *, number: int = 1, category: str = "residential") -> Account:
    """Billed on 25 January 2025 (134.50 yuan, due 9 February), unpaid, a case opened on 10 February."""
    account = enrol(number, mode="postpaid", opening_balance_fen=0)
    Account.objects.filter(id=account.id).update(category=category)
    add_readings(account, first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 25)
    issue_bills(day=date(2025, 1, 25), at=local(date(2025, 1, 25), 2))
    assert open_arrears_cases(day=date(2025, 2, 10), at=local(date(2025, 2, 10), 8)) == 1
    return account


def step(account: Account, request: StepRequest, roles: frozenset[Role], at: datetime, by: str = "张三") -> StepTaken:
    return take_arrears_step(account_no=account.account_no, request=request, by=by, roles=roles, at=at)


PLANNED = local(date(2025, 2, 26), 10)  # a Wednesday, in the 09:00–16:00 window


def through_phone_notice(account: Account, *, owed: int = 13_450) -> None:
    step(account, ServeYellowNotice(amount_fen=owed, pay_by=date(2025, 2, 17), planned_disconnection_at=PLANNED),
         COLLECTOR, local(date(2025, 2, 10), 10))
    step(account, DeliverRedNotice(amount_fen=owed, pay_by=date(2025, 2, 25), planned_disconnection_at=PLANNED,
                                   signed=True), COLLECTOR, local(date(2025, 2, 18), 10))
    step(account, Approve(), HEAD, local(date(2025, 2, 19), 9), by="王所长")
    step(account, IssueTicket(for_day=date(2025, 2, 26)), COLLECTOR, local(date(2025, 2, 25), 15))
    step(account, GivePhoneNotice(), COLLECTOR, local(date(2025, 2, 26), 9))


def test_the_procedure_step_by_step_disconnects_through_the_outbox(zj_tariff: str) -> None:
    account = overdue_account(zj_tariff)
    through_phone_notice(account)

    taken = step(account, Execute(remote=True), frozenset({Role.METERING}), PLANNED, by="计量班李四")

    assert taken.stage == Stage.EXECUTED
    command = MeterCommand.objects.get(id=taken.command_id)
    assert command.action == CommandAction.DISCONNECT and command.status == CommandStatus.QUEUED
    actions = list(AuditRecord.objects.filter(target=f"arrears_case:{taken.case_id}").order_by("id")
                   .values_list("action", "actor"))
    assert actions == [("arrears.serve_yellow_notice", "张三"), ("arrears.deliver_red_notice", "张三"),
                       ("arrears.approve", "王所长"), ("arrears.issue_ticket", "张三"),
                       ("arrears.phone_notice", "张三"), ("arrears.execute", "计量班李四")]
    # The send-time re-check reads a postpaid account's bills, not its (empty) credit: the disconnect goes out.
    claim = claim_meter_commands(at=PLANNED + timedelta(minutes=1))
    assert [o.command_id for o in claim.outgoing] == [command.id]


def test_a_payment_in_full_before_execution_closes_the_case_and_nothing_is_executed(zj_tariff: str) -> None:
    account = overdue_account(zj_tariff)
    through_phone_notice(account)

    record_payment(account_no=account.account_no, amount_fen=20_000, channel="counter", channel_txn_id="r1",
                   received_at=local(date(2025, 2, 26), 9, 15), business_day=date(2025, 2, 26))

    case = ArrearsCase.objects.get(account=account)
    assert case.stage == Stage.CLOSED_PAID and case.executed_at is None
    with pytest.raises(NoOpenCase):
        step(account, Execute(remote=True), frozenset({Role.METERING}), PLANNED)
    assert not MeterCommand.objects.filter(account=account).exists()


def test_a_payment_after_execution_raises_the_reconnection_ticket_and_the_meter_completes_it(zj_tariff: str) -> None:
    account = overdue_account(zj_tariff)
    through_phone_notice(account)
    executed = step(account, Execute(remote=True), frozenset({Role.METERING}), PLANNED)
    claim_meter_commands(at=PLANNED + timedelta(minutes=1))  # the disconnect went out

    paid_at = local(date(2025, 2, 27), 11)
    record_payment(account_no=account.account_no, amount_fen=30_000, channel="wechat", channel_txn_id="w1",
                   received_at=paid_at, business_day=date(2025, 2, 27))

    case = ArrearsCase.objects.get(account=account)
    assert case.stage == Stage.RECONNECTION_PENDING
    assert case.reconnection_due_by == paid_at + timedelta(hours=24)
    reconnect = MeterCommand.objects.get(id=case.reconnect_command_id)
    assert reconnect.action == CommandAction.RECONNECT and reconnect.id != executed.command_id
    assert arrears_work(at=paid_at, role=Role.CASHIER)[0].stage == Stage.RECONNECTION_PENDING  # everyone's list
    # Followed to the read-back as any remote reconnection (the sweep polls a meter that only permits closing).
    tracked = ReconnectCase.objects.get(account=account, confirmed_at=None)
    assert (tracked.command_id, tracked.due_by) == (reconnect.id, paid_at + timedelta(hours=24))

    supply_restored(account.id, key="reconnected:test", at=paid_at + timedelta(hours=1))

    case.refresh_from_db()
    assert case.stage == Stage.RECONNECTED and case.reconnected_remote is True
    assert not ReconnectCase.objects.filter(account=account, confirmed_at=None).exists()


def test_a_step_by_the_wrong_role_changes_nothing(zj_tariff: str) -> None:
    account = overdue_account(zj_tariff)

    with pytest.raises(ProcedureRefused):
        step(account, ServeYellowNotice(amount_fen=13_450, pay_by=date(2025, 2, 17),
                                        planned_disconnection_at=PLANNED), frozenset({Role.CASHIER}),
             local(date(2025, 2, 10), 10))

    case = ArrearsCase.objects.get(account=account)
    assert case.stage == Stage.OVERDUE and case.yellow_at is None
    assert not AuditRecord.objects.filter(action__startswith="arrears.").exists()


def test_a_refused_red_notice_goes_to_the_supervisor_and_the_head_for_a_non_residential_account(zj_tariff: str) -> None:
    account = overdue_account(zj_tariff, category="other")
    step(account, ServeYellowNotice(amount_fen=13_450, pay_by=date(2025, 2, 17), planned_disconnection_at=PLANNED),
         COLLECTOR, local(date(2025, 2, 10), 10))
    step(account, DeliverRedNotice(amount_fen=13_450, pay_by=date(2025, 2, 20), planned_disconnection_at=PLANNED,
                                   signed=False, refusal_note="客户拒绝签字，称电费有误，已当面解释并拍照留存"),
         COLLECTOR, local(date(2025, 2, 18), 10))

    with pytest.raises(ProcedureRefused):
        step(account, Approve(), HEAD, local(date(2025, 2, 19), 9))
    step(account, AcknowledgeRefusal(), frozenset({Role.SUPERVISOR}), local(date(2025, 2, 19), 9), by="班长")
    assert [item.account_no for item in arrears_work(at=local(date(2025, 2, 19), 9, 30), role=Role.STATION_HEAD)] \
        == [account.account_no]
    step(account, AcknowledgeRefusal(), HEAD, local(date(2025, 2, 19), 10), by="所长")
    step(account, Approve(), HEAD, local(date(2025, 2, 19), 11), by="所长")

    case = ArrearsCase.objects.get(account=account)
    assert case.stage == Stage.APPROVED and case.supervisor_ack_by == "班长" and case.head_ack_by == "所长"
    timeline = arrears_timeline(account_no=account.account_no, at=local(date(2025, 2, 19), 12))
    assert [e.what for e in timeline.events][-3:] == ["班长知悉拒签", "所长知悉拒签", "批准停电"]
    assert timeline.case is not None and timeline.case.next[0].roles == {Role.GRID_STAFF, Role.SUPERVISOR}


def test_the_metering_team_sees_tomorrows_tickets(zj_tariff: str) -> None:
    account = overdue_account(zj_tariff)
    through_phone_notice(account)

    assert [i.account_no for i in tickets_for(day=date(2025, 2, 26), at=local(date(2025, 2, 25), 16))] == [
        account.account_no]
    assert tickets_for(day=date(2025, 2, 27), at=local(date(2025, 2, 25), 16)) == []


def test_the_database_refuses_an_execution_without_every_earlier_step(zj_tariff: str) -> None:
    account = overdue_account(zj_tariff)

    with pytest.raises(IntegrityError), transaction.atomic():
        ArrearsCase.objects.filter(account=account).update(executed_at=PLANNED, executed_by="越权")
    with pytest.raises(IntegrityError), transaction.atomic():
        ArrearsCase.objects.filter(account=account).update(approved_at=PLANNED, approved_by="越权")


def test_the_morning_job_bills_yesterday_charges_today_and_opens_the_cases(zj_tariff: str, clock: FakeClock) -> None:
    from gridpay.interfaces.jobs.tasks import postpaid_day

    account = enrol(1, mode="postpaid", opening_balance_fen=0)
    add_readings(account, first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 25)
    clock.instant = local(date(2025, 1, 26), 3)
    assert postpaid_day().startswith("bills 1 of 1 due")
    clock.instant = local(date(2025, 2, 10), 3)

    assert postpaid_day().endswith("late fees 100 fen on 1 bills; cases opened 1")
    assert postpaid_day().endswith("late fees 0 fen on 0 bills; cases opened 0")  # run twice: nothing more
    assert ArrearsCase.objects.get(account=account).opened_fen == 13_450 + 100


def test_the_dashboard_counts_postpaid_cases_and_their_reconnections_against_24_hours(zj_tariff: str) -> None:
    from gridpay.application.reports.dashboard import dashboard

    account = overdue_account(zj_tariff)
    through_phone_notice(account)
    before = dashboard(today=date(2025, 2, 26), now=PLANNED, day_start=local(date(2025, 2, 26), 0))
    assert (before.arrears_cases_open, before.postpaid_owed_fen) == (1, 13_450)  # no late fee charged yet
    step(account, Execute(remote=True), frozenset({Role.METERING}), PLANNED)
    paid_at = local(date(2025, 2, 27), 11)
    record_payment(account_no=account.account_no, amount_fen=30_000, channel="wechat", channel_txn_id="w1",
                   received_at=paid_at, business_day=date(2025, 2, 27))

    late = dashboard(today=date(2025, 2, 28), now=paid_at + timedelta(hours=25), day_start=local(date(2025, 2, 28), 0))

    assert (late.reconnections_pending, late.reconnections_overdue) == (1, 1)
    assert (late.arrears_cases_open, late.postpaid_owed_fen) == (1, 0)


def test_paying_the_overdue_bill_closes_the_case_while_a_bill_not_yet_due_is_owed(zj_tariff: str) -> None:
    account = overdue_account(zj_tariff)
    add_readings(account, first_day=date(2025, 1, 26), daily_kwh=["10.00"] * 31)
    issue_bills(day=date(2025, 2, 25), at=local(date(2025, 2, 25), 18))  # due 12 March
    through_phone_notice(account)

    record_payment(account_no=account.account_no, amount_fen=13_450 + 229, channel="counter", channel_txn_id="r1",
                   received_at=local(date(2025, 2, 26), 9, 10), business_day=date(2025, 2, 26))

    case = ArrearsCase.objects.get(account=account)
    assert case.stage == Stage.CLOSED_PAID  # the February bill is owed, but not in arrears before 12 March
    assert Account.objects.get(id=account.id).receivable_account.balance_fen == -16_678


def test_a_field_disconnection_is_reconnected_in_the_field_on_its_ticket(zj_tariff: str) -> None:
    from gridpay.domain.arrears_procedure import CompleteReconnection

    account = overdue_account(zj_tariff)
    through_phone_notice(account)
    step(account, Execute(remote=False, meter_verified=True), frozenset({Role.METERING}), PLANNED)
    assert Account.objects.get(id=account.id).supply_state == "disconnected"
    paid_at = local(date(2025, 2, 27), 11)

    record_payment(account_no=account.account_no, amount_fen=30_000, channel="counter", channel_txn_id="c1",
                   received_at=paid_at, business_day=date(2025, 2, 27))

    case = ArrearsCase.objects.get(account=account)
    assert case.stage == Stage.RECONNECTION_PENDING and case.reconnect_command_id is None
    assert not MeterCommand.objects.filter(account=account).exists()
    step(account, CompleteReconnection(remote=False), frozenset({Role.METERING}), paid_at + timedelta(hours=3))
    assert Account.objects.get(id=account.id).supply_state == "connected"


def test_after_a_waiver_paying_the_principal_clears_the_arrears_and_closes_the_case(zj_tariff: str) -> None:
    from gridpay.application.postpaid.accrue_late_fees import accrue_late_fees
    from gridpay.application.postpaid.waive_late_fee import waive_late_fee
    from gridpay.data.models import PostpaidBill

    account = overdue_account(zj_tariff)
    accrue_late_fees(through=date(2025, 2, 12), at=local(date(2025, 2, 12), 3))  # 3 days: 40.35 fen → 1 yuan
    waive_late_fee(bill_no=PostpaidBill.objects.get(account=account).bill_no, amount_fen=None,
                   reason="系统停电致未能按期交费，所务会同意", actor="所长", roles={Role.STATION_HEAD},
                   at=local(date(2025, 2, 12), 9), business_day=date(2025, 2, 12))
    assert ArrearsCase.objects.get(account=account).stage == Stage.OVERDUE  # the principal is still owed

    record_payment(account_no=account.account_no, amount_fen=13_450, channel="counter", channel_txn_id="c1",
                   received_at=local(date(2025, 2, 12), 10), business_day=date(2025, 2, 12))

    bill = PostpaidBill.objects.get(account=account)
    assert (bill.late_fee_fen, bill.late_fee_waived_fen, bill.late_fee_paid_fen) == (100, 100, 0)
    assert bill.paid_off_on == date(2025, 2, 12)
    assert ArrearsCase.objects.get(account=account).stage == Stage.CLOSED_PAID
