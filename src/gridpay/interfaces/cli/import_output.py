"""What the CSV import commands share: a progress bar for large files, exit codes, the report of rejected rows."""

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from django.core.management.base import CommandError
from rich.table import Table

from gridpay.application.imports import ImportReport, Progress, UnusableFile
from gridpay.interfaces.output import console, print_json, progress

REJECTED_SHOWN = 50
# Above this size a file takes more than a moment to import, and gets a progress bar.
LARGE_FILE_BYTES = 256 * 1024


@contextmanager
def import_progress(description: str, *, path: Path) -> Iterator[Progress | None]:
    """A progress bar on stderr for a large file; none for a small one."""
    large = path.is_file() and path.stat().st_size > LARGE_FILE_BYTES
    with progress(description, total=None) if large else nullcontext(None) as advance:
        yield advance


@contextmanager
def unusable_file_exits() -> Iterator[None]:
    """A file that cannot be used at all (nothing of it was written) ends the command with exit code 2."""
    try:
        yield
    except UnusableFile as error:
        raise CommandError(f"{error.message} [{error.code}]", returncode=2) from None


def show_import_report(report: ImportReport, *, as_json: bool, what: str) -> None:
    """The summary, then the rejected rows; some rejected rows end the command with exit code 1."""
    if as_json:
        print_json(report)
    else:
        console.print(
            f"{what}导入完成：新存入 {report.stored} 行，已存在未变 {report.unchanged} 行，"
            f"拒绝 {len(report.rejected)} 行"
        )
        if report.rejected:
            console.print(_rejected_table(report))
            hidden = len(report.rejected) - REJECTED_SHOWN
            if hidden > 0:
                console.print(f"另有 {hidden} 行被拒绝未列出；用 --json 查看全部。")
    if report.rejected:
        accepted = report.stored + report.unchanged
        raise CommandError(f"{len(report.rejected)} 行被拒绝、未存入；其余 {accepted} 行已导入。", returncode=1)


def _rejected_table(report: ImportReport) -> Table:
    table = Table(title="被拒绝的行", title_justify="left")
    table.add_column("行号", justify="right", no_wrap=True)
    table.add_column("代码", no_wrap=True)
    table.add_column("原因", overflow="fold")
    for row in report.rejected[:REJECTED_SHOWN]:
        table.add_row(str(row.row_number), row.code, row.message)
    return table
