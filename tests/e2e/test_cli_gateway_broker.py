"""`gridpay gateway` as a service runs it, on the embedded SQLite default with a Mosquitto of the test's own:
started before its broker it says in Chinese that it waits (no traceback) and connects once the broker is up;
the broker killed and started again, it reconnects by itself and carries the next payment's reconnect; the
heartbeat in `gridpay supply commands` says all along whether it is connected."""

import os
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.e2e.test_cli_control_loop import ACCOUNTS, READINGS, confirmed
from tests.support.cli import GRIDPAY
from tests.support.clock import FakeClock
from tests.support.mosquitto import OwnMosquitto
from tests.support.serving import free_port
from tests.support.template_database import copy_template

pytestmark = pytest.mark.dates


class Output:
    """Every line a process writes to stdout and stderr, read on threads so that neither pipe fills."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.out: list[str] = []
        self.err: list[str] = []
        for stream, lines in ((process.stdout, self.out), (process.stderr, self.err)):
            threading.Thread(target=self._read, args=(stream, lines), daemon=True).start()

    @staticmethod
    def _read(stream: object, lines: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.append(line)

    def wait_for(self, text: str, *, stream: str = "out", timeout_s: float = 30) -> None:
        lines = self.out if stream == "out" else self.err
        deadline = time.monotonic() + timeout_s
        while not any(text in line for line in lines):
            if self.process.poll() is not None:
                time.sleep(0.2)  # the readers catch up with what it wrote before it ended
                raise AssertionError(f"exited ({self.process.returncode}): {''.join(self.out)}{''.join(self.err)}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no line with {text!r} in {stream}: {''.join(lines)[-2000:]}")
            time.sleep(0.1)


def wait_until(check: Callable[[], bool], timeout_s: float = 40) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError("the loop did not get there in time")


def test_the_gateway_waits_for_its_broker_and_outlives_a_restart(
    tmp_path: Path, migrated_template: Path, clock: FakeClock
) -> None:
    broker = OwnMosquitto(tmp_path / "broker", persistence=False)  # not started: the gateway comes first
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDPAY_")}
    env.update(GRIDPAY_SMS_FILE=str(tmp_path / "sms.jsonl"), GRIDPAY_GATEWAY_WAKE_PORT=str(free_port()),
               GRIDPAY_MQTT_URL=broker.url, GRIDPAY_GATEWAY_RECONNECT_MAX_S="1")
    work = tmp_path / "town"
    work.mkdir()
    copy_template(migrated_template, work)

    def run(*args: str) -> str:
        done = subprocess.run([*GRIDPAY, *args], cwd=work, env=env, capture_output=True, text=True, timeout=120,
                              check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(*args: str) -> Output:
        return Output(subprocess.Popen([*GRIDPAY, *args], cwd=work, env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True))

    def gateway_says(text: str) -> bool:
        return any(text in line and "采集网关" in line for line in run("supply", "commands").splitlines())

    day = clock.today() - timedelta(days=2)
    (work / "accounts.csv").write_text(ACCOUNTS.format(day=day), encoding="utf-8")
    (work / "readings.csv").write_text(READINGS.format(day=day), encoding="utf-8")
    run("accounts", "import", "accounts.csv")
    run("readings", "import", "readings.csv")
    run("settle", "--through", str(clock.today() - timedelta(days=1)))
    run("supply", "policy", "--window", "00:00-23:59:59", "--every-day", "--holidays", "open", "--delay-days", "0")

    gateway = start("gateway")
    meters: Output | None = None
    try:
        gateway.wait_for("正在连接 MQTT 代理")
        gateway.wait_for(f"无法连接 MQTT 代理 {broker.url}：连接被拒绝", stream="err")
        time.sleep(2)
        assert gateway.process.poll() is None, "the gateway gave up on a broker that is not there yet"
        assert gateway_says("未连接代理")
        assert not any("Traceback" in line for line in gateway.err)

        broker.start()
        gateway.wait_for("采集网关已连接")
        meters = start("simulate-meters", "--meters", "3")
        meters.wait_for("模拟表计 3 只")
        time.sleep(1)  # its subscription reaches the broker
        assert "下发停电命令 2 户" in run("supply", "enforce")
        wait_until(lambda: confirmed(work) == 2)
        assert run("supply", "commands").count("已确认") == 2
        assert gateway_says("已连接代理")

        broker.stop(kill=True)
        gateway.wait_for("与 MQTT 代理", stream="err")
        wait_until(lambda: gateway_says("未连接代理"))
        meters.process.terminate()  # the simulator does not outlive its broker: started again below
        meters.process.wait(timeout=20)
        broker.start()
        gateway.wait_for("已重新连接 MQTT 代理", stream="err")
        meters = start("simulate-meters", "--meters", "3")
        meters.wait_for("模拟表计 3 只")
        time.sleep(1)
        run("payments", "record", "--account", "3301990001", "--amount-fen", "20000", "--channel", "counter",
            "--txn-id", "C-1")
        wait_until(lambda: confirmed(work) == 3)
        assert "供电" in run("accounts", "show", "3301990001")
        assert gateway_says("断线 1 次，重连 1 次")
    finally:
        for process in (meters, gateway):
            if process is not None and process.process.poll() is None:
                process.process.terminate()
                process.process.wait(timeout=30)
        broker.stop(kill=True)
    assert gateway.process.returncode == 0, "".join(gateway.err)
    time.sleep(0.2)
    assert not any("Traceback" in line for line in gateway.err), "".join(gateway.err)
    assert any("网关已停止" in line for line in gateway.out)
    assert gateway_says("已停止")
