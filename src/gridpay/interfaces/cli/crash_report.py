"""Where an unexpected error of a command goes: its whole traceback into a log file, one Chinese line to staff."""

import os
import tempfile
import traceback
from datetime import datetime
from pathlib import Path


def log_directory() -> Path:
    """GRIDPAY_LOG_DIR, or gridpay-logs in the system's temporary directory."""
    return Path(os.environ.get("GRIDPAY_LOG_DIR") or Path(tempfile.gettempdir()) / "gridpay-logs")


def write_crash_report(error: BaseException, *, argv: list[str]) -> Path | None:
    """The traceback, the command and when, in a file of its own; None if even that cannot be written."""
    directory = log_directory()
    # The wall clock names the file: the log of a failure, written even before the settings (and the clock of
    # interfaces/cli/clock.py) could be set up.
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    path = directory / f"gridpay-{stamp}-{os.getpid()}.log"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"gridpay {' '.join(argv)}\n{stamp}\n\n" + "".join(traceback.format_exception(error)), encoding="utf-8"
        )
    except OSError:
        return None
    return path
