"""Clear refusals everywhere: each bad input ends in one Chinese sentence naming it, with nothing written; an error
nobody foresaw is one Chinese line and a log file, never a traceback."""

import os
import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridpay.application.errors import InvalidInput
from gridpay.application.outlets.register_outlets import InvalidOutlet, OutletInput, register_outlets
from gridpay.application.rollout.update_villages import parse_schedule
from gridpay.data.models import Outlet, SupplyPolicySettings
from tests.support.cli import GRIDPAY, run_in_process
from tests.support.clock import FakeClock
from tests.support.staff import an_accountant


def gridpay(tmp_path: Path, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GRIDPAY, *args], cwd=tmp_path, capture_output=True, text=True, input=stdin, timeout=120,
                          env={**os.environ, "GRIDPAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gridpay.sqlite3'}",
                               "GRIDPAY_LOG_DIR": str(tmp_path / "logs"), **env}, check=False)


@pytest.mark.django_db
@pytest.mark.parametrize(("option", "value", "message"), [
    ("--delay-days", "-1", "停电延迟应为 0 到 7 天"),
    ("--delay-days", "30000", "停电延迟应为 0 到 7 天"),
    ("--window", "16:00-09:00", "停电时段的开始应早于结束"),
    ("--delay-minutes", "-5", "分钟数不能为负"),
    ("--window", "25:00-26:00", "--window 应为 开始-结束"),
])
def test_a_supply_policy_that_breaks_a_rule_is_refused_and_nothing_is_kept(option: str, value: str,
                                                                           message: str) -> None:
    call_command("supply", "policy", "--delay-days", "2")
    with pytest.raises(CommandError, match=message):
        call_command("supply", "policy", option, value)
    assert SupplyPolicySettings.objects.get().disconnect_delay_days == 2


def test_a_refusal_on_the_command_line_is_the_sentence_alone(tmp_path: Path, migrated_here: Path) -> None:
    refused = gridpay(tmp_path, "supply", "policy", "--delay-days", "-1")
    assert refused.returncode == 1
    assert refused.stderr == "停电延迟应为 0 到 7 天 [policy_invalid]\n"


@pytest.mark.django_db
def test_a_reconciliation_of_a_day_to_come_is_refused(tmp_path: Path, clock: FakeClock) -> None:
    statement = tmp_path / "statement.csv"
    statement.write_text("channel_txn_id,account_no,amount_fen,paid_at\n", encoding="utf-8")
    tomorrow, accountant = clock.today() + timedelta(days=1), an_accountant()
    with pytest.raises(CommandError, match=f"对账日期 {tomorrow} 晚于今天 {clock.today()}"):
        call_command("reconcile", "--channel", "agent", "--date", str(tomorrow), str(statement), "--as", accountant)


@pytest.mark.django_db
def test_the_calls_of_a_grid_staff_member_nobody_knows_are_refused_naming_those_there_are() -> None:
    from gridpay.data.models import GridStaff

    GridStaff.objects.create(name="陈嘉涵", phone="13800000001")
    with pytest.raises(CommandError, match="没有名为 陈家涵 的网格员；网格员有：陈嘉涵"):
        call_command("calls", "list", "--staff", "陈家涵")


def test_a_password_piped_into_staff_add_is_taken_once_and_checked(tmp_path: Path, migrated_here: Path) -> None:
    added = gridpay(tmp_path, "staff", "add", "--username", "wang", "--name", "王营业", "--role", "cashier",
                    stdin="Counter-Desk-2026\n")
    assert added.returncode == 0, added.stderr
    assert "已新增工作人员 王营业" in added.stdout
    weak = gridpay(tmp_path, "staff", "add", "--username", "li", "--name", "李", "--role", "cashier", stdin="123\n")
    assert weak.returncode == 1 and "密码不合要求" in weak.stderr and "Traceback" not in weak.stderr
    empty = gridpay(tmp_path, "staff", "add", "--username", "zhao", "--name", "赵", "--role", "cashier", stdin="")
    assert empty.returncode == 1 and "没有读到密码" in empty.stderr
    with sqlite3.connect(tmp_path / "gridpay.sqlite3") as db:
        assert [name for (name,) in db.execute("SELECT username FROM auth_user")] == ["wang"]


def test_an_unexpected_error_is_one_chinese_line_and_a_log_file(tmp_path: Path) -> None:
    (tmp_path / "broken.sqlite3").write_bytes(b"this is not a database, it was overwritten" * 100)
    failed = gridpay(tmp_path, "settle", "--date", "2026-01-05",
                     GRIDPAY_DATABASE_URL=f"sqlite:///{tmp_path / 'broken.sqlite3'}")
    assert failed.returncode == 1
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("出错了（DatabaseError）："), failed.stderr
    assert "Traceback" not in failed.stderr
    log = Path(lines[0].split("详情已写入 ")[1])
    assert log.parent == tmp_path / "logs"
    written = log.read_text(encoding="utf-8")
    assert written.startswith("gridpay settle --date 2026-01-05") and "Traceback (most recent call last)" in written


