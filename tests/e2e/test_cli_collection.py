"""`gridpay collection chronic|credit-report|notice` as staff type them: the file and its reminders, the credit report
list and the public arrears notice, each refused where the role or the state does not allow it."""

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import Account, AuditRecord, CallTask, GridStaff, PostpaidBill, Village
from tests.support.accounts import enrol
from tests.support.cli import run_in_process
from tests.support.clock import FakeClock, local

pytestmark = pytest.mark.django_db
PASSWORD = "Gr1dpay-test-pass"
DAY = date(2026, 1, 15)


def bill(account: Account, month: date, fen: int, *, due_on: date, paid_off_on: date | None) -> None:
    issued = date.fromordinal(due_on.toordinal() - 15)
    PostpaidBill.objects.create(
        account=account, bill_no=f"{month:%Y%m}{account.account_no}", month=month, period_from=month,
        reading_date=issued, energy_kwh=Decimal("100.00"), tariff_code="zj-resident-2024", amount_fen=fen,
        issued_on=issued, issued_at=local(issued, 2), due_on=due_on, principal_paid_fen=fen if paid_off_on else 0,
        paid_off_on=paid_off_on,
    )


@pytest.fixture
def station(zj_tariff: str, clock: FakeClock) -> Account:
    """A postpaid household of 铺前村 late three months running, and 150.00 yuan still owed since 10 September."""
    staff = GridStaff.objects.create(name="陈嘉涵", phone="13911112222")
    Village.objects.create(name="铺前村", town="测试镇", grid_staff=staff)
    account = enrol(1, mode="postpaid", opening_balance_fen=0, village="铺前村")
    for month in (date(2025, 6, 1), date(2025, 7, 1)):
        bill(account, month, 7_000, due_on=month.replace(day=20), paid_off_on=month.replace(day=28))
    bill(account, date(2025, 8, 1), 15_000, due_on=date(2025, 9, 9), paid_off_on=None)
    bill(account, date(2026, 1, 1), 6_500, due_on=date(2026, 1, 18), paid_off_on=None)
    for username, name, role in (("zhang", "张三", "grid_staff"), ("wang", "王所长", "station_head"),
                                 ("li", "李营业员", "cashier")):
        add_staff(username=username, name=name, role=role, password=PASSWORD)
    clock.instant = local(DAY, 10)
    return account


