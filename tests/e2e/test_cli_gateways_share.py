"""Three `gridpay gateway` processes share the meters of one town, on Mosquitto and on the NATS server's MQTT
interface: a disconnection run of some hundreds of meters (simulated, answering seconds later) goes out, one gateway
is killed (SIGKILL: no goodbye, no stopped heartbeat) while its meters' answers are on their way, and the other two
take its meters over. Every command is sent once (counted at a subscriber of the test's own, which reads the
frames without gridpay's code) and confirmed, within a minute of the kill; the reconnects that payments ask for
afterwards, on meters the killed gateway served, go out once each too."""

import contextlib
import os
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import paho.mqtt.client as paho
import pytest

from gridpay.domain.gateway_shares import owner, share_key
from tests.e2e.test_cli_gateway_broker import Output
from tests.support import dlt645_peer
from tests.support.cli import GRIDPAY
from tests.support.clock import FakeClock
from tests.support.mosquitto import OwnMosquitto
from tests.support.nats import OwnNats
from tests.support.serving import free_port
from tests.support.template_database import copy_template

METERS = 240
GATEWAYS = ("gw-a", "gw-b", "gw-c")
ACCOUNTS_HEADER = (
    "account_no,customer_name,phone,village,transformer_area,address,mode,prepaid_since,tariff,time_of_use,"
    "protected_reason,meter_no,dlt645_address,meter_registers,installed_on,start_total_kwh,opening_balance_fen,"
    "meter_model\n"
)


def account_no(n: int) -> str:
    return f"33019{n:05d}"


def address(n: int) -> str:
    return f"99{n:010d}"


