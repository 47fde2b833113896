"""Accounts in arrears by village and grid staff, for the screen and for export (CSV, Excel)."""

import io
from decimal import Decimal

from openpyxl import Workbook

from gridpay.application.spreadsheet_csv import spreadsheet_csv, starts_a_formula
from gridpay.data.queries.work_lists import ArrearsLine, arrears, villages_and_staff
from gridpay.domain.money import format_yuan

HEADER = ["村/社区", "网格员", "户号", "户名", "电话", "地址", "余额（元）", "欠费起始", "供电", "保电"]


def arrears_list(*, village: str = "", grid_staff: str = "") -> list[ArrearsLine]:
    return arrears(village=village.strip(), grid_staff=grid_staff.strip())


def filter_choices() -> tuple[list[str], list[str]]:
    return villages_and_staff()


def _cells(line: ArrearsLine) -> list[str]:
    since = line.arrears_since.strftime("%Y-%m-%d %H:%M") if line.arrears_since else ""
    return [line.village, line.grid_staff, line.account_no, line.customer_name, line.phone, line.address,
            format_yuan(line.balance_fen), since, "停电" if line.supply_state == "disconnected" else "供电",
            "是" if line.protected else ""]


def arrears_csv(lines: list[ArrearsLine]) -> bytes:
    return spreadsheet_csv([HEADER, *(_cells(line) for line in lines)])


def arrears_xlsx(lines: list[ArrearsLine]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "欠费清单"
    sheet.append(HEADER)
    for line in lines:
        cells: list[str | Decimal] = list(_cells(line))
        cells[6] = Decimal(format_yuan(line.balance_fen))  # a number in the spreadsheet, so that it sums
        sheet.append(cells)
        for cell in sheet[sheet.max_row]:
            if starts_a_formula(cell.value):
                cell.data_type = "s"  # openpyxl takes a text starting with = for a formula: written as text instead
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
