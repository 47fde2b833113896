"""`gridpay postpaid`, `gridpay bill` for a postpaid month and `gridpay arrears`, as staff type them."""

import json
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import ArrearsCase, AuditRecord, PostpaidBill
from tests.support.accounts import enrol
from tests.support.cli import run_in_process
from tests.support.clock import FakeClock, local
from tests.support.readings import add_readings

pytestmark = pytest.mark.django_db
PASSWORD = "Gr1dpay-test-pass"


@pytest.fixture
def billed(zj_tariff: str, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> str:
    account = enrol(1, mode="postpaid", opening_balance_fen=0)
    add_readings(account, first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 25)
    for username, name, role in (("zhang", "张三", "grid_staff"), ("wang", "王所长", "station_head"),
                                 ("li", "李营业员", "cashier")):
        add_staff(username=username, name=name, role=role, password=PASSWORD)
    clock.instant = local(date(2025, 1, 25), 18)
    done = run_in_process(capsys, "postpaid", "bill", "--date", "2025-01-25")
    assert done.returncode == 0, done.stderr
    assert "已发行 1 张电费单" in done.stdout and "134.50 元" in done.stdout
    return account.account_no


def test_a_postpaid_month_is_shown_by_gridpay_bill(billed: str, capsys: pytest.CaptureFixture[str]) -> None:
    done = run_in_process(capsys, "bill", "--account", billed, "--month", "2025-01")

    assert done.returncode == 0, done.stderr
    assert f"电费单 202501{billed}（后付费）" in done.stdout
    assert "交费期限 2025-02-09" in done.stdout and "尚欠 134.50 元" in done.stdout
    as_json = json.loads(run_in_process(capsys, "bill", "--account", billed, "--month", "2025-01", "--json").stdout)
    assert as_json["amount_fen"] == 13_450 and as_json["kind"] == "postpaid"


def test_late_fees_are_charged_and_only_the_station_head_waives_them(
    billed: str, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    clock.instant = local(date(2025, 2, 20), 1)
    done = run_in_process(capsys, "postpaid", "accrue", "--date", "2025-02-20")
    assert done.returncode == 0 and "合计 1.48 元" in done.stdout  # 11 days × 1‰ × 134.50 yuan

    refused = run_in_process(capsys, "postpaid", "waive", "--bill", f"202501{billed}", "--reason", "低保户减免",
                             "--as", "li")
    assert refused.returncode == 1 and "只有所长可以减免违约金" in refused.stderr
    waived = run_in_process(capsys, "postpaid", "waive", "--bill", f"202501{billed}", "--reason", "低保户，所务会同意",
                            "--as", "wang")
    assert waived.returncode == 0, waived.stderr
    assert "已减免违约金合计 1.48 元" in waived.stdout
    assert AuditRecord.objects.get(action="postpaid.waive_late_fee").actor == "王所长（wang）"
    assert PostpaidBill.objects.get().late_fee_waived_fen == 148


def test_the_procedure_is_taken_step_by_step_by_named_staff(
    billed: str, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    clock.instant = local(date(2025, 2, 10), 8)
    assert "新立停电催费案件 1 件" in run_in_process(capsys, "arrears", "open").stdout

    clock.instant = local(date(2025, 2, 10), 10)
    served = run_in_process(capsys, "arrears", "yellow", "--account", billed, "--pay-by", "2025-02-17",
                            "--planned", "2025-02-26 10:00", "--as", "zhang")
    assert served.returncode == 0, served.stderr
    assert "已送催费通知单" in served.stdout
    case = ArrearsCase.objects.get()
    assert case.yellow_amount_fen == 13_450  # the arrears of the day when no amount is given
    assert case.yellow_planned_at == local(date(2025, 2, 26), 10)

    skipped = run_in_process(capsys, "arrears", "approve", "--account", billed, "--as", "wang")
    assert skipped.returncode == 1 and "[arrears_" in skipped.stderr
    shown = run_in_process(capsys, "arrears", "show", "--account", billed)
    assert "送达催费通知单（张三（zhang））" in shown.stdout
    assert "下一步：送达中止供电通知书（可办：网格员、班长）" in shown.stdout

    queue = json.loads(run_in_process(capsys, "arrears", "queue", "--role", "grid_staff", "--json").stdout)
    assert [item["account_no"] for item in queue] == [billed]
    assert json.loads(run_in_process(capsys, "arrears", "queue", "--role", "station_head", "--json").stdout) == []


def test_a_bad_planned_time_is_one_line_naming_the_option(billed: str, capsys: pytest.CaptureFixture[str]) -> None:
    done = run_in_process(capsys, "arrears", "yellow", "--account", billed, "--pay-by", "2025-02-17",
                          "--planned", "26/02 10点", "--as", "zhang")

    assert done.returncode == 1 and "--planned" in done.stderr
    assert not AuditRecord.objects.exists()


def test_a_village_and_an_area_get_their_reading_days(billed: str, capsys: pytest.CaptureFixture[str]) -> None:
    from gridpay.data.models import AreaReadingDay, Village

    Village.objects.create(name="东村", town="测试镇")

    done = run_in_process(capsys, "postpaid", "reading-day", "--village", "东村", "--day", "10", "--as", "wang")
    assert done.returncode == 0, done.stderr
    assert Village.objects.get(name="东村").reading_day == 10
    assert run_in_process(capsys, "postpaid", "reading-day", "--area", "东村1号变", "--day", "12", "--as",
                          "wang").returncode == 0
    assert AreaReadingDay.objects.get().reading_day == 12
    refused = run_in_process(capsys, "postpaid", "reading-day", "--area", "东村1号变", "--day", "31", "--as", "wang")
    assert refused.returncode == 1 and "1 到 28" in refused.stderr
    assert AreaReadingDay.objects.get().reading_day == 12


def test_the_collectors_notices_are_printed_for_delivery_and_a_recorded_one_as_recorded(
    billed: str, clock: FakeClock, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    clock.instant = local(date(2025, 2, 10), 8)
    run_in_process(capsys, "arrears", "open")

    unplanned = run_in_process(capsys, "arrears", "print", "yellow", "--as", "zhang", "--out", str(tmp_path / "a.pdf"))
    assert unplanned.returncode == 1 and "交费期限和计划停电时间" in unplanned.stderr
    assert not (tmp_path / "a.pdf").exists()
    done = run_in_process(capsys, "arrears", "print", "yellow", "--pay-by", "2025-02-17", "--planned",
                          "2025-02-26 10:00", "--as", "zhang", "--out", str(tmp_path / "yellow.pdf"))
    assert done.returncode == 0, done.stderr
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "yellow.pdf").pages)
    assert billed in text and "134.50" in text and "电费催费通知单" in text

    run_in_process(capsys, "arrears", "yellow", "--account", billed, "--pay-by", "2025-02-18", "--planned",
                   "2025-02-27 10:00", "--as", "zhang")
    again = run_in_process(capsys, "arrears", "print", "yellow", "--account", billed, "--as", "zhang", "--out",
                           str(tmp_path / "again.pdf"))
    assert again.returncode == 0, again.stderr
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "again.pdf").pages)
    assert "2025年02月18日" in text or "2025年2月18日" in text  # the deadline recorded, not a new one


