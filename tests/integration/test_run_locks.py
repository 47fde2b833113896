"""One settlement (disconnection run, withholding export or import, reconciliation of a channel's day) at a time:
a second run started meanwhile says in Chinese who is running and exits without changing anything; a run that died
holds nothing."""

import os
import socket
import sqlite3
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection

from gridpay.data.models import RunLock
from gridpay.data.run_lock import RunInProgress, exclusive_run
from tests.conftest import ON_POSTGRES
from tests.support.cli import GRIDPAY
from tests.support.clock import FakeClock


def gridpay(tmp_path: Path, *args: str, database: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRIDPAY_DATABASE_URL": database or f"sqlite:///{tmp_path / 'gridpay.sqlite3'}"}
    return subprocess.run([*GRIDPAY, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def a_finished_process() -> int:
    probe = subprocess.Popen(["true"])
    probe.wait()
    return probe.pid


def started(pid: int) -> str:
    """The process's start in clock ticks since boot, as /proc says (what a lock row records)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]


def hold(tmp_path: Path, name: str, holder: str) -> None:
    with sqlite3.connect(tmp_path / "gridpay.sqlite3") as db:
        db.execute("INSERT OR REPLACE INTO gridpay_runlock (name, holder, started_at) VALUES (?, ?, ?)",
                   (name, holder, "2026-03-10 01:30:00"))


def held(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "gridpay.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT name FROM gridpay_runlock")]


def test_a_second_settlement_on_sqlite_is_refused_and_a_dead_ones_lock_is_taken_over(
    tmp_path: Path, migrated_here: Path, clock: FakeClock
) -> None:
    yesterday = str(clock.today() - timedelta(days=1))
    first = gridpay(tmp_path, "settle", "--through", yesterday)
    assert first.returncode == 0, first.stderr
    host = socket.gethostname()
    running = subprocess.Popen(["sleep", "60"])  # a live process on this machine, holding the locks
    try:
        hold(tmp_path, "settlement", f"{host}:{running.pid}:{started(running.pid)}:a1")
        refused = gridpay(tmp_path, "settle", "--through", yesterday)
        assert refused.returncode == 1
        assert "结算正在运行" in refused.stderr and f"{host}:{running.pid}" in refused.stderr
        assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
        hold(tmp_path, "supply.enforce", f"{host}:{running.pid}:{started(running.pid)}:a1")
        enforce = gridpay(tmp_path, "supply", "enforce")
        assert enforce.returncode == 1 and "停电执行正在运行" in enforce.stderr

        # The same pid since given to another process: the holder is gone.
        hold(tmp_path, "settlement", f"{host}:{running.pid}:{int(started(running.pid)) - 1}:a0")
        assert gridpay(tmp_path, "settle", "--through", yesterday).returncode == 0
        hold(tmp_path, "settlement", f"{host}:{a_finished_process()}:1:b1")  # it died without letting go
        taken_over = gridpay(tmp_path, "settle", "--through", yesterday)
        assert taken_over.returncode == 0, taken_over.stderr
        assert held(tmp_path) == ["supply.enforce"], "the runs let their lock go; the other is still held"
    finally:
        running.kill()
        running.wait()


@pytest.mark.skipif(ON_POSTGRES, reason="on PostgreSQL the advisory lock is the lock; the row only names its holder")
@pytest.mark.django_db
def test_a_row_this_process_left_in_an_earlier_life_or_elsewhere_long_ago_is_taken_over(clock: FakeClock) -> None:
    from gridpay.data import run_lock

    RunLock.objects.create(name="settlement", holder=run_lock.holder(), started_at=clock.now())
    with pytest.raises(RunInProgress):  # this life holds it… (as if another thread of it did)
        with run_lock._held_guard:
            run_lock._held["settlement"] = (0, 1)
        try:
            with exclusive_run("settlement", what="结算", at=clock.now()):
                pass
        finally:
            run_lock._held.clear()
    with exclusive_run("settlement", what="结算", at=clock.now()):  # …no thread of it does: left behind
        pass
    RunLock.objects.create(name="settlement", holder="elsewhere:1:2:3", started_at=clock.now() - timedelta(hours=1))
    with pytest.raises(RunInProgress), exclusive_run("settlement", what="结算", at=clock.now()):
        pass
    RunLock.objects.filter(name="settlement").update(started_at=clock.now() - timedelta(hours=13))
    with exclusive_run("settlement", what="结算", at=clock.now()):
        pass
    assert not RunLock.objects.exists()


@pytest.mark.django_db
def test_a_run_may_run_its_own_parts_under_its_lock_and_lets_it_go(clock: FakeClock) -> None:
    with exclusive_run("settlement", what="结算", at=clock.now()):
        with exclusive_run("settlement", what="结算", at=clock.now()):
            pass  # settle_through → settle_day: the same run
        assert RunLock.objects.filter(name="settlement").exists()
    assert not RunLock.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_another_thread_of_this_process_is_refused_even_before_the_holders_row_is_there(clock: FakeClock) -> None:
    """Two threads racing for the lock: the one that claimed it first may not have written its row yet."""
    refused: list[RunInProgress] = []
    ran: list[str] = []

    def second() -> None:
        try:
            with exclusive_run("settlement", what="结算", at=clock.now()):
                ran.append("second")
        except RunInProgress as error:
            refused.append(error)
        finally:
            connection.close()

    with exclusive_run("settlement", what="结算", at=clock.now()):
        RunLock.objects.all().delete()  # the window between the claim and the row
        thread = threading.Thread(target=second)
        thread.start()
        thread.join()
    assert not ran and len(refused) == 1 and "结算正在运行" in refused[0].message
    with exclusive_run("settlement", what="结算", at=clock.now()):  # let go: the next run takes it
        ran.append("next")
    assert ran == ["next"] and not RunLock.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_another_thread_of_the_same_process_is_refused(clock: FakeClock) -> None:
    refused: list[RunInProgress] = []

    def second() -> None:
        try:
            with exclusive_run("settlement", what="结算", at=clock.now()):
                pass
        except RunInProgress as error:
            refused.append(error)
        finally:
            connection.close()

    with exclusive_run("settlement", what="结算", at=clock.now()):
        thread = threading.Thread(target=second)
        thread.start()
        thread.join()
    assert len(refused) == 1 and "结算正在运行" in refused[0].message


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_settlement_in_another_process_is_refused_while_this_one_holds_the_lock(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    url = f"postgresql://{settings['USER']}@{host}:{port}/{settings['NAME']}"
    yesterday = str(clock.today() - timedelta(days=1))
    with exclusive_run("settlement", what="结算", at=clock.now()):
        refused = gridpay(tmp_path, "settle", "--through", yesterday, database=url)
    assert refused.returncode == 1 and "结算正在运行" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    again = gridpay(tmp_path, "settle", "--through", yesterday, database=url)
    assert again.returncode == 0, again.stderr
