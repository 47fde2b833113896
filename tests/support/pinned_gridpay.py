"""`python -m tests.support.pinned_gridpay ARGS`: the `gridpay` command on the clock of the test that started it."""

import os
import sys
import time
from datetime import datetime, timedelta

import time_machine

from gridpay.interfaces.cli.main import main
from tests.support.cli import PINNED_AT, PINNED_NOW

if __name__ == "__main__":
    if PINNED_NOW not in os.environ or PINNED_AT not in os.environ:
        sys.exit(f"{PINNED_NOW} and {PINNED_AT} are set by the tests' clock fixture; run gridpay itself instead")
    # The test's clock ticks on from its instant: so does this command's, from the same real moment (nothing is
    # pinned in this process yet, so time.time() is the real clock).
    elapsed_s = time.time() - float(os.environ[PINNED_AT])
    now = datetime.fromisoformat(os.environ[PINNED_NOW]) + timedelta(seconds=max(elapsed_s, 0))
    with time_machine.travel(now, tick=True):
        main()
