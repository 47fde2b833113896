"""One run at a time of a job that must not overlap itself: an advisory lock on PostgreSQL, a lock row on SQLite.

A second run does not wait: it is refused at once with who holds the lock and since when, so the operator (or the
schedule) knows why nothing happened. A run that dies leaves nothing held: PostgreSQL drops a dead session's
advisory locks, and on SQLite a lock row whose process is gone on this machine is taken over.
"""

import hashlib
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from gridpay.data.bulk import on_postgresql
from gridpay.data.models import RunLock
from gridpay.domain.errors import DomainError


class RunInProgress(DomainError):
    code = "run_in_progress"


# Locks this process holds, by name → (thread, depth): a use case that runs another under the same lock
# (settle_through → settle_day) takes it once.
_held: dict[str, tuple[int, int]] = {}
_held_guard = threading.Lock()


@contextmanager
def exclusive_run(name: str, *, what: str, at: datetime) -> Iterator[None]:
    """Holds the lock ``name`` for the body; ``what`` names the run in the refusal (e.g. "结算")."""
    me = threading.get_ident()
    with _held_guard:
        thread, depth = _held.get(name, (me, 0))
        if depth and thread == me:
            _held[name] = (me, depth + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            _release_depth(name)
        return
    _acquire(name, what=what, at=at)
    with _held_guard:
        _held[name] = (me, 1)
    try:
        yield
    finally:
        _release_depth(name)
        _release(name)


def holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _release_depth(name: str) -> None:
    with _held_guard:
        thread, depth = _held[name]
        if depth > 1:
            _held[name] = (thread, depth - 1)
        else:
            del _held[name]


def _acquire(name: str, *, what: str, at: datetime) -> None:
    if on_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_key(name)])
            if not cursor.fetchone()[0]:
                raise _refusal(name, what)
        # Who holds it, for the next one's refusal; a row left by a run that died is simply replaced.
        with transaction.atomic():
            RunLock.objects.update_or_create(name=name, defaults={"holder": holder(), "started_at": at})
        return
    with transaction.atomic():  # IMMEDIATE on SQLite: no other writer between the look and the insert
        held = RunLock.objects.filter(name=name).first()
        if held is not None and _alive(held.holder):
            raise _refusal(name, what, held)
        RunLock.objects.update_or_create(name=name, defaults={"holder": holder(), "started_at": at})


def _release(name: str) -> None:
    with transaction.atomic():
        RunLock.objects.filter(name=name, holder=holder()).delete()
    if on_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(name)])


def _refusal(name: str, what: str, held: RunLock | None = None) -> RunInProgress:
    held = held or RunLock.objects.filter(name=name).first()
    since = f"自 {timezone.localtime(held.started_at):%Y-%m-%d %H:%M:%S} 起，" if held else ""
    by = f"进程 {held.holder}" if held else "另一个进程"
    return RunInProgress(f"{what}正在运行（{since}{by}）：本次未运行，请等它结束后再试", field="run")


def _alive(holder_name: str) -> bool:
    """A holder on this machine whose process is gone holds nothing; one elsewhere is taken to be alive."""
    host, _, pid = holder_name.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _key(name: str) -> int:
    """The advisory lock's 64-bit key: stable for a name, across processes and PostgreSQL versions."""
    return int.from_bytes(hashlib.sha256(f"gridpay:{name}".encode()).digest()[:8], "big", signed=True)
