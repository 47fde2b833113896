"""The one door to the archived months of the history tables: their Parquet files, read as the database's rows.

A month's file counts only once its partition is gone from the database (``gridpay archive`` drops it in the
transaction that follows the file's check), so a row is read from the database or from a file, never from both. A row
of an archived month that arrived later sits in the DEFAULT partition and is read from the database. On SQLite, and
before anything was archived, there is nothing here and every function says so at once (ADR 0033).
"""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
from django.db import connections, router

from gridpay.data.history_partitions import BY_NAME, HistoryTable, month_partitions, partitioned
from gridpay.data.settings import gridpay_settings
from gridpay.domain.history_months import BadMonth, Month, parse_month

READINGS, SETTLEMENTS, TRANSFERS = BY_NAME["reading"], BY_NAME["settlement"], BY_NAME["transfer"]
# By the month each was created in; every command still in the database is newer than every archived one (ADR 0044).
METER_COMMANDS = BY_NAME["meter_command"]


def archived_months(history: HistoryTable) -> dict[date, Path]:
    """The months of ``history`` that live in files only: first day → file. No query unless there are files. Asked of
    the database the rows are read from (a report's: the replica, which drops a month's partition a moment after the
    primary), so that a month is read from its rows or from its file, not both."""
    using = router.db_for_read(history.model)
    if connections[using].vendor != "postgresql":
        return {}
    folder = Path(gridpay_settings().archive_dir) / history.name
    if not folder.is_dir():
        return {}
    found = {}
    for path in folder.glob("*.parquet"):
        try:
            found[parse_month(path.stem)] = path
        except BadMonth:
            continue  # not one of ours
    if not found or not partitioned(using):
        return {}
    in_database = month_partitions(history, using)
    return {start: path for start, path in sorted(found.items()) if start not in in_database}


def archived(history: HistoryTable, *, since: date | None = None, through: date | None = None) -> pl.LazyFrame | None:
    """The archived rows of the months that meet ``[since, through]`` (None: no bound), or None when there are
    none; the caller filters by the day itself, a month's file holding the whole month."""
    files = [path for start, path in archived_months(history).items()
             if (since is None or Month(start).end > since) and (through is None or start <= through)]
    if not files:
        return None
    return pl.scan_parquet(files)


def last_archived_day(history: HistoryTable) -> date | None:
    """The last day of the last archived month of ``history`` (None: nothing archived)."""
    first = first_month_in_database(history)
    return None if first is None else first - timedelta(days=1)


def first_month_in_database(history: HistoryTable) -> date | None:
    """The first day of the month after the last archived one (None: nothing archived): days from it on are all in
    the database."""
    months = archived_months(history)
    return Month(max(months)).end if months else None


def archived_commands(*, action: str | None, status: str, instant: str, start: datetime | None = None,
                      end: datetime | None = None) -> list[tuple[int, datetime]]:
    """(account, ``instant``) of the archived meter commands of ``action`` (None: any) ended in ``status`` whose
    ``instant`` (a column: created_at, finished_at) is set and within [start, end) (None: no bound); those in the
    database are the caller's to read. A command may finish months after it was made, so every archived month's file
    is scanned (the filters read inside the files, not after loading them)."""
    found = _archived_commands(action=action, status=status, instant=instant, start=start, end=end)
    return [] if found is None else found.select("account_id", instant).collect().rows()


def archived_command_count(*, action: str | None, status: str, instant: str, start: datetime | None = None,
                           end: datetime | None = None) -> int:
    """How many archived_commands there are, counted in the files."""
    found = _archived_commands(action=action, status=status, instant=instant, start=start, end=end)
    return 0 if found is None else int(found.select(pl.len()).collect().item())


def _archived_commands(*, action: str | None, status: str, instant: str, start: datetime | None,
                       end: datetime | None) -> pl.LazyFrame | None:
    old = archived(METER_COMMANDS)
    if old is None:
        return None
    found = old.filter(pl.col("status") == status, pl.col(instant).is_not_null())
    if action is not None:
        found = found.filter(pl.col("action") == action)
    if start is not None:
        found = found.filter(pl.col(instant) >= start.astimezone(UTC))
    if end is not None:
        found = found.filter(pl.col(instant) < end.astimezone(UTC))
    return found
