"""A report as an A4 PDF: a title, then sections of a heading and a table (reportlab platypus)."""

import io
from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from gridpay.integrations.documents.fonts import CHINESE

Section = tuple[str, Sequence[str], Sequence[Sequence[str]]]  # heading, column names, rows


def tables_pdf(*, title: str, subtitle: str, sections: Sequence[Section]) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=15 * mm, bottomMargin=15 * mm)
    heading = ParagraphStyle("h", fontName=CHINESE, fontSize=16, leading=22, spaceAfter=4)
    small = ParagraphStyle("s", fontName=CHINESE, fontSize=9, leading=13, textColor=colors.grey)
    # keepWithNext: a heading goes to the next page with its table rather than stay alone at the bottom of this one.
    section = ParagraphStyle("h2", fontName=CHINESE, fontSize=12, leading=18, spaceBefore=10, spaceAfter=4,
                             keepWithNext=1)
    story: list[object] = [Paragraph(title, heading), Paragraph(subtitle, small), Spacer(1, 4 * mm)]
    for name, columns, rows in sections:
        story.append(Paragraph(name, section))
        table = Table([list(columns), *[list(r) for r in rows]] if rows else [list(columns), ["—"] * len(columns)],
                      repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), CHINESE, 9),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bcccdc")),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ]))
        story.append(table)
    document.build(story)
    return buffer.getvalue()
