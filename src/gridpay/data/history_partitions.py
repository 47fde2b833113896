"""The monthly partitions on PostgreSQL of the history tables and of the meter commands: created ahead, and archived
to Parquet files (ADR 0033, ADR 0042, ADR 0044)."""

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, models, transaction

from gridpay.data.models import (
    MeterCommand,
    MeterCommandEvent,
    Reading,
    ReconnectCase,
    Settlement,
    Transfer,
    WorkOrder,
)
from gridpay.data.models.meter_commands import UNDER_WAY
from gridpay.domain.errors import DomainError
from gridpay.domain.history_months import Month
from gridpay.domain.texts import gettext_noop


class TableBusy(DomainError):
    """A partitioned table stayed locked by other work for LOCK_TRIES × LOCK_WAIT_S: nothing was changed."""

    code = "table_busy"


LOCK_WAIT_S = 2  # at most this long, other work on the table waits behind a request for it alone
LOCK_TRIES = 15
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout that ran out


def _table_busy(message: str, history: "HistoryTable", month: Month) -> TableBusy:
    return TableBusy(message, params={"table": history.name, "month": month.label,
                                      "seconds": LOCK_WAIT_S * LOCK_TRIES})


@dataclass(frozen=True)
class HistoryTable:
    """A table partitioned by month: the day it is partitioned by, and the column summed to check an archive."""

    name: str  # the archive's folder, and how the CLI names the table
    model: type[models.Model]
    day: str
    checksum: str
    # The file's row order: an account's rows together, so that reading one account's history skips the row groups
    # of the others by their statistics. Transfers name two ledger accounts: posting order.
    order: str
    # Partitioned by an instant (a command's creation, an event's time), not a day: a month's bounds are the business
    # time zone's midnights.
    instant: bool = False
    # A month's partition is itself partitioned by week (ADR 0038): the tables a night writes a row an account to.
    weeks: bool = True
    # Live updates name its rows by id alone (a command's status), and so lock every month's partition:
    # archive_partition must not hold a month's partition while it waits for the table (ADR 0044).
    updated_by_id: bool = False

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def partition(self, month: Month) -> str:
        return f"{self.table}_{month.suffix}"

    @property
    def columns(self) -> "list[models.Field[Any, Any]]":
        return [field for field in self.model._meta.concrete_fields]

    def bounds(self, start: date, end: date) -> str:
        return f"FROM ('{self.bound(start)}') TO ('{self.bound(end)}')"

    def bound(self, day: date) -> str:
        """Where a range of days begins in the partition key: the day, or the instant it begins."""
        if not self.instant:
            return day.isoformat()
        zone = ZoneInfo(settings.TIME_ZONE)
        return datetime(day.year, day.month, day.day, tzinfo=zone).isoformat(sep=" ")

    @property
    def month_of_row(self) -> str:
        """SQL: the first day of a row's month."""
        if not self.instant:
            return f"date_trunc('month', {self.day})::date"
        return f"date_trunc('month', {self.day} AT TIME ZONE '{settings.TIME_ZONE}')::date"


HISTORY = [
    HistoryTable("reading", Reading, "reading_date", "total_kwh", "account_id, reading_date"),
    HistoryTable("settlement", Settlement, "day", "charge_fen", "account_id, day"),
    HistoryTable("transfer", Transfer, "business_day", "amount_fen", "id"),
]
# Partitioned by month too (migration 0047, ADR 0042); archived only up to the first month with a command still in use
# (first_command_month_in_use, ADR 0044): a command under way may be months old.
COMMANDS = [
    HistoryTable("meter_command", MeterCommand, "created_at", "attempts", "account_id, id", instant=True, weeks=False,
                 updated_by_id=True),
    HistoryTable("meter_command_event", MeterCommandEvent, "at", "command_id", "command_id, id", instant=True,
                 weeks=False),
]
PARTITIONED = [*HISTORY, *COMMANDS]
BY_NAME = {history.name: history for history in PARTITIONED}
# The ledger's immutability trigger (migrations 0002, 0040): lifted on the DEFAULT partition only while rows of a new
# month are moved out of it into their own partition, which changes no transfer.
_IMMUTABLE = {"gridpay_transfer": "gridpay_transfer_immutable"}
SPAN_DAYS = 7  # days of a month's partition (ADR 0038)
_PARTITION = re.compile(r"_p(\d{4})_(\d{2})$")


