"""What the CSV imports share: a file read with exact column names, field parsing, rejected rows, the report."""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from gridpay.domain.energy import InvalidEnergy, parse_kwh, written_plainly
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

Progress = Callable[[int, int], None]
Row = tuple[int, dict[str, str]]
T = TypeVar("T")

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class UnusableFile(DomainError):
    """The file as a whole cannot be imported; nothing of it is written."""

    code = "unusable_file"


class FileUnreadable(UnusableFile):
    code = "file_unreadable"


class NotUtf8(UnusableFile):
    code = "not_utf8"


class WrongColumns(UnusableFile):
    code = "wrong_columns"


class RowRejected(DomainError):
    """One row cannot be imported; each rejection's ``code`` says why (missing_value, invalid_date, ...), per row."""

    code = "row_rejected"

    def __init__(
        self, code: str, message: str, *, field: str | None = None, params: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message, field=field, params=params)
        self.code = code


class RowProblems:
    """Every problem of one row, so that its rejection names them all rather than the first alone."""

    def __init__(self) -> None:
        self.found: list[DomainError] = []

    def check(self, parse: Callable[[], T]) -> T | None:
        """``parse()``'s value, or None with its problem noted."""
        try:
            return parse()
        except DomainError as problem:
            self.found.append(problem)
            return None

    def refuse_if_any(self) -> None:
        if not self.found:
            return
        first = self.found[0]
        if len(self.found) == 1:
            raise first
        raise RowRejected(first.code, "；".join(problem.message for problem in self.found), field=first.field)


@dataclass(frozen=True)
class RejectedRow:
    row_number: int  # line of the file where the row starts; the header is line 1
    code: str
    message: str


@dataclass(frozen=True)
class ImportReport:
    stored: int
    unchanged: int
    rejected: list[RejectedRow]


@dataclass(frozen=True)
class CsvFile:
    """A UTF-8 CSV file whose header names exactly the expected columns, decoded whole before any row is used."""

    path: Path
    columns: tuple[str, ...]
    text: str
    row_count: int

    def rows(self) -> Iterator[Row]:
        """(line number, {column: stripped value}); a row with extra fields gets them as ``#8``, ``#9``, ..."""
        reader = csv.reader(io.StringIO(self.text, newline=""))
        next(reader)
        line = reader.line_num
        for fields in reader:
            starts_at, line = line + 1, reader.line_num
            if not fields:
                continue  # a blank line is no row
            row = {name: value.strip() for name, value in zip(self.columns, fields, strict=False)}
            row.update({f"#{i}": value.strip() for i, value in enumerate(fields, 1) if i > len(self.columns)})
            yield starts_at, row


def open_csv(*, path: Path, columns: Sequence[str], optional: Sequence[str] = ()) -> CsvFile:
    """Reads and checks the whole file first, so a file that cannot be used writes nothing.

    The header holds every one of ``columns`` and any of ``optional``, in any order."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileUnreadable(gettext_noop("找不到文件：{path}"), params={"path": path}) from None
    except OSError as error:
        raise FileUnreadable(gettext_noop("无法读取文件 {path}：{error}"),
                             params={"path": path, "error": error.strerror or error}) from None
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte order mark
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise NotUtf8(
            gettext_noop("文件 {path} 不是 UTF-8 编码（第 {line} 行）：请另存为“CSV UTF-8”，GBK 编码的文件不能导入"),
            params={"path": path, "line": line},
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise WrongColumns(gettext_noop("文件 {path} 是空的：第 1 行应为表头 {columns}"),
                           params={"path": path, "columns": ",".join(columns)}) from None
    except csv.Error as error:
        raise WrongColumns(
            gettext_noop("文件 {path} 的表头无法解析：{error}"), params={"path": path, "error": error},
        ) from None
    _check_header(header, columns=columns, optional=optional, path=path)
    try:
        count = sum(1 for fields in reader if fields)
    except csv.Error as error:
        raise UnusableFile(gettext_noop("文件 {path} 第 {line} 行无法解析：{error}"),
                           params={"path": path, "line": reader.line_num, "error": error}) from None
    return CsvFile(path=path, columns=tuple(header), text=text, row_count=count)


def _check_header(header: list[str], *, columns: Sequence[str], optional: Sequence[str], path: Path) -> None:
    missing = [c for c in columns if c not in header]
    extra = [c for c in header if c not in columns and c not in optional]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if not (missing or extra or repeated):
        return
    problems = []
    if missing:
        problems.append(f"缺少列 {', '.join(missing)}")
    if extra:
        problems.append(f"多出列 {', '.join(repr(c) for c in extra)}")
    if repeated:
        problems.append(f"重复列 {', '.join(repeated)}")
    expected = ",".join(columns) + (f"（可选列：{','.join(optional)}）" if optional else "")
    raise WrongColumns(gettext_noop("文件 {path} 的表头不对：{problems}。应为：{expected}"),
                       params={"path": path, "problems": "；".join(problems), "expected": expected})


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def check_fields(row: dict[str, str], *, columns: Sequence[str], optional: Sequence[str] = ()) -> None:
    """A row has exactly the file's columns: a short or long line is rejected, not guessed at."""
    missing = [c for c in columns if c not in row]
    extra = [c for c in row if c not in columns and c not in optional]
    if missing or extra:
        raise RowRejected("malformed_row", gettext_noop("字段个数与表头不符：应有 {expected} 个，实有 {found} 个"),
                          params={"expected": len(columns), "found": len(row)})


def required(row: dict[str, str], column: str) -> str:
    value = row[column]
    if not value:
        raise RowRejected("missing_value", gettext_noop("{column} 不能为空"), field=column, params={"column": column})
    return value


def limited(row: dict[str, str], column: str, *, max_length: int | None) -> str:
    value = row[column]
    if max_length is not None and len(value) > max_length:
        raise RowRejected("too_long", gettext_noop("{column} 最多 {max_length} 个字符：{value!r}"), field=column,
                          params={"column": column, "max_length": max_length, "value": value})
    return value


def parse_day(text: str, *, column: str) -> date:
    if not _ISO_DAY.fullmatch(text):
        raise RowRejected("invalid_date", gettext_noop("{column} 应为 YYYY-MM-DD 格式的日期：{text!r}"), field=column,
                          params={"column": column, "text": text})
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowRejected("invalid_date", gettext_noop("{column} 不是有效日期：{text!r}"), field=column,
                          params={"column": column, "text": text}) from None


def parse_energy(text: str, *, column: str) -> Decimal:
    """A register or energy value in kWh: a non-negative number with at most 2 decimals, written with ASCII digits and
    a decimal point (no exponent, no full-width or other scripts' digits)."""
    if not written_plainly(text):
        raise RowRejected("invalid_number", gettext_noop("{column} 应为非负数，只用数字 0–9 和小数点：{text!r}"),
                          field=column, params={"column": column, "text": text})
    try:
        return parse_kwh(text, field=column)
    except InvalidEnergy as error:
        raise RowRejected("too_many_decimals", gettext_noop("{column}：{problem}"), field=column,
                          params={"column": column, "problem": error.message}) from None


def rejected_row(row_number: int, error: DomainError) -> RejectedRow:
    return RejectedRow(row_number=row_number, code=error.code, message=error.message)
