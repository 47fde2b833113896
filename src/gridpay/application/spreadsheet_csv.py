"""CSV for spreadsheet programs: UTF-8 with a byte-order mark, so that Excel and WPS open the Chinese correctly."""

import csv
import io
from collections.abc import Iterable, Sequence


def spreadsheet_csv(rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")
