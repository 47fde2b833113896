"""Batches of a long run, each its own transaction, run side by side on connections of their own (PostgreSQL)."""

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connection

Batch = TypeVar("Batch")
Outcome = TypeVar("Outcome")


def each_batch(work: Callable[[Batch], Outcome], batches: Iterable[Batch], *, workers: int) -> Iterator[Outcome]:
    """``work(batch)`` of every batch, the outcomes in the batches' order. With one worker, in the caller's thread and
    on its connection; with more, that many at once, each batch on its thread's own connection, closed after it, so
    one batch's statements run in the server while another's Python works. A failed batch stops the run: its
    exception comes out in its turn, and the batches not begun are cancelled."""
    if workers <= 1:
        yield from map(work, batches)
        return

    def on_own_connection(batch: Batch) -> Outcome:
        try:
            return work(batch)
        finally:
            connection.close()  # this thread's

    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(on_own_connection, batches)
