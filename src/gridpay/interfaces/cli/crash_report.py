"""Where an unexpected error of a command goes: its whole traceback into a log file, one Chinese line to staff."""

import os
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

# Options whose values are secrets: never written into a log.
SECRET_OPTIONS = ("--password", "--pin", "--account-token")


def log_directory() -> Path:
    """GRIDPAY_LOG_DIR, or gridpay-logs-<user id> in the system's temporary directory (this user's alone)."""
    return Path(os.environ.get("GRIDPAY_LOG_DIR") or Path(tempfile.gettempdir()) / f"gridpay-logs-{os.getuid()}")


def write_crash_report(error: BaseException, *, argv: list[str]) -> Path | None:
    """The traceback, the command (secrets masked) and when, in a file of its own, readable by its owner only;
    None if even that cannot be written."""
    directory = log_directory()
    # The wall clock names the file: the log of a failure, written even before the settings (and the clock of
    # interfaces/clock.py) could be set up.
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    path = directory / f"gridpay-{stamp}-{os.getpid()}.log"
    text = f"gridpay {' '.join(masked(argv))}\n{stamp}\n\n" + "".join(traceback.format_exception(error))
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if directory.stat().st_uid != os.getuid():
            return None  # someone else's directory: the traceback may hold what they should not read
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as log:
            log.write(text)
    except OSError:
        return None
    return path


def masked(argv: list[str]) -> list[str]:
    """The command line with the values of secret options replaced by ***."""
    shown = []
    hide_next = False
    for arg in argv:
        if hide_next:
            shown.append("***")
            hide_next = False
        elif arg in SECRET_OPTIONS:
            shown.append(arg)
            hide_next = True
        elif arg.startswith(tuple(f"{option}=" for option in SECRET_OPTIONS)):
            shown.append(arg.split("=", 1)[0] + "=***")
        else:
            shown.append(arg)
    return shown
