"""The served demo town's head-end: `gridpay simulate-meters` and `gridpay gateway` as child processes of
`gridpay demo --serve`, so a payment that earns reconnection reaches a (simulated) meter and is confirmed.

The simulated meters start first and host the embedded MQTT broker; the gateway connects to it once they listen, so
a command the gateway sends at once on connecting (one queued while nothing ran) has a meter to answer it. Each
child writes to a log file of its own in the current directory; both are stopped (SIGTERM, then killed) when the
server stops or fails to start, and on Linux each is told to stop if the demo process dies without a word.
"""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from django.core.management.base import CommandError

from gridpay.interfaces.broker import configured_broker, embedded_address

GATEWAY_LOG = "gridpay-gateway.log"
METERS_LOG = "gridpay-meters.log"
# A customer told to press the meter's button (a meter without 1C) does so this long after the close is permitted:
# the head-end sees it at its next look at the relay.
PRESS_AFTER_S = 60
START_TIMEOUT_S = 120.0  # the meters read every meter in service first: seconds for the default town
STOP_TIMEOUT_S = 15.0
_PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    name: str
    process: "subprocess.Popen[bytes]"
    log: Path


@dataclass(frozen=True)
class HeadEndRunning:
    meters: int
    press_after_s: int
    logs: tuple[Path, Path]


@contextlib.contextmanager
def demo_head_end(*, meters: int, directory: Path) -> Iterator[HeadEndRunning]:
    """The simulated meters and the gateway, up and connected for as long as the block runs; stopped after it, and
    if either fails to start (CommandError naming its log)."""
    children: list[Child] = []
    parent = os.getpid()
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)  # a stop while they start: they are stopped too
    try:
        broker = configured_broker(None)
        field = ["--embedded-broker"] if broker is None else []  # else both meet on GRIDPAY_MQTT_URL's broker
        children.append(_start("模拟表计", ["simulate-meters", "--meters", str(max(meters, 1)), "--press-after",
                                            str(PRESS_AFTER_S), *field], directory / METERS_LOG))
        _wait_for(children[-1], "模拟表计已连接")
        address = ["--broker", embedded_address().url] if broker is None else []
        children.append(_start("采集网关", ["gateway", "--no-daily-reads", *address], directory / GATEWAY_LOG))
        _wait_for(children[-1], "采集网关已连接")
        yield HeadEndRunning(meters=meters, press_after_s=PRESS_AFTER_S,
                             logs=(directory / GATEWAY_LOG, directory / METERS_LOG))
    finally:
        # gunicorn's workers are forks of this process: only the demo process itself stops its children.
        if os.getpid() == parent:
            signal.signal(signal.SIGTERM, previous)
            for child in reversed(children):  # the gateway first, while the broker it says goodbye to still runs
                _stop(child)


def gridpay_itself() -> list[str]:
    """How this process was started (the `gridpay` script, or `python -m …`), to start another gridpay command."""
    arguments = len(sys.argv) - 1
    if arguments and sys.orig_argv[-arguments:] == sys.argv[1:]:
        return list(sys.orig_argv[:-arguments])
    return [sys.executable, "-m", "gridpay.interfaces.cli.main"]


def _start(name: str, arguments: list[str], log: Path) -> Child:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # each line in the log as it is said: the demo waits on one
    with log.open("wb") as output:
        # preexec_fn: the demo runs no thread of its own by now (its stages' progress bars have ended), and the
        # function makes one system call.
        process = subprocess.Popen(
            [*gridpay_itself(), *arguments], stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
            env=env, cwd=log.parent,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
        )
    return Child(name=name, process=process, log=log)


def _wait_for(child: Child, line: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while line not in child.log.read_text(encoding="utf-8", errors="replace"):
        if child.process.poll() is not None:
            raise CommandError(f"{child.name}未能启动（退出码 {child.process.returncode}）：{_last_line(child.log)}"
                               f"（详见 {child.log}）")
        if time.monotonic() > deadline:
            raise CommandError(f"{child.name}在 {START_TIMEOUT_S:.0f} 秒内未连上 MQTT 代理（详见 {child.log}）")
        time.sleep(0.1)


def _stop(child: Child) -> None:
    if child.process.poll() is None:
        child.process.terminate()
    try:
        child.process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.process.kill()
        child.process.wait()


def _last_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "没有输出"


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _die_with_parent() -> None:
    """In the child, before it runs: SIGTERM when the demo process dies (killed, it could not stop its children)."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