def test_the_file_is_rebuilt_kept_and_its_reminders_come_out(
    station: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    rebuilt = run_in_process(capsys, "collection", "chronic", "rebuild", "--date", "2026-01-15")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "在档 1 户，新入档 1 户，出档 0 户" in rebuilt.stdout

    refused = run_in_process(capsys, "collection", "chronic", "set", "--account", station.account_no,
                             "--method", "visit", "--as", "li")
    assert refused.returncode == 1 and "[not_allowed]" in refused.stderr
    bad_phone = run_in_process(capsys, "collection", "chronic", "set", "--account", station.account_no,
                               "--method", "sms_contact", "--contact-name", "李四", "--contact-phone", "12345",
                               "--as", "zhang")
    assert bad_phone.returncode == 1 and "手机号应为 11 位数字" in bad_phone.stderr
    kept = run_in_process(capsys, "collection", "chronic", "set", "--account", station.account_no, "--method", "visit",
                          "--note", "老人独居，上门提醒", "--as", "zhang")
    assert kept.returncode == 0, kept.stderr

    listed = run_in_process(capsys, "collection", "chronic", "list")
    assert station.account_no in listed.stdout and "近12个月中有3个月延时交费" in listed.stdout
    assert "上门提醒" in listed.stdout and "老人独居" in listed.stdout
    assert "2026-01-15 提醒（2026-01-18 交费期限）" in listed.stdout
    as_json = json.loads(run_in_process(capsys, "collection", "chronic", "list", "--json").stdout)
    assert as_json[0]["late_months"] == ["2025-06", "2025-07", "2025-09"]

    reminded = run_in_process(capsys, "collection", "chronic", "remind")  # 15 January: 3 days before the 18th
    assert reminded.returncode == 0, reminded.stderr
    assert "上门 1 户" in reminded.stdout
    assert f"陈嘉涵：{station.account_no} 测试用户1 铺前村" in reminded.stdout and "应交 65.00 元" in reminded.stdout

    run_in_process(capsys, "collection", "chronic", "set", "--account", station.account_no, "--method", "call",
                   "--as", "zhang")
    called = run_in_process(capsys, "collection", "chronic", "remind")
    assert "新建电话任务 1 个" in called.stdout
    assert CallTask.objects.get().reason == "payment_reminder"

    monthly = run_in_process(capsys, "collection", "chronic", "monthly", "--account", station.account_no,
                             "--day", "15", "--phone", "13900001111", "--as", "zhang")
    assert monthly.returncode == 0 and "每月 15 日短信提醒交费（13900001111）" in monthly.stdout
    assert "每月交费提醒短信 1 条" in run_in_process(capsys, "collection", "chronic", "remind").stdout


def test_the_credit_report_and_the_notice_go_through_the_station_head(
    station: Account, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    drafted = run_in_process(capsys, "collection", "credit-report", "draft", "--as", "zhang", "--json")
    assert drafted.returncode == 0, drafted.stderr
    report = json.loads(drafted.stdout)
    assert [(line["account_no"], line["owed_fen"]) for line in report["lines"]] == [(station.account_no, 15_000)]
    out = tmp_path / "征信.csv"
    early = run_in_process(capsys, "collection", "credit-report", "export", "--id", str(report["report_id"]),
                           "--out", str(out), "--as", "zhang")
    assert early.returncode == 1 and "尚未经所长批准" in early.stderr and not out.exists()
    not_head = run_in_process(capsys, "collection", "credit-report", "approve", "--id", str(report["report_id"]),
                              "--as", "zhang")
    assert not_head.returncode == 1 and "只有所长可以批准征信报送名单" in not_head.stderr
    approved = run_in_process(capsys, "collection", "credit-report", "approve", "--id", str(report["report_id"]),
                              "--as", "wang")
    assert approved.returncode == 0 and "1 户，合计 150.00 元" in approved.stdout
    exported = run_in_process(capsys, "collection", "credit-report", "export", "--id", str(report["report_id"]),
                              "--out", str(out), "--as", "zhang")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[1][:4] == [station.account_no, "测试用户1", "铺前村", "150.00"]
    again = run_in_process(capsys, "collection", "credit-report", "export", "--id", str(report["report_id"]),
                           "--out", str(out), "--as", "zhang")
    assert again.returncode == 1 and "已存在" in again.stderr  # nothing overwritten
    assert AuditRecord.objects.filter(action="collection.credit_report_export").count() == 1

    notice = run_in_process(capsys, "collection", "notice", "draft", "--village", "铺前村", "--as", "zhang")
    assert notice.returncode == 0, notice.stderr
    assert "测***1 33******01 150.00 元 127 天" in notice.stdout  # the January bill is not yet due
    assert "1 " in run_in_process(capsys, "collection", "notice", "list", "--drafts").stdout
    pdf = tmp_path / "公示.pdf"
    unapproved = run_in_process(capsys, "collection", "notice", "print", "--id", "1", "--out", str(pdf),
                                "--as", "zhang")
    assert unapproved.returncode == 1 and "尚未经所长批准" in unapproved.stderr and not pdf.exists()
    assert run_in_process(capsys, "collection", "notice", "approve", "--id", "1", "--as", "wang").returncode == 0
    assert run_in_process(capsys, "collection", "notice", "list", "--drafts").stdout.strip() == "没有欠费公示"
    printed = run_in_process(capsys, "collection", "notice", "print", "--id", "1", "--out", str(pdf), "--as", "zhang")
    assert printed.returncode == 0, printed.stderr
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "铺前村" in text and "测***1" in text and "150.00" in text and station.account_no not in text