def partitioned(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the history tables are partitioned here (PostgreSQL after migration 0040; never SQLite)."""
    if connections[using].vendor != "postgresql":
        return False
    with connections[using].cursor() as cursor:
        return _is_partitioned(cursor, Transfer._meta.db_table)


def month_partitions(history: HistoryTable, using: str = DEFAULT_DB_ALIAS) -> set[date]:
    """The first days of the months that have a partition of their own (on the database ``using``)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = to_regclass(%s)",
                       [history.table])
        found = (_PARTITION.search(name) for (name,) in cursor.fetchall())
        return {date(int(m[1]), int(m[2]), 1) for m in found if m}


def months_in_default(history: HistoryTable, *, before: date) -> set[date]:
    """The months of the rows that landed in the DEFAULT partition (a month created late, or a late row of a month
    already archived)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT {history.month_of_row} FROM {history.table}_default"
                       f" WHERE {history.day} < %s", [history.bound(before)])
        return {row[0] for row in cursor.fetchall()}


def ensure_partition(history: HistoryTable, month: Month) -> bool:
    """The month's partition, partitioned by week (_create_weeks), created if missing (True then), with any rows of the
    month moved into it out of the DEFAULT partition, in one transaction. A month's partition made before partitions
    by week (plain) is made again by week while it holds no row; one with rows stays as it is."""
    name, table = history.partition(month), history.table
    bounds = history.bounds(month.start, month.end)
    by_week = f" PARTITION BY RANGE ({history.day})" if history.weeks else ""
    with transaction.atomic(), connection.cursor() as cursor:
        if month.start in month_partitions(history) and (not history.weeks or _is_partitioned(cursor, name)):
            return False  # made, and as it should be: no lock (the schedule asks every night)
        # The table itself, first: no row of the month reaches the DEFAULT partition, or a plain partition found empty,
        # while they are moved or it is made again. Locked for the CREATE and ATTACH at once, not a weaker lock first:
        # a transaction that read the table and then writes it (a claim: SELECT FOR UPDATE, then UPDATE) deadlocked
        # with the lock's upgrade.
        if not _locked_exclusively(cursor, table):
            raise _table_busy(gettext_noop("{table} 表一直被其他操作占用，{seconds} 秒内未能建立 {month} 的分区；"
                                           "该月的行暂存默认分区，下次建分区时移入"), history, month)
        if month.start in month_partitions(history):
            if not history.weeks or _is_partitioned(cursor, name) or _holds_rows(cursor, name):
                return False
            cursor.execute(f"DROP TABLE {name}")
            rows_waiting = False
        else:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table}_default"
                           f" WHERE {history.day} >= %s AND {history.day} < %s)",
                           [history.bound(month.start), history.bound(month.end)])
            rows_waiting = cursor.fetchone()[0]
        if not rows_waiting:
            cursor.execute(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES {bounds}{by_week}")
            _create_weeks(cursor, history, month)
            return True
        cursor.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS){by_week}")
        _create_weeks(cursor, history, month)
        trigger = _IMMUTABLE.get(table)
        if trigger:
            cursor.execute(f"ALTER TABLE {table}_default DISABLE TRIGGER {trigger}")
        # On the partitions themselves: no statement trigger of the table (a meter command's slot, ADR 0042) fires
        # for rows that only move.
        cursor.execute(f"WITH moved AS (DELETE FROM {table}_default WHERE {history.day} >= %s AND {history.day} < %s"
                       f" RETURNING *) INSERT INTO {name} SELECT * FROM moved",
                       [history.bound(month.start), history.bound(month.end)])
        if trigger:
            cursor.execute(f"ALTER TABLE {table}_default ENABLE TRIGGER {trigger}")
        # Attaching builds the table's indexes and its ledger guard on the month and on each of its days.
        cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES {bounds}")
    return True


def _create_weeks(cursor: Any, history: HistoryTable, month: Month) -> None:
    """The month's partitions of SPAN_DAYS days each, within the month's, named by their first day. Why (ADR 0038): a
    night's rows then go into indexes that hold at most a week of rows, so the night's writes cost about the same on
    the 30th as on the 1st; in one index a month long, each account's row of the day lands beside its rows of the days
    before, and every night rewrites every page of it. Not a partition a day: reading an account's history then opens
    some 30 partitions a month, which made the account file ten times slower with two years in the database."""
    if not history.weeks:
        return
    name = history.partition(month)
    for start, end in month.spans(SPAN_DAYS):
        cursor.execute(f"CREATE TABLE {name}_{start.day:02d} PARTITION OF {name} FOR VALUES"
                       f" {history.bounds(start, end)}")


def _is_partitioned(cursor: Any, table: str) -> bool:
    """Whether ``table`` is itself partitioned (a month's partition: by week)."""
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))", [table])
    return bool(cursor.fetchone()[0])


