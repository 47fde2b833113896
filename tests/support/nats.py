"""A NATS server of a test's own, with JetStream and its MQTT interface on free ports, stopped by its pid."""

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.mosquitto import REQUIRE_SERVICES
from tests.support.serving import free_port


def nats_binary() -> str:
    found = shutil.which("nats-server") or next(
        (p for p in ("/usr/sbin/nats-server", "/usr/local/bin/nats-server") if Path(p).exists()), None
    )
    if found is None:
        if REQUIRE_SERVICES:
            pytest.fail("nats-server is not installed while GRIDPAY_REQUIRE_SERVICES=1")
        pytest.skip("nats-server is not installed (a test starts one of its own, with MQTT)")
    return found


class OwnNats:
    """MQTT 3.1.1 on ``mqtt_port`` (sessions and QoS 1 kept in JetStream, on files under ``directory``)."""

    def __init__(self, directory: Path) -> None:
        self.binary = nats_binary()
        directory.mkdir(parents=True, exist_ok=True)
        self.port, self.mqtt_port = free_port(), free_port()
        self.log = directory / "nats.log"
        self.config = directory / "nats.conf"
        self.config.write_text(
            "\n".join(
                [
                    f"server_name: gridpay-test-{self.port}",
                    f"listen: 127.0.0.1:{self.port}",
                    f'jetstream {{ store_dir: "{directory / "jetstream"}" }}',
                    f"mqtt {{ listen: 127.0.0.1:{self.mqtt_port} }}",
                    "",
                ]
            ),
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.mqtt_port}"

    def start(self, *, timeout_s: float = 15) -> None:
        self.process = subprocess.Popen(
            [self.binary, "-c", str(self.config), "-l", str(self.log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout_s
        while not self._answers():
            if self.process.poll() is not None:
                raise AssertionError(f"nats-server exited ({self.process.returncode}): {self._log_tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"nats-server's MQTT did not listen on {self.mqtt_port}: {self._log_tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.mqtt_port), timeout=0.5):
                return True
        except OSError:
            return False

    def _log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-2000:] if self.log.exists() else ""