@pytest.mark.django_db
def test_every_problem_of_every_outlet_is_named_and_none_is_registered() -> None:
    with pytest.raises(InvalidOutlet) as refused:
        register_outlets(outlets=[
            OutletInput(code="", name="邮政", kind="castle", latitude="north", longitude="118"),
            OutletInput(code="S1", name="小卖部", kind="shop", latitude="24.9", longitude="118.6", hours="早八点"),
        ])
    message = refused.value.message
    for problem in ("第 1 个网点（无编号）：编号和名称不能为空", "第 1 个网点（无编号）：类型应为", "经纬度应为数字",
                    "第 2 个网点（S1）："):
        assert problem in message, message
    assert not Outlet.objects.exists()


def test_every_bad_line_of_a_rollout_schedule_is_named() -> None:
    schedule = ("month,village,grid_staff,grid_phone,village_assistant,assistant_phone\n"
                "2026-13,铺前村,陈嘉涵,10012345678,,\n"
                "2026-04,码头村,陈嘉涵,0595-68905492,李村委,13800000002\n"
                "2026-05,,陈嘉涵,0595-68905492,王,12345\n")
    with pytest.raises(InvalidInput) as refused:
        parse_schedule(schedule.encode())
    message = refused.value.message
    assert "第 2 行：月份应为 YYYY-MM：'2026-13'，电话号码应为" in message and "10012345678" in message
    assert "第 4 行：村/社区名称不能为空，电话号码应为" in message and "12345" in message
    assert "第 3 行" not in message


def test_a_crash_log_is_its_owners_alone_and_keeps_no_secret(tmp_path: Path) -> None:
    from gridpay.interfaces.cli.crash_report import masked

    assert masked(["cards", "redeem", "--pin", "1234 5678", "--password=s3cret", "--account", "33"]) == [
        "cards", "redeem", "--pin", "***", "--password=***", "--account", "33"]
    (tmp_path / "broken.sqlite3").write_bytes(b"not a database" * 100)
    failed = gridpay(tmp_path, "cards", "redeem", "--account", "3301000001", "--serial", "A000001", "--pin",
                     "1111 2222 3333 4444", GRIDPAY_DATABASE_URL=f"sqlite:///{tmp_path / 'broken.sqlite3'}")
    assert failed.returncode == 1, failed.stderr
    log = Path(failed.stderr.strip().split("详情已写入 ")[1])
    assert log.stat().st_mode & 0o077 == 0 and log.parent.stat().st_mode & 0o077 == 0
    assert "1111 2222" not in log.read_text(encoding="utf-8") and "--pin ***" in log.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_a_command_line_that_does_not_parse_is_told_in_chinese_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    ran = run_in_process(capsys, "green", "settle", "--collector", "x", "--amount-fen", "80.5", "--as", "li")
    assert ran.returncode == 2
    assert ran.stderr.strip() == ("gridpay green settle：--amount-fen 的值「80.5」不对：应为整数"
                                  "（gridpay green settle --help 查看用法）")
    wrong = run_in_process(capsys, "collection", "nosuch")
    assert wrong.returncode == 2 and "gridpay collection：子命令 不能取 nosuch" in wrong.stderr
    assert "usage:" not in wrong.stderr and "error:" not in wrong.stderr
    helped = run_in_process(capsys, "risk", "list", "--help")
    assert "--collector" in helped.stdout and "--settings" not in helped.stdout and "--traceback" not in helped.stdout
    # argparse's own words too: the page is Chinese throughout.
    assert helped.stdout.startswith("用法：gridpay risk list") and "\n选项：\n" in helped.stdout
    assert "选项:" not in helped.stdout
    assert "options:" not in helped.stdout and "show this help" not in helped.stdout


def test_a_gateway_whose_broker_port_is_taken_says_so_in_one_line(tmp_path: Path, migrated_here: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = gridpay(tmp_path, "gateway", "--no-daily-reads", GRIDPAY_EMBEDDED_MQTT_PORT=str(port))
    assert refused.returncode == 1
    assert f"内嵌 MQTT 代理启动失败：[Errno 98] 127.0.0.1:{port} 已被另一个进程占用" in refused.stderr
    assert "GRIDPAY_EMBEDDED_MQTT_PORT" in refused.stderr and "Traceback" not in refused.stderr + refused.stdout
