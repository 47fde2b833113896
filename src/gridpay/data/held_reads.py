"""Settings read once for a stretch of work done as of one state of them: within ``reads_held()`` the supply policy
and the business calendar are read from the database the first time they are asked for, and from memory after.

A batch that runs many use cases one after another (the demo town's simulated day: thousands of payments, meter
answers and arrears steps) would otherwise read the same rows thousands of times. Outside such a stretch every call
reads; nothing inside one may change what it holds (the policy, the calendar).
"""

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
_held: ContextVar[dict[Hashable, Any] | None] = ContextVar("gridpay_held_reads", default=None)


@contextmanager
def reads_held() -> Iterator[None]:
    token = _held.set({})
    try:
        yield
    finally:
        _held.reset(token)


def held(key: Hashable, read: Callable[[], T]) -> T:
    """``read()``, or what it gave the first time within the current ``reads_held()``."""
    memo = _held.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    value: T = memo[key]
    return value