class ControlFrames:
    """Every remote-control frame (DL/T 645 control code 1C) on the meters' down topics, by meter address: a client
    of the test's own (paho, the frames read by tests.support.dlt645_peer)."""

    def __init__(self, host: str, port: int) -> None:
        self.counts: Counter[str] = Counter()
        self.subscribed = threading.Event()
        self._lock = threading.Lock()
        self.client = paho.Client(
            paho.CallbackAPIVersion.VERSION2,
            client_id=f"frame-counter-{port}",
            protocol=paho.MQTTv311,
            clean_session=True,
        )
        self.client.on_connect = lambda c, *_: c.subscribe("gridpay/meter/+/down", qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = self._message
        self.client.connect(host, port)
        self.client.loop_start()

    def _message(self, _client: object, _data: object, message: paho.MQTTMessage) -> None:
        frame = dlt645_peer.decode(message.payload)
        if frame.control == 0x1C:
            with self._lock:
                self.counts[frame.address] += 1

    def total(self) -> int:
        with self._lock:
            return sum(self.counts.values())

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@contextlib.contextmanager
def broker_of(kind: str, directory: Path) -> Iterator[str]:
    if kind == "mosquitto":
        mosquitto = OwnMosquitto(directory, persistence=False)
        mosquitto.start()
        try:
            yield mosquitto.url
        finally:
            mosquitto.stop(kill=True)
    else:
        nats = OwnNats(directory)
        nats.start()
        try:
            yield nats.url
        finally:
            nats.stop()


def wait_until(check: Callable[[], bool], *, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s} s")
        time.sleep(0.2)


@pytest.mark.parametrize("kind", ["mosquitto", "nats"])
def test_three_gateways_share_the_meters_and_two_take_over_the_one_killed(
    kind: str, tmp_path: Path, migrated_template: Path, clock: FakeClock
) -> None:
    work = tmp_path / "town"
    work.mkdir()
    copy_template(migrated_template, work)
    database = work / "gridpay.sqlite3"

    def count(query: str, *params: str) -> int:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)) as db:
            return int(db.execute(query, params).fetchone()[0])

    day = clock.today() - timedelta(days=2)
    rows = [
        f"{account_no(n)},用户{n},139{n:08d},,,,prepaid,{day},zj-resident-2024,0,,E{n:05d},{address(n)},total,"
        f"{day},0,0,DDZY-2013"
        for n in range(METERS)
    ]
    (work / "accounts.csv").write_text(ACCOUNTS_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    (work / "readings.csv").write_text(
        "meter_no,reading_date,total_kwh,sharp_kwh,peak_kwh,flat_kwh,valley_kwh\n"
        + "".join(f"E{n:05d},{day},200.00,,,,\n" for n in range(METERS)),
        encoding="utf-8",
    )

    with broker_of(kind, tmp_path / "broker") as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDPAY_")}
        env.update(
            GRIDPAY_SMS_FILE=str(tmp_path / "sms.jsonl"),
            GRIDPAY_GATEWAY_WAKE_PORT=str(free_port()),
            GRIDPAY_MQTT_URL=url,
            GRIDPAY_GATEWAY_HEARTBEAT_S="2",
            GRIDPAY_LOG_LEVEL="INFO",
        )

        def run(*args: str) -> str:
            done = subprocess.run(
                [*GRIDPAY, *args], cwd=work, env=env, capture_output=True, text=True, timeout=120, check=False
            )
            assert done.returncode == 0, done.stderr
            return done.stdout

        def start(*args: str) -> Output:
            return Output(
                subprocess.Popen(
                    [*GRIDPAY, *args], cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
                )
            )

        run("accounts", "import", "accounts.csv")
        run("readings", "import", "readings.csv")
        run("settle", "--through", str(clock.today() - timedelta(days=1)))
        run("supply", "policy", "--window", "00:00-23:59:59", "--every-day", "--holidays", "open", "--delay-days", "0")
        host, port = url.removeprefix("mqtt://").split(":")
        frames = ControlFrames(host, int(port))
        gateways = {name: start("gateway", "--name", name, "--no-daily-reads") for name in GATEWAYS}
        meters: Output | None = None
        try:
            assert frames.subscribed.wait(10)
            for gateway in gateways.values():
                gateway.wait_for("采集网关已连接")
            # Every meter answers two seconds after it is asked: the killed gateway's answers are still to come.
            meters = start("simulate-meters", "--meters", str(METERS), "--slow", "1", "--slow-delay", "2")
            meters.wait_for(f"模拟表计 {METERS} 只")
            for gateway in gateways.values():
                gateway.wait_for(f"在线采集网关 {len(GATEWAYS)} 个", stream="err")

            assert f"下发停电命令 {METERS} 户" in run("supply", "enforce")
            wait_until(lambda: frames.total() >= METERS, timeout_s=30, what="every disconnect sent")
            served_by_a = [n for n in range(METERS) if owner(key=share_key(address(n)), members=GATEWAYS) == "gw-a"]
            assert len(served_by_a) > METERS / 5
            gateways["gw-a"].process.kill()  # no goodbye: its heartbeat just stops
            killed_at = time.monotonic()
            confirmed = "SELECT COUNT(*) FROM gridpay_metercommand WHERE status = 'confirmed'"
            wait_until(lambda: count(confirmed) == METERS, timeout_s=60, what="every disconnect confirmed")
            assert time.monotonic() - killed_at < 60
            for name in ("gw-b", "gw-c"):
                assert gateways[name].process.poll() is None

            # A meter the killed gateway served: its reconnect goes out from one of the other two.
            paying = served_by_a[:1]
            for n in paying:
                run(
                    "payments",
                    "record",
                    "--account",
                    account_no(n),
                    "--amount-fen",
                    "20000",
                    "--channel",
                    "counter",
                    "--txn-id",
                    f"C-{n}",
                )
            wait_until(lambda: count(confirmed) == METERS + len(paying), timeout_s=60, what="reconnects confirmed")
            time.sleep(1)  # a frame sent twice would have reached the counter by now
        finally:
            for process in (meters, *gateways.values()):
                if process is not None and process.process.poll() is None:
                    process.process.terminate()
                    process.process.wait(timeout=30)
            frames.close()

    expected = Counter({address(n): 1 for n in range(METERS)}) + Counter({address(n): 1 for n in paying})
    assert frames.counts == expected, "a command frame went out twice, or never"
    assert count("SELECT COUNT(*) FROM gridpay_metercommand WHERE attempts != 1") == 0
    assert count("SELECT COUNT(*) FROM gridpay_metercommandevent WHERE event = 'sent'") == METERS + len(paying)
    survivors = "".join(line for name in ("gw-b", "gw-c") for line in gateways[name].err)
    assert "采集网关 gw-a 已离线，本网关接管" in survivors, survivors[-3000:]
    assert "Traceback" not in survivors
    for name in ("gw-b", "gw-c"):
        assert gateways[name].process.returncode == 0
