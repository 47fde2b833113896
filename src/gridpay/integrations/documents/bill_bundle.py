"""A collector's printed bill bundle after the campaign (seed 003 每月18号后打出电费发票): A4, one bill per account,
in the order of the collector's route, each to be cut off and handed over at the door."""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from gridpay.domain.money import format_yuan
from gridpay.integrations.documents.fonts import CHINESE as FONT

TITLE = "电费交费通知单"
HOTLINE = "95598"
_MARGIN = 15 * mm
_WIDTH = A4[0] - 2 * _MARGIN
_TITLE = ParagraphStyle("bundle-title", fontName=FONT, fontSize=13, leading=18)
_BODY = ParagraphStyle("bundle-body", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
_CELL = ParagraphStyle("bundle-cell", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
_CELL_RIGHT = ParagraphStyle("bundle-cell-right", parent=_CELL, alignment=TA_RIGHT)
_GAP = "\xa0" * 4  # Paragraph collapses runs of spaces, but not no-break spaces
_GRID = colors.HexColor("#8a8a8a")
_SHADE = colors.HexColor("#f0f0f0")


@dataclass(frozen=True)
class BundleBillLine:
    """One unpaid month of the account."""

    month: date  # the first day of the bill's month
    energy_kwh: str  # as kept, 2 decimals
    amount_fen: int  # the bill's amount
    principal_owed_fen: int  # of it, still owed
    late_fee_fen: int  # late fee charged so far and not paid or waived
    due_on: date


@dataclass(frozen=True)
class BundleBill:
    sequence: int  # its place in the bundle, along the route
    account_no: str
    customer_name: str
    village: str
    address: str
    lines: tuple[BundleBillLine, ...]
    where_to_pay: str

    @property
    def total_fen(self) -> int:
        return sum(line.principal_owed_fen + line.late_fee_fen for line in self.lines)


def bill_bundle_pdf(*, utility: str, collector: str, month: date, printed_on: date,
                    bills: Sequence[BundleBill]) -> bytes:
    if not bills:
        raise ValueError("没有要打印的电费通知单")
    buffer = io.BytesIO()
    heading = f"{utility}　{TITLE}　收费员 {collector}　{month.year}年{month.month}月"

    def decorate(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawString(_MARGIN, A4[1] - 10 * mm, heading)
        canvas.drawRightString(A4[0] - _MARGIN, 8 * mm, f"第 {document.page} 页　打印日期 {printed_on.isoformat()}")
        canvas.restoreState()

    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=_MARGIN, rightMargin=_MARGIN,
                                 topMargin=14 * mm, bottomMargin=14 * mm, title=f"{TITLE}（{len(bills)} 份）",
                                 author=utility, creator="gridpay")
    story = []
    for bill in bills:
        story.append(KeepTogether(_bill(utility, bill)))
        story.append(HRFlowable(width="100%", thickness=0.5, color=_GRID, dash=(3, 3), spaceBefore=4 * mm,
                                spaceAfter=4 * mm))
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _bill(utility: str, bill: BundleBill) -> list[object]:
    header = [
        [_p("户号", _CELL), _p(bill.account_no, _CELL), _p("户名", _CELL), _p(bill.customer_name, _CELL)],
        [_p("地址", _CELL), _p(" ".join(x for x in (bill.village, bill.address) if x), _CELL), "", ""],
    ]
    head = Table(header, colWidths=[18 * mm, 62 * mm, 18 * mm, _WIDTH - 98 * mm])
    head.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID), ("BACKGROUND", (0, 0), (0, -1), _SHADE),
        ("BACKGROUND", (2, 0), (2, 0), _SHADE), ("SPAN", (1, 1), (3, 1)),
    ]))
    rows = [[_p(text, _CELL) for text in ("电费月份", "电量（千瓦时）", "电费（元）", "未交电费（元）",
                                         "违约金（元，计至今）", "交费期限")]]
    for line in bill.lines:
        rows.append([
            _p(f"{line.month.year}年{line.month.month}月", _CELL), _p(line.energy_kwh, _CELL_RIGHT),
            _p(format_yuan(line.amount_fen), _CELL_RIGHT), _p(format_yuan(line.principal_owed_fen), _CELL_RIGHT),
            _p(format_yuan(line.late_fee_fen), _CELL_RIGHT), _p(line.due_on.isoformat(), _CELL),
        ])
    rows.append([_p("合计应交", _CELL), "", "", "", _p(f"{format_yuan(bill.total_fen)} 元", _CELL_RIGHT), ""])
    table = Table(rows, colWidths=[26 * mm, 28 * mm, 26 * mm, 30 * mm, 36 * mm, _WIDTH - 146 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID), ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
        ("SPAN", (0, -1), (3, -1)),
    ]))
    return [
        _p(f"{utility} {TITLE}{_GAP}No. {bill.sequence}", _TITLE),
        Spacer(0, 2 * mm), head, Spacer(0, 2 * mm), table, Spacer(0, 2 * mm),
        _p(f"交费地点：{bill.where_to_pay}。也可通过网上国网App、微信、支付宝交费。逾期未交的按日加收违约金，"
           f"交清后违约金停止计算。如已交清，请忽略本单。服务热线 {HOTLINE}。", _BODY),
    ]


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)
