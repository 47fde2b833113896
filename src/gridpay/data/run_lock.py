"""One run at a time of a job that must not overlap itself: an advisory lock on PostgreSQL, a lock row on SQLite.

A second run is refused (or, asked to, waits a while first) with who holds the lock and since when, so the operator
or the schedule knows why nothing happened. A run that dies leaves nothing held: PostgreSQL drops a dead session's
advisory locks; on SQLite the row names its process (host, pid, the process's start) and a later run takes over a
row whose process is gone, whose pid now belongs to another process, or that this very process left behind.
"""

import hashlib
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from gridpay.data.bulk import on_postgresql
from gridpay.data.models import RunLock
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

log = logging.getLogger("gridpay.run_lock")
# A holder on another machine cannot be looked at; after this long its row is taken to be left behind.
FOREIGN_HOLDER_EXPIRES = timedelta(hours=12)


class RunInProgress(DomainError):
    code = "run_in_progress"


# Locks this process holds, by name → (thread, depth): a use case that runs another under the same lock
# (settle_through → settle_day) takes it once.
_held: dict[str, tuple[int, int]] = {}
_held_guard = threading.Lock()
# This incarnation of the process: a row of this pid with another one was left by an earlier life of it.
_life = {"incarnation": secrets.token_hex(4)}


@contextmanager
def exclusive_run(name: str, *, what: str, at: datetime, wait_s: float = 0) -> Iterator[None]:
    """Holds the lock ``name`` for the body; ``what`` names the run in the refusal (e.g. "结算").

    With ``wait_s`` a run that finds the lock held tries again every second for that long before it is refused.
    """
    if _reentered(name):
        try:
            yield
        finally:
            _release_depth(name)
        return
    _acquire_waiting(name, what=what, at=at, wait_s=wait_s)
    try:
        yield
    finally:
        try:
            _release(name)
        finally:  # only then may another thread claim it: its row must not be the one removed here
            _release_depth(name)


def holder() -> str:
    """host:pid:start of this process (its start time since boot, read from /proc where there is one)."""
    incarnation = _life["incarnation"]
    return f"{socket.gethostname()}:{os.getpid()}:{_started(os.getpid()) or incarnation}:{incarnation}"


def forget_held() -> None:
    """A new life of this process (the fault campaign's restart): it holds nothing, and its earlier rows are stale."""
    with _held_guard:
        _held.clear()
    _life["incarnation"] = secrets.token_hex(4)


def _reentered(name: str) -> bool:
    """Whether this thread holds ``name`` already (then it holds it once more)."""
    me = threading.get_ident()
    with _held_guard:
        thread, depth = _held.get(name, (me, 0))
        if depth and thread == me:
            _held[name] = (me, depth + 1)
            return True
        return False


def _claim(name: str, *, what: str) -> None:
    """Claims ``name`` in this process before the database is asked, so two of its threads never both take it.

    Another thread of this process holding it, or taking it, is a run in progress: the row it writes may not be
    there yet for the database to tell.
    """
    me = threading.get_ident()
    with _held_guard:
        if name in _held:
            raise _refusal(name, what)
        _held[name] = (me, 1)


def _release_depth(name: str) -> None:
    with _held_guard:
        thread, depth = _held.get(name, (0, 0))
        if depth > 1:
            _held[name] = (thread, depth - 1)
        elif depth:  # after forget_held (a new life) nothing is held any more
            del _held[name]


def _acquire_waiting(name: str, *, what: str, at: datetime, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            _claim(name, what=what)
            try:
                _acquire(name, what=what, at=at)
            except BaseException:
                _release_depth(name)
                raise
            return
        except RunInProgress:
            if time.monotonic() >= deadline:
                raise
        time.sleep(1)


def _acquire(name: str, *, what: str, at: datetime) -> None:
    if on_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_key(name)])
            if not cursor.fetchone()[0]:
                raise _refusal(name, what)
        try:
            # Who holds it, for the next one's refusal; a row left by a run that died is simply replaced.
            with transaction.atomic():
                RunLock.objects.update_or_create(name=name, defaults={"holder": holder(), "started_at": at})
        except BaseException:
            _unlock(name)
            raise
        return
    with transaction.atomic():  # IMMEDIATE on SQLite: no other writer between the look and the insert
        held = RunLock.objects.filter(name=name).first()
        if held is not None and _alive(held.holder, name=name, started_at=held.started_at, at=at):
            raise _refusal(name, what, held)
        if held is not None:
            log.warning("run lock %s: taking over from %s, which holds nothing any more", name, held.holder)
        RunLock.objects.update_or_create(name=name, defaults={"holder": holder(), "started_at": at})


def _release(name: str) -> None:
    """The row goes, then the advisory lock, whatever happens to the row: the work is done, the lock must not stay."""
    try:
        with transaction.atomic():
            RunLock.objects.filter(name=name, holder=holder()).delete()
    except DatabaseError as error:
        # Left behind, the row is taken over by the next run (it names this process, which no longer holds it).
        log.warning("run lock %s: its row could not be removed (%s)", name, error)
    finally:
        if on_postgresql():
            _unlock(name)


def _unlock(name: str) -> None:
    with suppress(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(name)])


def _refusal(name: str, what: str, held: RunLock | None = None) -> RunInProgress:
    held = held or RunLock.objects.filter(name=name).first()
    if held is None:
        return RunInProgress(gettext_noop("{what}正在运行（另一个进程）：本次未运行，请等它结束后再试"), field="run",
                             params={"what": what})
    return RunInProgress(
        gettext_noop("{what}正在运行（自 {since:%Y-%m-%d %H:%M:%S} 起，进程 {holder}）：本次未运行，请等它结束后再试"),
        field="run", params={
            "what": what, "since": timezone.localtime(held.started_at), "holder": ":".join(held.holder.split(":")[:2]),
        },
    )


def _alive(holder_name: str, *, name: str, started_at: datetime, at: datetime) -> bool:
    """Whether the process a row names still runs (and so still holds the lock)."""
    host, pid_text, started = [*holder_name.split(":"), "", "", ""][:3]
    if host != socket.gethostname():
        return at - started_at < FOREIGN_HOLDER_EXPIRES
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        # This process has claimed the name before looking (_claim): a row of its own is one it left behind.
        return False
    now_started = _started(pid)
    if now_started is not None:
        return now_started == started  # a pid given to another process since is not the holder
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _started(pid: int) -> str | None:
    """The process's start, in clock ticks since boot (Linux); None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _key(name: str) -> int:
    """The advisory lock's 64-bit key: stable for a name, across processes and PostgreSQL versions."""
    return int.from_bytes(hashlib.sha256(f"gridpay:{name}".encode()).digest()[:8], "big", signed=True)
