"""`gridpay demo --serve` runs the town's head-end beside its web server: a household that pays its way out of
arrears has its supply restored by a (simulated) meter, whether it paid while nothing ran or while the demo serves,
and stopping the server stops the gateway and the meters."""

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.test_cli_secret_key import gridpay, user_environment
from tests.support.serving import free_port, serving

pytestmark = pytest.mark.dates  # the commands' clock is the test's

# A small town whose last day leaves prepaid households cut off, whatever day the clock is pinned to.
TOWN = ("--households", "60", "--days", "30", "--start", "2026-01-01")
# Far below the head-end's first retry (an answer awaited 30 s, then 60 s before the next try).
CONFIRMED_WITHIN_S = 25


def test_the_served_demo_reconnects_a_paying_household_and_stops_its_head_end(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    env = user_environment(tmp_path, HOME=str(tmp_path_factory.mktemp("home")),
                           GRIDPAY_EMBEDDED_MQTT_PORT=str(free_port()), GRIDPAY_GATEWAY_WAKE_PORT=str(free_port()))

    def run(*args: str) -> str:
        done = gridpay(*args, cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("demo", *TOWN)
    early, late = cut_off_with_direct_close(tmp_path)[:2]
    # Pays while nothing runs: its reconnection waits in the queue for the head-end.
    run("payments", "record", "--account", early, "--amount-fen", "10000", "--channel", "counter", "--txn-id", "E-1")
    assert early in run("supply", "commands", "--status", "queued")

    printed = tmp_path / "served.txt"
    port = free_port()
    with serving("demo", *TOWN, "--serve", "--port", str(port), port=port, cwd=tmp_path, env=env, stdout=printed):
        # The meters were up before the gateway sent what was queued: confirmed at once, not after a retry.
        wait_until(lambda: supplied(tmp_path, early), timeout_s=CONFIRMED_WITHIN_S)
        said = printed.read_text(encoding="utf-8")
        assert "采集网关与模拟表计（60 只）已在运行" in said, said
        assert "gridpay-gateway.log" in said and "gridpay-meters.log" in said
        started = {command_of(pid) for pid in processes_in(tmp_path)}
        assert any(" gateway --no-daily-reads" in c for c in started) and any(" simulate-meters" in c for c in started)
        run("payments", "record", "--account", late, "--amount-fen", "10000", "--channel", "counter", "--txn-id", "L-1")
        wait_until(lambda: supplied(tmp_path, late), timeout_s=CONFIRMED_WITHIN_S)
        for account in (early, late):
            assert "供电状态      供电" in run("accounts", "show", account)
        commands = run("supply", "commands").splitlines()
        assert {line.split()[3] for line in commands[:2]} == {early, late}
        assert all("复电" in line and "已确认" in line and "尝试 1 次" in line for line in commands[:2])

    assert not processes_in(tmp_path)  # the web server, its workers, the gateway and the meters: all gone
    assert "网关已停止" in (tmp_path / "gridpay-gateway.log").read_text(encoding="utf-8")
    assert "模拟表计已停止：共执行 2 条命令" in (tmp_path / "gridpay-meters.log").read_text(encoding="utf-8")


def cut_off_with_direct_close(directory: Path) -> list[str]:
    """Prepaid accounts whose meter's relay is open and whose meter model closes directly (1C)."""
    return [row[0] for row in _rows(directory, """
        SELECT a.account_no FROM gridpay_meter m JOIN gridpay_account a ON a.id = m.account_id
        JOIN gridpay_metermodel mm ON mm.id = m.model_id
        WHERE m.removed_on IS NULL AND m.relay_open_reported = 1 AND mm.direct_close = 1 AND a.mode = 'prepaid'
        ORDER BY a.account_no""")]


def supplied(directory: Path, account_no: str) -> bool:
    """The account's meter has read back its relay closed (read from the database while the gateway writes it;
    what staff see is asserted once after)."""
    rows = _rows(directory, """SELECT m.relay_open_reported FROM gridpay_meter m JOIN gridpay_account a
        ON a.id = m.account_id WHERE a.account_no = ? AND m.removed_on IS NULL""", account_no)
    return rows == [(0,)]


def _rows(directory: Path, query: str, *params: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(f"file:{directory / 'gridpay.sqlite3'}?mode=ro", uri=True,
                                            timeout=10)) as db:
        return db.execute(query, params).fetchall()


def processes_in(directory: Path) -> set[int]:
    """The processes whose working directory is ``directory``: the demo's, and whatever it started there."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if os.readlink(entry / "cwd") == str(directory):
                    found.add(int(entry.name))
    return found


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_until(check: Callable[[], bool], *, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"not there within {timeout_s} s")
