"""How the tests start `gridpay`: its console entry point in a child process whose clock is the test's."""

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parents[2]
# `python -m tests.support.pinned_gridpay …` runs gridpay's main() on the clock of the test that started it.
GRIDPAY = [sys.executable, "-m", "tests.support.pinned_gridpay"]
# Where a child finds the test's instant, and the real time at which that instant was current (it ticks on
# from there). Not GRIDPAY_*: tests that hand a command a clean GRIDPAY_* environment keep the clock.
PINNED_NOW = "PYTEST_PINNED_NOW"
PINNED_AT = "PYTEST_PINNED_AT"


def child_environment() -> dict[str, str]:
    """What every child process of a test inherits: the clock, and the path to the tests' support modules."""
    path = os.environ.get("PYTHONPATH", "")
    return {"PYTHONPATH": str(ROOT) + (os.pathsep + path if path and str(ROOT) not in path.split(os.pathsep) else "")}


@dataclass(frozen=True)
class Ran:
    """What a command left, as `subprocess.run` reports it: the exit code and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def run_in_process(capsys: pytest.CaptureFixture[str], *arguments: str) -> Ran:
    """`gridpay ARGUMENTS` through its console entry point in this process, on the test's database and clock.

    The same door as the console script (refusals as exit codes and Chinese lines), without a process start: the
    tests of a command's output run here, and one test per command family starts the real script.
    """
    from gridpay.interfaces.cli.main import main

    capsys.readouterr()
    with mock.patch.object(sys, "argv", ["gridpay", *arguments]):
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    out, err = capsys.readouterr()
    return Ran(returncode=code, stdout=out, stderr=err)
