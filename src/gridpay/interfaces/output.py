"""Terminal output shared by the commands: JSON that knows dates and decimals, tables, progress bars."""

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from django.core.management.base import CommandError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from gridpay.domain.errors import DomainError

# Lines are not wrapped (soft_wrap): piped into a file or another program, a message stays one line.
console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def to_jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(to_jsonable(v) for v in value)
    if isinstance(value, DomainError):
        return {"code": value.code, "message": value.message}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def exact_yuan(amount: Decimal) -> str:
    """An exact amount of yuan for people: at least to the fen (53.80), more places only where it has them
    (32.2834, 0.61725), never trailing zeros beyond the fen."""
    to_the_fen = amount.quantize(Decimal("0.01"))
    return f"{to_the_fen:f}" if to_the_fen == amount else f"{amount.normalize():f}"


def print_json(value: Any) -> None:
    """``value`` as JSON on standard output, written a piece at a time straight to the stream: an import of a million
    rows reports as many rejections, and the whole text handed to rich at once took gigabytes (issue 20)."""
    stream = console.file
    pieces: list[str] = []
    size = 0
    for piece in json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(to_jsonable(value)):
        pieces.append(piece)
        size += len(piece)
        if size >= _JSON_BLOCK:
            stream.write("".join(pieces))
            pieces, size = [], 0
    stream.write("".join(pieces) + "\n")
    stream.flush()


_JSON_BLOCK = 1 << 16  # characters written at a time


@contextmanager
def progress(
    description: str, *, total: int | None, counted: bool = True
) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr; yields ``advance(done, total)`` for a use case's ``on_progress``; one not
    ``counted`` (a step that says nothing of its progress) moves to and fro beside its time so far. Off a terminal
    (piped, logged) there is no bar to draw: nothing is written, not even the empty line a stopped bar leaves."""
    if not errors.is_terminal:
        yield lambda done, total: None
        return
    columns = (MofNCompleteColumn(), TimeRemainingColumn()) if counted else (TimeElapsedColumn(),)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), *columns, console=errors, transient=True)
    with bar:
        task = bar.add_task(description, total=total)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


@contextmanager
def timed_stage(description: str, *, total: int | None = None, unit: str = "") -> Iterator[Callable[[int, int], None]]:
    """One stage of a long command: its progress bar on a terminal while it runs, and when it ends one line on stderr
    saying how far it went and how long it took (「模拟 60/60 天 38 秒」), so that a piped or logged run, where the
    bar does not show, is not silent. Yields ``advance(done, total)`` as progress does."""
    started = time.monotonic()
    reached = [0, total]
    with progress(description, total=total, counted=total is not None) as advance:

        def step(done: int, total: int) -> None:
            reached[:] = [done, total]
            advance(done, total)

        yield step
    done, of = reached
    count = f"{done}/{of}{f' {unit}' if unit else ''} " if of is not None else ""
    errors.print(f"{description} {count}{_seconds(time.monotonic() - started)}")


def _seconds(seconds: float) -> str:
    return f"{seconds:.1f} 秒" if seconds < 10 else f"{seconds:.0f} 秒"


@contextmanager
def domain_errors_as_command_errors() -> Iterator[None]:
    """A broken business rule ends the command with its Chinese message and code, not a traceback."""
    try:
        yield
    except DomainError as error:
        raise CommandError(f"{error.message} [{error.code}]") from None
