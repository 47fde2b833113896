"""The loop as staff run it on the embedded default: SQLite file, `gridpay gateway` with its in-process broker,
`gridpay simulate-meters`, `gridpay supply enforce`, a counter payment, and the commands confirmed by read-back."""

import contextlib
import os
import sqlite3
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.cli import GRIDPAY
from tests.support.clock import FakeClock
from tests.support.serving import free_port

pytestmark = pytest.mark.dates

ACCOUNTS = """account_no,customer_name,phone,village,transformer_area,address,mode,prepaid_since,tariff,time_of_use,\
protected_reason,meter_no,dlt645_address,meter_registers,installed_on,start_total_kwh,opening_balance_fen,meter_model
3301990001,张三,13900000001,,,,prepaid,{day},zj-resident-2024,0,,E0001,990000000001,total,{day},0,0,DDZY-2013
3301990002,李四,13900000002,,,,prepaid,{day},zj-resident-2024,0,,E0002,990000000002,total,{day},0,0,DDZY-2009
3301990003,王五,13900000003,,,,prepaid,{day},zj-resident-2024,0,独居老人,E0003,990000000003,total,{day},0,0,
"""
READINGS = """meter_no,reading_date,total_kwh,sharp_kwh,peak_kwh,flat_kwh,valley_kwh
E0001,{day},200.00,,,,
E0002,{day},150.00,,,,
E0003,{day},150.00,,,,
"""



def test_disconnect_and_reconnect_on_the_embedded_default(
    tmp_path: Path, migrated_here: Path, clock: FakeClock
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDPAY_")}
    # Ports of its own: the pinned dates run two at a time, each with a gateway of its own.
    env.update(GRIDPAY_EMBEDDED_MQTT_PORT=str(free_port()), GRIDPAY_GATEWAY_WAKE_PORT=str(free_port()),
               GRIDPAY_SMS_FILE=str(tmp_path / "sms.jsonl"))

    def run(*args: str) -> str:
        done = subprocess.run(
            [*GRIDPAY, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    day = clock.today() - timedelta(days=2)
    (tmp_path / "accounts.csv").write_text(ACCOUNTS.format(day=day), encoding="utf-8")
    (tmp_path / "readings.csv").write_text(READINGS.format(day=day), encoding="utf-8")
    run("accounts", "import", "accounts.csv")
    run("readings", "import", "readings.csv")
    settled = run("settle", "--through", str(clock.today() - timedelta(days=1)))
    assert "欠费停电通知 3 户" in settled
    # Whatever the hour of this test: a window open all day, every day, and no delay.
    run("supply", "policy", "--window", "00:00-23:59:59", "--every-day", "--holidays", "open", "--delay-days", "0")

    gateway = subprocess.Popen([*GRIDPAY, "gateway"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    meters = None
    try:
        wait_for_line(gateway, "采集网关已连接")
        meters = subprocess.Popen([*GRIDPAY, "simulate-meters", "--meters", "3"], cwd=tmp_path, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for_line(meters, "模拟表计 3 只")
        time.sleep(1)  # its subscription reaches the broker
        enforced = run("supply", "enforce")
        assert "下发停电命令 2 户" in enforced and "保电户，转人工：1 户" in enforced
        wait_until(lambda: confirmed(tmp_path) == 2)
        assert run("supply", "commands").count("已确认") == 2
        assert "停电" in run("accounts", "show", "3301990001")

        run("payments", "record", "--account", "3301990001", "--amount-fen", "20000", "--channel", "counter",
            "--txn-id", "C-1")
        wait_until(lambda: confirmed(tmp_path) == 3)
        commands = run("supply", "commands")
        assert commands.count("已确认") == 3
        assert "3301990001" in commands.splitlines()[0] and "复电" in commands.splitlines()[0]
        assert "供电" in run("accounts", "show", "3301990001")
        outbox = run("sms", "list")
        assert "因欠费已停电" in outbox and "已恢复供电" in outbox
        calls = run("calls", "list", "--date", str(clock.today()))  # the third call is due the day it was cut
        assert "停电当日" in calls and "欠费停电短信当日" in calls

        # A meter without 1C: the close is permitted, and the customer is told to press the button.
        run("payments", "record", "--account", "3301990002", "--amount-fen", "20000", "--channel", "counter",
            "--txn-id", "C-2")
        wait_until(lambda: queued_sms(tmp_path, "close_permitted_button") == 1)
        assert "合闸按钮" in run("sms", "list")
        assert "已允许合闸，待用户合闸" in run("calls", "list", "--date", str(clock.today()))

        # The meters only answer: the gateway asks each for its freezes since the last reading. Its first wave went
        # out before the simulated meters listened: 补召 asks again now rather than after the backoff.
        assert "补召" in run("readings", "recall")
        wait_until(lambda: "待召测 0" in run("readings", "gaps"))
        gaps = run("readings", "gaps")
        assert "缺数 0" in gaps and "已读 0" not in gaps
    finally:
        for process in (meters, gateway):
            if process is not None:
                process.terminate()
                process.wait(timeout=20)


def confirmed(directory: Path) -> int:
    """Meter commands confirmed, read from the town's database while the gateway writes to it (the test waits on
    this rather than start `gridpay supply commands` every half second; what staff see is asserted once after)."""
    return _count(directory, "SELECT COUNT(*) FROM gridpay_metercommand WHERE status = 'confirmed'")


def queued_sms(directory: Path, kind: str) -> int:
    return _count(directory, "SELECT COUNT(*) FROM gridpay_notification WHERE kind = ?", kind)


def _count(directory: Path, query: str, *params: str) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{directory / 'gridpay.sqlite3'}?mode=ro", uri=True,
                                            timeout=10)) as db:
        return int(db.execute(query, params).fetchone()[0])


def wait_for_line(process: subprocess.Popen[str], text: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if text in line:
            return
        if process.poll() is not None:
            raise AssertionError(f"exited: {process.stderr.read() if process.stderr else ''}")
    raise AssertionError(f"no line with {text!r}")


def wait_until(check: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError("the loop did not get there in time")
