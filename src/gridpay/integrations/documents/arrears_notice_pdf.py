"""The public arrears notice (欠费公示) of a village as an A4 PDF for the notice board: masked names and numbers."""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from gridpay.domain.money import format_yuan
from gridpay.integrations.documents.fonts import CHINESE as FONT

TITLE = "欠费公示"
HOTLINE = "95598"


@dataclass(frozen=True)
class NoticeRow:
    masked_name: str
    masked_account_no: str
    owed_fen: int
    days: int


@dataclass(frozen=True)
class NoticeDoc:
    notice_no: str
    village: str
    town: str
    as_of: date
    min_days: int
    total_fen: int  # the rows add up to it
    approved_by: str
    approved_at: datetime  # aware
    rows: Sequence[NoticeRow]


class NoticeTotalMismatch(ValueError):
    """The rows do not add up to the approved total: a notice that would mislead is not printed."""


_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=22, leading=30, alignment=TA_CENTER)
_BODY = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=17, wordWrap="CJK", firstLineIndent=22)
_PLAIN = ParagraphStyle("plain", fontName=FONT, fontSize=11, leading=17, wordWrap="CJK")
_RIGHT = ParagraphStyle("right", parent=_PLAIN, alignment=TA_RIGHT)
_GRID = colors.HexColor("#8a8a8a")
_SHADE = colors.HexColor("#f0f0f0")
_RED = colors.HexColor("#c0392b")


def arrears_notice_pdf(*, utility: str, zone: str, notice: NoticeDoc) -> bytes:
    if sum(row.owed_fen for row in notice.rows) != notice.total_fen:
        raise NoticeTotalMismatch(f"{notice.notice_no}: rows do not add up to {notice.total_fen} fen")
    approved = notice.approved_at.astimezone(ZoneInfo(zone))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=20 * mm,
                                 bottomMargin=20 * mm, title=f"{notice.village}{TITLE}", author=utility)
    place = f"{notice.town}{notice.village}" if notice.town else notice.village
    story = [
        Paragraph(f"{_e(place)}电费{TITLE}", _TITLE),
        Spacer(0, 6 * mm),
        Paragraph(
            f"截至 {_day(notice.as_of)}，本村以下用电户欠交电费已超过 {notice.min_days} 天，"
            f"共 {len(notice.rows)} 户，合计 {format_yuan(notice.total_fen)} 元。"
            "请以上用户尽快到供电所营业厅或通过网上国网App、微信、支付宝等渠道交清电费。"
            "公示后已交清的，以交费记录为准。", _BODY),
        Spacer(0, 4 * mm),
    ]
    if notice.rows:
        story.append(_table(notice.rows))
    else:
        story.append(Paragraph("本期无需公示的欠费户。", _PLAIN))
    story += [
        Spacer(0, 5 * mm),
        Paragraph("为保护个人信息，户名及户号已部分隐去。"
                  f"如有疑问，请拨打供电服务热线 {HOTLINE} 或联系本村网格员。", _BODY),
        Spacer(0, 8 * mm),
        Paragraph(_e(utility), _RIGHT),
        Paragraph(f"批准：{_e(notice.approved_by)}{chr(0xa0) * 4}{_day(approved.date())}", _RIGHT),
    ]

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(18 * mm, 12 * mm, f"编号：{notice.notice_no}")
        canvas.drawRightString(A4[0] - 18 * mm, 12 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _table(rows: Sequence[NoticeRow]) -> Table:
    """Short cells as plain strings: a masked name or number is never wrapped inside its cell."""
    data = [["序号", "户名", "户号", "欠费天数", "欠费金额（元）"]]
    data += [[str(index), row.masked_name, row.masked_account_no, str(row.days), format_yuan(row.owed_fen)]
             for index, row in enumerate(rows, start=1)]
    table = Table(data, colWidths=[14 * mm, 40 * mm, 50 * mm, 28 * mm, 42 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 10.5),
        ("ALIGN", (3, 1), (-1, -1), "RIGHT"),
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
        ("LINEABOVE", (0, 0), (-1, 0), 1.5, _RED),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _e(text: str) -> str:
    return escape(text)
