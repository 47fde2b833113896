"""How often a staff sign-in may fail before it waits (issue 20): a password is not to be guessed at the console."""

from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_LOGIN = 5  # one login name, from anywhere
MAX_FAILURES_PER_ADDRESS = 30  # one address, whatever names it tries (behind a proxy: every staff member's)


@dataclass(frozen=True)
class Failures:
    """The failed sign-ins within the window before now: of the login name tried, and from the address."""

    of_login: tuple[datetime, ...]
    from_address: tuple[datetime, ...]


def sign_in_wait(*, failures: Failures, now: datetime) -> timedelta | None:
    """How long the next attempt must wait (None: it may go ahead). Past the limit, until the oldest failure that
    counts leaves the window: a sliding window, so a steady guesser gets five tries per fifteen minutes at most."""
    waits = []
    limits = ((failures.of_login, MAX_FAILURES_PER_LOGIN), (failures.from_address, MAX_FAILURES_PER_ADDRESS))
    for times, limit in limits:
        recent = sorted(at for at in times if now - at < WINDOW)
        if len(recent) >= limit:
            waits.append(recent[len(recent) - limit] + WINDOW - now)
    return max(waits, default=None)
