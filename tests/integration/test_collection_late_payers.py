"""The chronic late payers' file, its reminders, the credit report list and the public arrears notice on a real
database: built from the ledger, the bills and the meter commands; notes kept; approved figures printed."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from pypdf import PdfReader

from gridpay.application.collection.approve_arrears_notice import approve_arrears_notice
from gridpay.application.collection.approve_credit_report import approve_credit_report
from gridpay.application.collection.chronic_file import chronic_file
from gridpay.application.collection.credit_reports import CreditReportRefused
from gridpay.application.collection.draft_arrears_notice import draft_arrears_notice
from gridpay.application.collection.draft_credit_report import draft_credit_report
from gridpay.application.collection.export_credit_report import export_credit_report
from gridpay.application.collection.keep_chronic_entry import EntryChange, keep_chronic_entry
from gridpay.application.collection.print_arrears_notice import print_arrears_notice
from gridpay.application.collection.rebuild_chronic_file import rebuild_chronic_file
from gridpay.application.collection.send_reminders import send_reminders
from gridpay.application.collection.set_payment_reminder import set_payment_reminder
from gridpay.application.errors import InvalidInput, NotAllowed, NotFound
from gridpay.application.payments.record_payment import record_payment
from gridpay.data import ledger as ledger_store
from gridpay.data.models import (
    Account,
    ArrearsNotice,
    AuditRecord,
    CallTask,
    ChronicPayer,
    CreditReport,
    GridStaff,
    MeterCommand,
    Notification,
    PostpaidBill,
    Village,
)
from gridpay.domain.arrears_notice import NoticeRefused
from gridpay.domain.ledger import LedgerAccountKind, Transfer, TransferKind
from gridpay.domain.meter_commands import CommandAction, CommandStatus
from gridpay.domain.phone_numbers import InvalidPhone
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, local

pytestmark = pytest.mark.django_db
DAY = date(2026, 1, 15)  # the file is built through this day: its window is February 2025 – January 2026
COLLECTOR = {Role.GRID_STAFF}
HEAD = {Role.STATION_HEAD}


def charge(account: Account, fen: int, day: date) -> None:
    """A day's settlement debit, posted through the ledger's one door."""
    revenue = ledger_store.system_account(ledger_store.REVENUE, LedgerAccountKind.REVENUE)
    with transaction.atomic():
        ledger_store.post([Transfer(debit=account.ledger_account_id, credit=revenue.id, amount_fen=fen,
                                    kind=TransferKind.SETTLEMENT)], business_day=day, at=local(day, 1))


def pay(account: Account, fen: int, day: date, txn: str) -> None:
    record_payment(account_no=account.account_no, amount_fen=fen, channel="counter", channel_txn_id=txn,
                   received_at=local(day, 10), business_day=day)


def bill(account: Account, month: date, fen: int, *, due_on: date, paid_off_on: date | None) -> PostpaidBill:
    issued_on = due_on - timedelta(days=15)
    return PostpaidBill.objects.create(
        account=account, bill_no=f"{month:%Y%m}{account.account_no}", month=month, period_from=month,
        reading_date=issued_on, energy_kwh=Decimal("100.00"), tariff_code="zj-resident-2024",
        amount_fen=fen, issued_on=issued_on, issued_at=local(issued_on, 2), due_on=due_on,
        principal_paid_fen=fen if paid_off_on else 0, paid_off_on=paid_off_on,
    )


def disconnected(account: Account, day: date) -> None:
    MeterCommand.objects.create(
        meter=account.meters.get(), account=account, action=CommandAction.DISCONNECT.value,
        status=CommandStatus.CONFIRMED.value, created_at=local(day, 9), next_attempt_at=local(day, 9),
        finished_at=local(day, 10),
    )


@pytest.fixture
def town(zj_tariff: str) -> dict[str, Account]:
    """Four households of 铺前村 with their histories."""
    staff = GridStaff.objects.create(name="陈嘉涵", phone="13911112222")
    Village.objects.create(name="铺前村", town="测试镇", grid_staff=staff)
    # Below zero in May (paid in August: June and July too) and in November 2025: 5 late months.
    prepaid = enrol(1, opening_balance_fen=1_000, village="铺前村", phone="13900000001")
    charge(prepaid, 2_000, date(2025, 5, 20))
    pay(prepaid, 5_000, date(2025, 8, 2), "p1")
    charge(prepaid, 5_000, date(2025, 11, 30))
    pay(prepaid, 10_000, date(2025, 12, 3), "p2")
    # Late twice only (May paid after its due date, September still owed): not in the file.
    postpaid = enrol(2, mode="postpaid", opening_balance_fen=0, village="铺前村")
    bill(postpaid, date(2025, 4, 1), 8_000, due_on=date(2025, 5, 10), paid_off_on=date(2025, 5, 20))
    bill(postpaid, date(2025, 5, 1), 8_000, due_on=date(2025, 6, 9), paid_off_on=date(2025, 6, 9))
    bill(postpaid, date(2025, 8, 1), 12_000, due_on=date(2025, 9, 9), paid_off_on=None)
    # Disconnected twice in the window (and once before it, which does not count).
    twice = enrol(3, opening_balance_fen=5_000, village="铺前村", phone="13900000003")
    for day in (date(2024, 12, 1), date(2025, 3, 1), date(2025, 10, 1)):
        disconnected(twice, day)
    # Three late bills: in the file.
    late = enrol(4, mode="postpaid", opening_balance_fen=0, village="铺前村")
    for month in (date(2025, 6, 1), date(2025, 7, 1), date(2025, 8, 1)):
        bill(late, month, 7_000, due_on=month.replace(day=20), paid_off_on=month.replace(day=28))
    return {"prepaid": prepaid, "postpaid": postpaid, "twice": twice, "late": late}


def test_the_file_is_built_from_the_ledger_the_bills_and_the_disconnections(town: dict[str, Account]) -> None:
    report = rebuild_chronic_file(day=DAY, at=local(DAY, 7))

    assert (report.window_start, report.current, report.added, report.left) == (date(2025, 2, 1), 3, 3, 0)
    entries = {e.account_no: e for e in chronic_file(day=DAY)}
    assert set(entries) == {town["prepaid"].account_no, town["twice"].account_no, town["late"].account_no}
    assert entries[town["prepaid"].account_no].late_months == ("2025-05", "2025-06", "2025-07", "2025-08",
                                                               "2025-11", "2025-12")
    assert entries[town["twice"].account_no].reason == "近12个月欠费停电2次"
    assert entries[town["late"].account_no].reason == "近12个月中有3个月延时交费"
    assert entries[town["late"].account_no].grid_staff == "陈嘉涵"
    # Nothing owed by the late household; the prepaid ones are reminded on the 7th of the default 10th.
    assert entries[town["late"].account_no].next_due_on is None
    assert (entries[town["twice"].account_no].next_due_on, entries[town["twice"].account_no].reminder_on) == (
        date(2026, 2, 10), date(2026, 2, 7))
    again = rebuild_chronic_file(day=DAY, at=local(DAY, 7))
    assert (again.current, again.added, again.left) == (3, 0, 0)


def test_the_staffs_notes_survive_a_rebuild_and_an_entry_that_leaves_keeps_them(
    town: dict[str, Account],
) -> None:
    rebuild_chronic_file(day=DAY, at=local(DAY, 7))
    late = town["late"].account_no
    keep_chronic_entry(account_no=late, change=EntryChange(
        method="sms_contact", contact_name="李四", contact_phone="139 0000 1111", contact_relation="neighbour",
        note="白天在地里干活，请邻居转告"), actor="张三（zhang）", roles=COLLECTOR, at=local(DAY, 9))
    with pytest.raises(InvalidPhone):  # the neighbour gets an SMS: a mobile only
        keep_chronic_entry(account_no=late, change=EntryChange(contact_phone="0595-68905492"),
                           actor="张三（zhang）", roles=COLLECTOR, at=local(DAY, 9))
    with pytest.raises(NotAllowed):
        keep_chronic_entry(account_no=late, change=EntryChange(note="x"), actor="李营业员（li）", roles={Role.CASHIER},
                           at=local(DAY, 9))

    # A year on, the late bills are out of the window: the entry leaves the file with its notes.
    later = rebuild_chronic_file(day=date(2026, 9, 15), at=local(date(2026, 9, 15), 7))
    entry = ChronicPayer.objects.get(account=town["late"])
    assert later.left >= 1 and not entry.current and entry.left_on == date(2026, 9, 15)
    assert (entry.method, entry.contact_name, entry.contact_phone, entry.note) == (
        "sms_contact", "李四", "13900001111", "白天在地里干活，请邻居转告")
    audit = AuditRecord.objects.get(action="collection.chronic_entry")
    assert audit.old["method"] == "call" and audit.new["contact_phone"] == "13900001111"


def test_the_days_reminders_go_through_the_outbox_the_call_tasks_and_the_visit_list(
    town: dict[str, Account],
) -> None:
    rebuild_chronic_file(day=DAY, at=local(DAY, 7))
    late, prepaid, twice = town["late"], town["prepaid"], town["twice"]
    bill(late, date(2026, 1, 1), 6_500, due_on=date(2026, 2, 9), paid_off_on=None)
    keep_chronic_entry(account_no=prepaid.account_no, change=EntryChange(
        method="sms_contact", contact_name="王五", contact_phone="13900002222", contact_relation="relative",
        due_day=9), actor="张三（zhang）", roles=COLLECTOR, at=local(DAY, 9))
    keep_chronic_entry(account_no=twice.account_no, change=EntryChange(method="visit"), actor="张三（zhang）",
                       roles=COLLECTOR, at=local(DAY, 9))
    day = date(2026, 2, 6)  # three days before the bill's due date and the prepaid household's own due day

    with pytest.raises(InvalidInput, match="还没到"):
        send_reminders(day=day, at=local(day - timedelta(days=1), 7))  # tomorrow's reminders do not go out today
    run = send_reminders(day=day, at=local(day, 7))

    assert [line.account_no for line in run.calls] == [late.account_no]
    assert run.calls[0].owed_fen == 6_500 and run.calls[0].due_on == date(2026, 2, 9)
    task = CallTask.objects.get(account=late, reason="payment_reminder")
    assert task.due_on == day and task.grid_staff is not None and task.grid_staff.name == "陈嘉涵"
    assert run.visits == []  # its due day is the default 10th: reminded on the 7th
    sms = Notification.objects.get(kind="chronic_reminder_contact")
    assert sms.phone == "13900002222" and "王五您好" in sms.text and prepaid.account_no in sms.text
    assert "2月9日" in sms.text

    rerun = send_reminders(day=day, at=local(day, 8))
    assert (rerun.contact_sms, rerun.calls_opened) == (0, 0)
    assert Notification.objects.filter(kind="chronic_reminder_contact").count() == 1

    visit_day = date(2026, 3, 7)  # three days before the default due day (the 10th)
    visits = send_reminders(day=visit_day, at=local(visit_day, 7))
    assert twice.account_no in [line.account_no for line in visits.visits]


def test_the_monthly_payment_reminder_is_sent_once_a_month_to_who_asked(town: dict[str, Account]) -> None:
    prepaid = town["prepaid"]
    set_payment_reminder(account_no=prepaid.account_no, day_of_month=5, phone="", stop=False, actor="张三（zhang）",
                         roles=COLLECTOR, at=local(DAY, 9))
    assert send_reminders(day=date(2026, 2, 4), at=local(date(2026, 2, 4), 7)).monthly_sms == 0
    sent = send_reminders(day=date(2026, 2, 5), at=local(date(2026, 2, 5), 7))
    assert sent.monthly_sms == 1
    sms = Notification.objects.get(kind="payment_reminder")
    assert sms.phone == "13900000001" and "可用余额" in sms.text
    assert send_reminders(day=date(2026, 2, 5), at=local(date(2026, 2, 5), 9)).monthly_sms == 0
    set_payment_reminder(account_no=prepaid.account_no, day_of_month=None, phone="", stop=True,
                         actor="张三（zhang）", roles=COLLECTOR, at=local(DAY, 9))
    assert send_reminders(day=date(2026, 3, 5), at=local(date(2026, 3, 5), 7)).monthly_sms == 0


@pytest.fixture
def in_arrears(town: dict[str, Account]) -> dict[str, Account]:
    """On DAY: the postpaid account owes 120.00 yuan since 10 September (127 days); a prepaid one 49.00 yuan
    since 20 December (26 days), one more (张三明) 200.00 yuan since 1 December (45 days)."""
    prepaid = town["prepaid"]
    charge(prepaid, 14_900, date(2025, 12, 20))
    Account.objects.filter(id=prepaid.id).update(arrears_since=local(date(2025, 12, 20), 2))
    named = enrol(5, opening_balance_fen=0, village="铺前村")
    named.customer.name = "张三明"
    named.customer.save()
    charge(named, 20_000, date(2025, 12, 1))
    Account.objects.filter(id=named.id).update(arrears_since=local(date(2025, 12, 1), 2))
    return {**town, "named": named}


def test_the_credit_report_list_is_approved_by_the_head_and_exported_with_the_change(
    in_arrears: dict[str, Account], tmp_path: Path
) -> None:
    drafted = draft_credit_report(day=DAY, actor="张三（zhang）", roles=COLLECTOR, at=local(DAY, 9))
    # 90 days and 100 yuan by default: only the postpaid account's arrears are persistent.
    assert [(line.account_no, line.owed_fen, line.days) for line in drafted.lines] == [
        (in_arrears["postpaid"].account_no, 12_000, 127)]

    def refuse(_: bytes) -> None:
        raise AssertionError("nothing is exported before the approval")

    with pytest.raises(CreditReportRefused):
        export_credit_report(report_id=drafted.report_id, actor="张三（zhang）", roles=COLLECTOR, at=local(DAY, 9),
                             deliver=refuse)
    with pytest.raises(NotAllowed):
        approve_credit_report(report_id=drafted.report_id, actor="张三（zhang）", roles=COLLECTOR, at=local(DAY, 9))
    with pytest.raises(NotAllowed):
        approve_credit_report(report_id=drafted.report_id, actor="admin", roles={Role.ADMIN}, at=local(DAY, 9))
    approve_credit_report(report_id=drafted.report_id, actor="王所长（wang）", roles=HEAD, at=local(DAY, 10))
    assert AuditRecord.objects.get(action="collection.credit_report_approve").actor == "王所长（wang）"
    with pytest.raises(CreditReportRefused, match=f"已于 {DAY} 10:00 由 王所长（wang） 批准"):  # in local time
        approve_credit_report(report_id=drafted.report_id, actor="王所长（wang）", roles=HEAD, at=local(DAY, 12))

    def fail(_: bytes) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError):
        export_credit_report(report_id=drafted.report_id, actor="张三（zhang）", roles=COLLECTOR, at=local(DAY, 11),
                             deliver=fail)
    assert CreditReport.objects.get().exported_at is None  # the file failed: no export recorded
    assert not AuditRecord.objects.filter(action="collection.credit_report_export").exists()

    written: list[bytes] = []
    export_credit_report(report_id=drafted.report_id, actor="张三（zhang）", roles=COLLECTOR, at=local(DAY, 11),
                         deliver=written.append)
    rows = list(csv.reader(io.StringIO(written[0].decode("utf-8-sig"))))
    assert rows[0][:4] == ["户号", "户名", "村/社区", "欠费金额（元）"]
    assert rows[1][:4] == [in_arrears["postpaid"].account_no, "测试用户2", "铺前村", "120.00"]
    assert CreditReport.objects.get().exported_at == local(DAY, 11)
    assert AuditRecord.objects.filter(action="collection.credit_report_export").count() == 1


def test_the_notice_prints_the_approved_masked_figures_only_once_approved(in_arrears: dict[str, Account]) -> None:
    drafted = draft_arrears_notice(village="铺前村", day=DAY, actor="张三（zhang）", roles=COLLECTOR, at=local(DAY, 9))
    # 30 days by default: the prepaid account below zero for 26 days is not shown yet.
    assert [(line.masked_name, line.masked_account_no, line.owed_fen, line.days) for line in drafted.lines] == [
        ("测***2", "33******02", 12_000, 127), ("张*明", "33******05", 20_000, 45)]
    assert drafted.total_fen == 32_000
    with pytest.raises(NoticeRefused):
        draft_arrears_notice(village="铺前村", day=DAY, actor="张三（zhang）", roles=COLLECTOR, at=local(DAY, 9))

    def refuse(_: bytes) -> None:
        raise AssertionError("nothing is printed before the approval")

    with pytest.raises(NoticeRefused):
        print_arrears_notice(notice_id=drafted.notice_id, actor="张三（zhang）", at=local(DAY, 9), deliver=refuse)
    with pytest.raises(NotAllowed):
        approve_arrears_notice(notice_id=drafted.notice_id, actor="班长（ban）", roles={Role.SUPERVISOR},
                               at=local(DAY, 9))
    approve_arrears_notice(notice_id=drafted.notice_id, actor="王所长（wang）", roles=HEAD, at=local(DAY, 10))
    audit = AuditRecord.objects.get(action="collection.arrears_notice_approve")
    assert audit.new["total_fen"] == 32_000 and audit.actor == "王所长（wang）"
    with pytest.raises(NoticeRefused):
        approve_arrears_notice(notice_id=drafted.notice_id, actor="王所长（wang）", roles=HEAD, at=local(DAY, 10))

    # 张三明 pays after the approval: the board still shows what was approved.
    pay(in_arrears["named"], 20_000, DAY + timedelta(days=1), "after-approval")
    printed: list[bytes] = []
    print_arrears_notice(notice_id=drafted.notice_id, actor="张三（zhang）", at=local(DAY + timedelta(days=1), 9),
                         deliver=printed.append)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(printed[0])).pages)
    assert "张*明" in text and "200.00" in text and "320.00" in text
    assert "张三明" not in text and in_arrears["named"].account_no not in text
    assert ArrearsNotice.objects.get().printed == 1
    assert AuditRecord.objects.filter(action="collection.arrears_notice_print").count() == 1


def test_the_file_of_a_village_unknown_is_refused_by_name(zj_tariff: str) -> None:
    with pytest.raises(NotFound, match="没有名为 不存在村 的村/社区"):
        chronic_file(day=date(2026, 2, 1), village="不存在村")


def test_a_notice_for_a_village_unknown_is_refused_by_name(zj_tariff: str) -> None:
    with pytest.raises(NotFound, match="没有村/社区 不存在村"):
        draft_arrears_notice(village="不存在村", day=DAY, actor="张三（zhang）", roles=COLLECTOR, at=local(DAY, 9))
    assert not ArrearsNotice.objects.exists()


def test_the_daily_job_rebuilds_the_file_through_yesterday_and_sends_the_days_reminders(
    town: dict[str, Account], clock: FakeClock
) -> None:
    from gridpay.interfaces.jobs.schedules import DEFAULTS
    from gridpay.interfaces.jobs.tasks import collection_day

    set_payment_reminder(account_no=town["prepaid"].account_no, day_of_month=16, phone="", stop=False,
                         actor="张三（zhang）", roles=COLLECTOR, at=local(DAY, 9))
    clock.instant = local(DAY + timedelta(days=1), 7)
    assert collection_day() == "chronic file 3 (+3 −0); reminders: SMS 0, calls 0, visits 0, monthly 1"
    assert ChronicPayer.objects.filter(current=True, built_on=DAY).count() == 3
    assert "gridpay.interfaces.jobs.tasks.collection_day" in {job for job, *_ in DEFAULTS.values()}


def test_a_month_below_zero_is_read_from_real_settlement_and_a_payment_ends_it(zj_tariff: str) -> None:
    from gridpay.application.settlement.catch_up_settlement import settle_through
    from gridpay.domain.chronic_payers import ChronicCriteria
    from tests.support.readings import add_readings

    account = enrol(7, opening_balance_fen=1_500, prepaid_since=date(2025, 3, 1), installed_on=date(2025, 2, 28))
    add_readings(account, first_day=date(2025, 3, 1), daily_kwh=["10.00"] * 5)  # 5.38 yuan a day
    settle_through(through=date(2025, 3, 5), at=local(date(2025, 3, 6), 1))
    pay(account, 5_000, date(2025, 4, 2), "april")
    one_month = ChronicCriteria(late_months=2, window_months=12, disconnections=5)

    report = rebuild_chronic_file(day=date(2025, 6, 30), at=local(date(2025, 6, 30), 7), criteria=one_month)

    # Below zero from 3 March (15.00 − 3 × 5.38) until the payment of 2 April: March and April.
    assert report.current == 1
    assert ChronicPayer.objects.get(account=account).late_months == ["2025-03", "2025-04"]


def test_a_reminder_call_goes_to_the_collector_of_the_households_area(town: dict[str, Account]) -> None:
    from gridpay.application.collection.assign_to_area import assign_to_area
    from gridpay.application.collection.set_area_collector import set_area_collector

    supervisor = {Role.SUPERVISOR}
    set_area_collector(area="铺前片", collector="黄世明", phone="13922223333", valid_from=date(2026, 1, 1),
                       actor="林班长（lin）", roles=supervisor, at=local(DAY, 8))
    assign_to_area(area="铺前片", village="铺前村", transformer_area="", valid_from=date(2026, 1, 1),
                   actor="林班长（lin）", roles=supervisor, at=local(DAY, 8))
    rebuild_chronic_file(day=DAY, at=local(DAY, 7))
    bill(town["late"], date(2026, 1, 1), 6_500, due_on=date(2026, 2, 9), paid_off_on=None)

    run = send_reminders(day=date(2026, 2, 6), at=local(date(2026, 2, 6), 7))

    assert [line.grid_staff for line in run.calls] == ["黄世明"]
    task = CallTask.objects.get(account=town["late"], reason="payment_reminder")
    assert task.grid_staff is not None and task.grid_staff.name == "黄世明"  # not the village's 陈嘉涵
