"""CSV for spreadsheet programs: UTF-8 with a byte-order mark, so that Excel and WPS open the Chinese correctly; and
no cell a spreadsheet would take for a formula (CSV injection: a customer's name or address typed as "=HYPERLINK(…)"
runs when staff open the export)."""

import csv
import io
import re
from collections.abc import Iterable, Sequence

# What a spreadsheet reads as the start of a formula (OWASP's list: = + - @, and tab and carriage return, which some
# programs strip before looking).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")  # a plain number such as -12.50 stays a number


def starts_a_formula(value: object) -> bool:
    """A text cell a spreadsheet would evaluate: it starts with = + - @ (or a tab or carriage return), and is not a
    plain number."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and _NUMBER.fullmatch(value) is None


def as_text(value: object) -> object:
    """The cell as a CSV may carry it: one that would start a formula is prefixed with an apostrophe, which spreadsheet
    programs read as "this is text" (and do not show)."""
    return f"'{value}" if starts_a_formula(value) else value


def spreadsheet_csv(rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([as_text(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
