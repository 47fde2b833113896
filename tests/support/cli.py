"""How the tests start `gridpay`: its console entry point in a child process whose clock is the test's."""

import os
import sys
from pathlib import Path

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