def _holds_rows(cursor: Any, partition: str) -> bool:
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {partition})")
    return bool(cursor.fetchone()[0])


def ensure_partitions(months: list[Month]) -> list[str]:
    """Every partitioned table's partition of each month; the names of those created. Nothing on SQLite, nor for a
    table not partitioned yet (code ahead of its migrations)."""
    if not partitioned():
        return []
    with connection.cursor() as cursor:
        tables = [history for history in PARTITIONED if _is_partitioned(cursor, history.table)]
    return [history.partition(month) for month in months for history in tables if ensure_partition(history, month)]



# --- archive -----------------------------------------------------------------------------------------------------


class ArchiveMismatch(Exception):
    """The file read back does not hold what the partition holds: it is removed, and the partition kept."""


@dataclass(frozen=True)
class ArchivedPartition:
    table: str
    month: str
    rows: int
    path: Path


def archive_path(directory: Path, history: HistoryTable, month: Month) -> Path:
    return directory / history.name / f"{month.label}.parquet"


def polars_schema(history: HistoryTable) -> dict[str, Any]:
    """The archive's column types as COPY's text is read, from the model: integers, dates, exact decimals, text;
    instants and booleans as text, made typed once read (``typed``)."""
    schema: dict[str, Any] = {}
    for field in history.columns:
        kind = field.get_internal_type()
        if kind in {"DateTimeField"}:
            schema[field.column] = pl.String  # COPY's text, parsed once the file is read
        elif kind == "DateField":
            schema[field.column] = pl.Date
        elif kind == "DecimalField":
            schema[field.column] = pl.Decimal(field.max_digits, field.decimal_places)  # type: ignore[attr-defined]
        elif kind in {"CharField", "TextField"}:
            schema[field.column] = pl.String
        elif kind == "BooleanField":
            schema[field.column] = pl.String  # COPY writes t and f
        else:  # ids, keys, fen, counts
            schema[field.column] = pl.Int64
    return schema


def typed(history: HistoryTable) -> list[pl.Expr]:
    """COPY's text of the instants (UTC) and booleans as the archive's types."""
    kinds = {field.column: field.get_internal_type() for field in history.columns}
    return [*(pl.col(column).str.to_datetime(time_zone="UTC", time_unit="us")
              for column, kind in kinds.items() if kind == "DateTimeField"),
            *(pl.col(column) == "t" for column, kind in kinds.items() if kind == "BooleanField")]


def _figures(frame: pl.LazyFrame, history: HistoryTable) -> tuple[int, Decimal, int]:
    """Rows, the sum of the checksum column (exact: fen or hundredths of a kWh) and the sum of the ids."""
    row = frame.select(pl.len(), pl.col(history.checksum).sum(), pl.col("id").sum()).collect().row(0)
    return int(row[0]), Decimal(row[1] or 0), int(row[2] or 0)


def _figures_in_database(cursor: Any, partition: str, history: HistoryTable) -> tuple[int, Decimal, int]:
    cursor.execute(f"SELECT count(*), COALESCE(sum({history.checksum}), 0), COALESCE(sum(id), 0) FROM {partition}")
    count, total, ids = cursor.fetchone()
    return int(count), Decimal(total), int(ids)


