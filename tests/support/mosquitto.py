"""A Mosquitto of a test's own, on a free port, stopped and started again by its pid (never by name), whose log
says which PUBLISH it received from whom; and a TCP proxy that cuts one client's connection while the broker runs on.
"""

import asyncio
import contextlib
import getpass
import os
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.serving import free_port

REQUIRE_SERVICES = os.environ.get("GRIDPAY_REQUIRE_SERVICES") == "1"
# Mosquitto logs each PUBLISH it reads, before it answers PUBACK (log_type debug), and flushes every line.
RECEIVED = re.compile(r"Received PUBLISH from (\S+) \(d\d, q\d, r\d, m\d+, '([^']*)'")


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()), None
    )
    if found is None:
        if REQUIRE_SERVICES:
            pytest.fail("mosquitto is not installed while GRIDPAY_REQUIRE_SERVICES=1")
        pytest.skip("mosquitto is not installed (a test starts and restarts a broker of its own)")
    return found


class OwnMosquitto:
    """``persistence``: whether a restart keeps sessions and their queued messages (saved on SIGTERM)."""

    def __init__(self, directory: Path, *, persistence: bool, port: int | None = None) -> None:
        self.binary = mosquitto_binary()
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.log = directory / "mosquitto.log"
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            "\n".join(
                [
                    f"user {getpass.getuser()}",  # as root, Mosquitto would become 'mosquitto' and lose its files
                    f"listener {self.port} 127.0.0.1",
                    "allow_anonymous true",
                    f"persistence {'true' if persistence else 'false'}",
                    f"persistence_location {directory}/",
                    "autosave_interval 0",
                    f"log_dest file {self.log}",
                    "log_type error",
                    "log_type warning",
                    "log_type notice",
                    "log_type information",
                    "log_type debug",
                    # A disconnection run is thousands of frames to one subscriber; the defaults (1000 queued)
                    # would drop some, and the production config sets these too (README).
                    "max_queued_messages 1000000",
                    "max_inflight_messages 1000",
                    "",
                ]
            ),
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self, *, timeout_s: float = 10) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.process = subprocess.Popen(
            [self.binary, "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.starts += 1
        deadline = time.monotonic() + timeout_s
        while not self.answers():
            if self.process.poll() is not None:
                raise AssertionError(f"mosquitto exited ({self.process.returncode}): {self._log_tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"mosquitto did not listen on {self.port}")
            time.sleep(0.05)

    def stop(self, *, kill: bool = False, timeout_s: float = 10) -> None:
        """SIGKILL: gone at once, persisting nothing; SIGTERM: a clean shutdown that saves the sessions."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        self.process.wait(timeout=timeout_s)

    def answers(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def received_from(self, client_id: str) -> Counter[str]:
        """How many PUBLISH packets the broker read from ``client_id``, by topic, over all its lives."""
        counts: Counter[str] = Counter()
        if self.log.exists():
            for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
                found = RECEIVED.search(line)
                if found and found.group(1) == client_id:
                    counts[found.group(2)] += 1
        return counts

    def _log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-2000:] if self.log.exists() else ""


@contextlib.contextmanager
def own_mosquitto(directory: Path, *, persistence: bool) -> Iterator[OwnMosquitto]:
    broker = OwnMosquitto(directory, persistence=persistence)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop(kill=True)


class CuttingProxy:
    """A TCP proxy on loopback in front of a broker, run in the test's event loop. ``cut()`` drops every connection
    and refuses new ones until ``mend()``; ``swallow`` drops what clients send (the broker never gets it)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.swallow = False
        self.refusing = False
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        self.refusing = True
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def mend(self) -> None:
        self.refusing = False

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        self._writers.update((writer, up_writer))

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, upward: bool) -> None:
            try:
                while data := await source.read(65536):
                    if upward and self.swallow:
                        continue
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.transport.abort()

        await asyncio.gather(pump(reader, up_writer, upward=True), pump(up_reader, writer, upward=False))
        self._writers.discard(writer)
        self._writers.discard(up_writer)
