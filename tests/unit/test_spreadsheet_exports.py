"""Exports neutralise formulas (issue 20 point 4): a CSV or XLSX cell whose text starts with = + - @ is written as text,
so a customer's name or address typed as a formula never runs when staff open the export; numbers stay numbers."""

import csv
import io
import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from gridpay.application.spreadsheet_csv import spreadsheet_csv
from gridpay.application.work_lists.arrears_list import arrears_csv, arrears_xlsx
from gridpay.data.queries.work_lists import ArrearsLine

HOSTILE = ["=HYPERLINK(\"http://x\",\"点我\")", "+1+1", "-2+3", "@SUM(A1:A2)", "=1+1", "\t=1", "\r=1"]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_cells_that_would_start_a_formula_are_written_as_text_and_numbers_stay_numbers() -> None:
    rows = read_csv(spreadsheet_csv([[*HOSTILE, "-12.50", "+3", "张三", "a=b", 7]]))
    assert rows == [[*(f"'{v}" for v in HOSTILE), "-12.50", "+3", "张三", "a=b", "7"]]


@given(st.lists(st.text(max_size=12), min_size=1, max_size=5))
def test_no_csv_cell_a_spreadsheet_reads_as_a_formula_survives(cells: list[str]) -> None:
    for written, given_cell in zip(read_csv(spreadsheet_csv([cells]))[0], cells, strict=True):
        number = re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", given_cell) is not None
        if given_cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not number:
            assert written == f"'{given_cell}"
        else:
            assert written == given_cell


def line(name: str, address: str) -> ArrearsLine:
    return ArrearsLine(village="上村", grid_staff="王网格", account_no="3301000001", customer_name=name,
                       phone="+8613900000001", address=address, balance_fen=-1_250,
                       arrears_since=datetime(2025, 3, 10, 2, tzinfo=UTC), supply_state="connected", protected=False)


def test_the_arrears_export_writes_hostile_names_as_text_in_csv_and_xlsx() -> None:
    lines = [line("=HYPERLINK(\"http://x\",\"点我\")", "@SUM(A1:A9)")]
    row = read_csv(arrears_csv(lines))[1]
    assert row[3] == "'=HYPERLINK(\"http://x\",\"点我\")" and row[5] == "'@SUM(A1:A9)" and row[4] == "+8613900000001"
    assert row[6] == "-12.50"
    sheet = load_workbook(io.BytesIO(arrears_xlsx(lines))).active
    assert sheet is not None
    name, phone, address, balance = (sheet.cell(row=2, column=c) for c in (4, 5, 6, 7))
    assert (name.data_type, name.value) == ("s", "=HYPERLINK(\"http://x\",\"点我\")")  # text, not a formula
    assert (address.data_type, phone.data_type) == ("s", "s")
    assert balance.data_type == "n" and balance.value == -12.5