@contextmanager
def _written_whole(path: Path) -> Iterator[Path]:
    """A temporary name beside ``path``, renamed to it once written and flushed to disk; removed on an error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        temporary.unlink(missing_ok=True)


def archive_partition(history: HistoryTable, month: Month, directory: Path, *,
                      before_drop: Callable[[Path], None] | None = None) -> ArchivedPartition:
    """The month's partition written to Parquet, the file read back and checked (rows, sum of ids and of the checksum
    column against the partition's, under a lock that keeps its rows as they are), and only then the partition
    detached and dropped, in the same transaction. A crash leaves the partition, and maybe a checked file that the
    next run writes again; never neither. ``before_drop``: called between the check and the drop (tests).

    A table updated by id (meter commands) is not locked while the file is made: each such update locks every month's
    partition after the table, and the archive, holding the month's partition and then asking for the table to detach
    it, would deadlock with it (or hold the gateway's updates for as long as the file takes). Its month, done with,
    does not change; the table is locked first, waiting at most LOCK_WAIT_S at a time, and the month's figures are
    checked again under that lock before it is dropped."""
    path, partition = archive_path(directory, history, month), history.partition(month)
    columns = [field.column for field in history.columns]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL timezone = 'UTC'")
        if not history.updated_by_id:
            # Rows of a closed month are not written any more; the lock makes sure of it while the file is made.
            cursor.execute(f"LOCK TABLE {partition} IN SHARE MODE")
        expected = _figures_in_database(cursor, partition, history)
        query = f"SELECT {', '.join(columns)} FROM {partition} ORDER BY {history.order}"
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".copy-", suffix=".csv") as text:
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
                for block in copy:
                    text.write(block)
            text.flush()
            with _written_whole(path) as temporary:
                (pl.scan_csv(text.name, has_header=False, new_columns=columns, schema=polars_schema(history))
                 .with_columns(typed(history))
                 .sink_parquet(temporary))
        found = _figures(pl.scan_parquet(path), history)
        if found != expected:
            path.unlink(missing_ok=True)
            raise ArchiveMismatch(f"{path}: 读回 {found}，分区 {partition} 为 {expected}")
        if before_drop is not None:
            before_drop(path)
        if history.updated_by_id:
            if not _locked_exclusively(cursor, history.table):
                path.unlink(missing_ok=True)
                raise _table_busy(gettext_noop("{table} 表一直被其他操作占用，{seconds} 秒内未能归档 {month}；"
                                               "该月分区保留在库中，稍后再运行 gridpay archive"), history, month)
            if (again := _figures_in_database(cursor, partition, history)) != expected:
                path.unlink(missing_ok=True)
                raise ArchiveMismatch(f"{path}: 分区 {partition} 在写文件期间变为 {again}，文件为 {expected}")
        cursor.execute(f"ALTER TABLE {history.table} DETACH PARTITION {partition}")
        cursor.execute(f"DROP TABLE {partition}")
    return ArchivedPartition(history.name, month.label, expected[0], path)


def _locked_exclusively(cursor: Any, table: str) -> bool:
    """The table locked for a partition's CREATE, ATTACH or DETACH (ACCESS EXCLUSIVE), asked for LOCK_TRIES times,
    each waiting at most LOCK_WAIT_S (in a savepoint, so that a wait that times out leaves the transaction as it was):
    other work on the table queues behind a lock request, so it is not left waiting long. False when never granted."""
    for _ in range(LOCK_TRIES):
        try:
            with transaction.atomic():
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT_S}s'")
                cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            continue
        cursor.execute("SET LOCAL lock_timeout = 0")
        return True
    return False


def months_to_archive(history: HistoryTable, *, before: date) -> list[Month]:
    """The months before ``before`` with rows still in the database: their own partitions, and rows in the DEFAULT
    partition of a month not archived yet (a late row of a month already archived stays in the database, read with
    the file)."""
    own = {start for start in month_partitions(history) if start < before}
    late = months_in_default(history, before=before) - own
    return [Month(start) for start in sorted(own | late)]


def month_archived(directory: Path, history: HistoryTable, month: Month) -> bool:
    return archive_path(directory, history, month).exists() and month.start not in month_partitions(history)


@dataclass(frozen=True)
class MonthInUse:
    month: Month
    commands: int  # of the month, still in use


def first_command_month_in_use(*, before: date, restored_since: datetime) -> MonthInUse | None:
    """The first month before ``before`` with a meter command still in use: under way, or the command of a
    reconnection case open or confirmed since ``restored_since`` (the customer's supply progress shows when it was
    sent), or of an open work order (whose pages show it). Commands are archived up to that month only
    (ADR 0044). None: every command before ``before`` is done with. A command in use never becomes done with again
    and nothing new refers to one done with, so the answer holds while the months before it are archived."""
    commands = BY_NAME["meter_command"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {commands.month_of_row} AS month, count(*) FROM {commands.table} c"
            f" WHERE c.{commands.day} < %s AND (c.status IN ({', '.join(['%s'] * len(UNDER_WAY))})"
            f" OR EXISTS (SELECT 1 FROM {ReconnectCase._meta.db_table} r"
            f"            WHERE r.command_id = c.id AND (r.confirmed_at IS NULL OR r.confirmed_at >= %s))"
            f" OR EXISTS (SELECT 1 FROM {WorkOrder._meta.db_table} w"
            f"            WHERE w.command_id = c.id AND w.closed_at IS NULL))"
            " GROUP BY 1 ORDER BY 1 LIMIT 1",
            [commands.bound(before), *UNDER_WAY, restored_since])
        row = cursor.fetchone()
    return None if row is None else MonthInUse(Month(row[0]), int(row[1]))