def test_a_postpaid_account_converts_from_the_day_after_its_reading_day_keeping_its_bill(
    billed: str, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    from gridpay.application.settlement.settle_day import settle_day
    from gridpay.data.models import Account, Settlement
    from tests.support.readings import add_readings

    clock.instant = local(date(2025, 1, 27), 10)
    wrong = run_in_process(capsys, "accounts", "convert", "--account", billed, "--since", "2025-01-28", "--as", "li")
    assert wrong.returncode == 1 and "2025-01-26" in wrong.stderr

    done = run_in_process(capsys, "accounts", "convert", "--account", billed, "--as", "li")

    assert done.returncode == 0, done.stderr
    assert "自 2025-01-26 起为智能交费户" in done.stdout and "250.00 kWh" in done.stdout and "1 张保留" in done.stdout
    account = Account.objects.get(account_no=billed)
    assert (account.mode, account.prepaid_since) == ("prepaid", date(2025, 1, 26))
    add_readings(account, first_day=date(2025, 1, 26), daily_kwh=["10.00"])
    settle_day(day=date(2025, 1, 26), at=clock.now())
    # The 26th is the first day settled: 10 kWh after the 250 the postpaid bill counted, still the first tier.
    assert Settlement.objects.get(account=account).charge_fen == 538
    assert PostpaidBill.objects.get().paid_off_on is None
