"""Crashes injected at the Nth database write of a run: an exception there, or on PostgreSQL the connection killed."""

import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

# A write: COPY of a table in (COPY (a query) TO STDOUT reads), or a statement that changes rows.
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|COPY\s+[^(\s]|WITH\b.*\b(INSERT|UPDATE|DELETE)\b)",
                   re.IGNORECASE | re.DOTALL)


class InjectedCrash(BaseException):
    """The process dies here: a BaseException, so no `except Exception` of the code under test can swallow it."""


@dataclass
class WriteCounter:
    """Counts the write statements of the main thread's connection, per step of the plan; crashes at the planned
    (step, nth write of the step) points, so a step that races threads moves no other step's crash."""

    crash_at: set[tuple[int, int]] = field(default_factory=set)
    killer: Any = None  # PostgreSQL: a connection that terminates ours at every other crash instead of raising
    writes: int = 0
    crashes: int = 0
    killed: int = 0
    paused: bool = False
    step: int = -1
    per_step: Counter[int] = field(default_factory=Counter)

    def begin_step(self, index: int) -> None:
        self.step = index

    @contextmanager
    def pause(self) -> Iterator[None]:
        """Writes of the campaign itself (a restart's clean-up) are not gridpay's: not counted, never crashed."""
        self.paused = True
        try:
            yield
        finally:
            self.paused = False

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if not self.paused and WRITE.match(sql):
            self.writes += 1
            self.per_step[self.step] += 1
            if (self.step, self.per_step[self.step]) in self.crash_at:
                self.crashes += 1
                if self.killer is not None and self.crashes % 2 == 0:
                    self.killed += 1
                    # Killed from outside, as an operator's kill or a cut network would: the statement below then
                    # fails on a dead connection.
                    self.killer.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
                else:
                    raise InjectedCrash(f"crash at write {self.per_step[self.step]} of step {self.step}")
        return execute(sql, params, many, context)


@contextmanager
def counting(counter: WriteCounter) -> Iterator[WriteCounter]:
    with connection.execute_wrapper(counter):
        yield counter

