"""`gridpay serve` (or `gridpay demo --serve`) started for a test: ready once its port answers, stopped by its pid."""

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from tests.support.cli import GRIDPAY


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(*args: str, port: int, cwd: Path, env: dict[str, str], timeout_s: float = 120,
            stdout: Path | None = None) -> Iterator[str]:
    """Runs `gridpay ARGS` (which must listen on port) and yields its base URL; the command is stopped after. With
    ``stdout``, what the command prints goes to that file, to be read while it serves."""
    with stdout.open("w", encoding="utf-8") if stdout else nullcontext() as printed_to:
        server = subprocess.Popen([*GRIDPAY, *args], cwd=cwd, env=env, stdout=printed_to or subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + timeout_s
            while not _answers(port):
                if server.poll() is not None:
                    out, err = server.communicate()
                    raise AssertionError(f"gridpay {' '.join(args)} ended ({server.returncode}): {out}\n{err}")
                if time.monotonic() > deadline:
                    raise AssertionError(f"gridpay {' '.join(args)} did not listen on {port} in {timeout_s} s")
                time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()  # gunicorn's arbiter stops its workers on SIGTERM
            try:
                server.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.communicate()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
