"""Archive the closed months of the history tables and of the meter commands to Parquet files and drop their
partitions (ADR 0033, ADR 0044)."""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from gridpay.application.supply.supply_progress import RESTORED_TOLD_FOR
from gridpay.data.history_partitions import (
    COMMANDS,
    HISTORY,
    ArchivedPartition,
    HistoryTable,
    MonthInUse,
    archive_partition,
    ensure_partition,
    first_command_month_in_use,
    month_archived,
    months_to_archive,
    partitioned,
)
from gridpay.data.run_lock import exclusive_run
from gridpay.domain.errors import DomainError
from gridpay.domain.history_months import archivable_before
from gridpay.domain.texts import gettext_noop


class ArchiveNeedsPostgreSQL(DomainError):
    code = "archive_needs_postgresql"


class ArchiveDirectoryUnusable(DomainError):
    code = "archive_directory_unusable"


@dataclass
class ArchiveReport:
    archived: list[ArchivedPartition] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # "settlement 2026-08": archived by an earlier run
    commands_held: MonthInUse | None = None  # the meter commands of this month and after stay in the database


def usable_directory(directory: Path) -> Path:
    """The archive directory, created if missing; refused unless it is a directory we may write in."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ArchiveDirectoryUnusable(gettext_noop("归档目录 {directory} 无法创建：{reason}（GRIDPAY_ARCHIVE_DIR）"),
                                       params={"directory": str(directory), "reason": error.strerror}) from None
    if not directory.is_dir() or not os.access(directory, os.W_OK | os.X_OK):
        raise ArchiveDirectoryUnusable(gettext_noop("归档目录 {directory} 不是可写的目录（GRIDPAY_ARCHIVE_DIR）"),
                                       params={"directory": str(directory)})
    return directory


def archive_months(*, before: date, today: date, at: datetime, directory: Path,
                   progress: Callable[[str], None] = lambda line: None,
                   before_drop: Callable[[Path], None] | None = None) -> ArchiveReport:
    """Every month before ``before`` written out and taken out of the database, month by month, table by table; each
    partition on its own (a failure keeps what was archived before it and leaves the failing one whole). The meter
    commands and their events only up to the first month with a command still in use, which stays with every later
    month (ADR 0044). Refused as a whole, before anything is written, for a month not closed on ``today``, on SQLite,
    or for an unusable directory."""
    if not partitioned():
        raise ArchiveNeedsPostgreSQL(
            gettext_noop("归档只用于 PostgreSQL 上按月分区的历史表；嵌入式 SQLite 数据库的历史留在库中，无需归档"))
    archivable_before(before=before, today=today)
    usable_directory(directory)
    report = ArchiveReport()
    with exclusive_run("history_archive", what="历史归档", at=at):
        for history in HISTORY:
            _archive_table(history, before, directory, report, progress=progress, before_drop=before_drop)
        report.commands_held = first_command_month_in_use(before=before, restored_since=at - RESTORED_TOLD_FOR)
        commands_before = before if report.commands_held is None else report.commands_held.month.start
        for history in COMMANDS:
            _archive_table(history, commands_before, directory, report, progress=progress, before_drop=before_drop)
    return report


def _archive_table(history: HistoryTable, before: date, directory: Path, report: ArchiveReport, *,
                   progress: Callable[[str], None], before_drop: Callable[[Path], None] | None) -> None:
    for month in months_to_archive(history, before=before):
        if month_archived(directory, history, month):
            report.already.append(f"{history.name} {month.label}")
            continue
        ensure_partition(history, month)  # rows of the month still in the DEFAULT partition move into it
        progress(f"归档 {history.name} {month.label} ……")
        done = archive_partition(history, month, directory, before_drop=before_drop)
        report.archived.append(done)
        progress(f"归档 {history.name} {month.label}：{done.rows} 行，已核对并移出数据库 → {done.path}")
