"""`gridpay temporary` as the counter types it: a building site registered, refused connection until prepaid,
connected by the payment that completes the estimate, settled nightly, ended early with a refund and a PDF statement."""

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from gridpay.application.customers.install_builtin_meter_models import install_builtin_meter_models
from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import Account, AuditRecord, MeterCommand
from gridpay.interfaces.jobs.schedules import DEFAULTS
from gridpay.interfaces.jobs.tasks import expire_temporary_supplies
from tests.support.cli import run_in_process
from tests.support.clock import FakeClock, local
from tests.support.readings import add_readings

pytestmark = pytest.mark.django_db
PASSWORD = "Gr1dpay-test-pass"
DAY = date(2025, 3, 3)


def test_a_building_site_from_registration_to_its_statement(
    zj_tariff: str, clock: FakeClock, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    install_builtin_meter_models()
    add_staff(username="li", name="李营业员", role="cashier", password=PASSWORD)
    add_staff(username="zhang", name="张网格员", role="grid_staff", password=PASSWORD)
    clock.instant = local(DAY, 9)
    register = ["temporary", "register", "--account", "3901000001", "--name", "宏达建筑", "--purpose", "工地",
                "--description", "村委会办公楼施工", "--start", "2025-03-03", "--end", "2025-05-31",
                "--estimate-kwh", "1000", "--tariff", "zj-resident-2024", "--meter", "T0001",
                "--address-645", "900000000001", "--meter-model", "DDZY-2013", "--address", "东村 3 组"]
    refused = run_in_process(capsys, *register, "--as", "zhang")
    assert refused.returncode == 1 and "只有营业员、班长或所长可以办理临时用电" in refused.stderr

    done = run_in_process(capsys, *register, "--as", "li")
    assert done.returncode == 0, done.stderr
    assert "已登记临时用电户 3901000001：须预交 538.00 元后送电" in done.stdout
    assert "还须预交 538.00 元方可送电" in done.stdout

    short = run_in_process(capsys, "temporary", "connect", "--account", "3901000001", "--as", "li")
    assert short.returncode == 1
    assert "须预交预计电费 538.00 元后方可送电：现有余额 0.00 元，还差 538.00 元" in short.stderr

    paid = run_in_process(capsys, "payments", "counter", "--account", "3901000001", "--amount-fen", "60000",
                          "--receipt-no", "S0001", "--cashier", "李营业员")
    assert paid.returncode == 0, paid.stderr
    assert MeterCommand.objects.get().action == "reconnect"  # connected by the payment itself
    listed = run_in_process(capsys, "temporary", "show")
    # Ordered, not yet on: no gateway has carried the command to the meter.
    assert "3901000001 宏达建筑 工地 2025-03-03—2025-05-31 已下达送电，待表计或现场确认" in listed.stdout

    account = Account.objects.get(account_no="3901000001")
    add_readings(account, first_day=DAY, daily_kwh=["40.00"] * 3)
    for day in (DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)):
        clock.instant = local(day + timedelta(days=1), 1)
        assert run_in_process(capsys, "settle", "--date", day.isoformat()).returncode == 0
    shown = json.loads(run_in_process(capsys, "temporary", "show", "--account", "3901000001", "--json").stdout)
    assert (shown["paid_fen"], shown["used_fen"], shown["balance_fen"]) == (60_000, 6_456, 53_544)

    end_day = DAY + timedelta(days=3)  # the site finished early
    clock.instant = local(end_day, 16)
    pdf = tmp_path / "结算单.pdf"
    ended = run_in_process(capsys, "temporary", "end", "--account", "3901000001", "--final-reading", "130.00",
                           "--pdf", str(pdf), "--as", "li")
    assert ended.returncode == 0, ended.stderr
    # 10 kWh on the last day: 5.38 yuan; 600 − 64.56 − 5.38 = 530.06 back in cash.
    assert "已结束并销户：退还余额 530.06 元（柜台现金）" in ended.stdout
    assert "已交 600.00 元，已用 130.00 千瓦时 69.94 元，已退 530.06 元" in ended.stdout
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "临时用电结算单" in text and "530.06" in text and "538.00" in text
    assert MeterCommand.objects.filter(action="disconnect").exists()
    assert AuditRecord.objects.get(action="temporary.end").actor == "李营业员（li）"
    assert "没有未结束的临时用电户" in run_in_process(capsys, "temporary", "show").stdout
    assert "期满停电 0 户" in run_in_process(capsys, "temporary", "expire", "--date", "2025-06-30").stdout


def test_a_fair_past_its_term_is_disconnected_by_gridpay_temporary_expire(
    zj_tariff: str, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    install_builtin_meter_models()
    add_staff(username="li", name="李营业员", role="cashier", password=PASSWORD)
    clock.instant = local(DAY, 9)
    done = run_in_process(capsys, "temporary", "register", "--account", "3901000002", "--name", "三月三庙会",
                          "--purpose", "集市", "--start", "2025-03-03", "--end", "2025-03-04", "--estimate-kwh", "50",
                          "--tariff", "zj-resident-2024", "--meter", "T0002", "--address-645", "900000000002",
                          "--no-remote", "--as", "li")
    assert done.returncode == 0, done.stderr
    run_in_process(capsys, "payments", "counter", "--account", "3901000002", "--amount-fen", "2690",
                   "--receipt-no", "S0002", "--cashier", "李营业员")
    assert "现场送电工单" in run_in_process(capsys, "temporary", "connect", "--account", "3901000002",
                                           "--as", "li").stdout
    clock.instant = local(date(2025, 3, 5), 9)
    expired = run_in_process(capsys, "temporary", "expire")
    assert expired.returncode == 0 and "期满停电 1 户：3901000002" in expired.stdout
    shown = run_in_process(capsys, "temporary", "show", "--account", "3901000002")
    assert "已期满停电，请办理结束" in shown.stdout
    # The morning schedule runs the same use case: it finds nothing more to do.
    assert expire_temporary_supplies() == "temporary supplies disconnected at the end of their term: 0"
    assert DEFAULTS["临时用电期满停电"][0] == "gridpay.interfaces.jobs.tasks.expire_temporary_supplies"
