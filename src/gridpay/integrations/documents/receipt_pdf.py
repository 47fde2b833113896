"""The counter receipt (电费交费凭证) as an A6 PDF, with reportlab's built-in Chinese font (nothing to install)."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from gridpay.domain.counter_desk import VoidMark
from gridpay.integrations.documents.fonts import CHINESE as FONT

VOID_RED = colors.HexColor("#b42318")


def receipt_pdf(
    *,
    utility: str,
    receipt_no: str,
    account_no: str,
    customer_name: str,
    address: str,
    amount_yuan: str,
    amount_in_words: str,
    received_at: datetime,
    zone: str,
    cashier: str,
    available_balance_yuan: str,
    copy: int,
    void: VoidMark | None = None,
) -> bytes:
    """The receipt; a voided one (``void``) is stamped 作废 across its face and says who voided it, who authorised
    it and why, in place of the reprint mark: whatever print of it this is, it is the payer's proof of the void."""
    buffer = io.BytesIO()
    width, height = A6
    page = canvas.Canvas(buffer, pagesize=A6, pageCompression=1)
    page.setTitle(f"电费交费凭证 {receipt_no}")
    page.setAuthor(utility)
    page.setFont(FONT, 14)
    page.drawCentredString(width / 2, height - 14 * mm, "电费交费凭证")
    page.setFont(FONT, 8)
    page.drawCentredString(width / 2, height - 19 * mm, utility)
    local = received_at.astimezone(ZoneInfo(zone))
    rows = [
        ("收据号", receipt_no),
        ("户号", account_no),
        ("户名", customer_name),
        ("地址", address or "—"),
        ("交费金额", f"¥{amount_yuan}"),
        ("大写", amount_in_words),
        ("交费方式", "营业厅柜台"),
        ("交费时间", f"{local:%Y-%m-%d %H:%M:%S}"),
        ("交费后可用余额", f"¥{available_balance_yuan}"),
        ("收费员", cashier),
    ]
    y = height - 30 * mm
    for label, value in rows:
        page.setFont(FONT, 9)
        page.drawString(8 * mm, y, label)
        page.drawString(34 * mm, y, value[:28])
        y -= 7 * mm
    if void is not None:
        _void_stamp(page, void, zone=zone, top=y)
    else:
        if copy > 1:
            page.setFont(FONT, 8)
            page.drawRightString(width - 8 * mm, height - 14 * mm, f"补打（第{copy}次）")
        page.setFont(FONT, 7)
        page.drawString(8 * mm, 12 * mm, "交费即时到账；余额不足时将短信提醒。请妥善保管本凭证。")
    page.showPage()
    page.save()
    return buffer.getvalue()


def _void_stamp(page: canvas.Canvas, void: VoidMark, *, zone: str, top: float) -> None:
    width, height = A6
    page.setFillColor(VOID_RED)
    page.setStrokeColor(VOID_RED)
    page.setFont(FONT, 14)
    page.drawRightString(width - 8 * mm, height - 14 * mm, "作废")
    # The stamp across the amounts, where a copy could not be passed off as a valid receipt.
    page.saveState()
    page.setFillAlpha(0.8)  # the amounts stay legible under the stamp
    page.setStrokeAlpha(0.8)
    page.translate(width / 2, height / 2 + 8 * mm)
    page.rotate(24)
    page.setLineWidth(2)
    page.roundRect(-26 * mm, -9 * mm, 52 * mm, 18 * mm, 3 * mm)
    page.setFont(FONT, 34)
    page.drawCentredString(0, -5 * mm, "作  废")
    page.restoreState()
    local = void.voided_at.astimezone(ZoneInfo(zone))
    y = top
    for label, value in (("作废时间", f"{local:%Y-%m-%d %H:%M:%S}"), ("作废人", void.voided_by),
                         ("授权人", void.authorised_by), ("作废原因", void.reason)):
        page.setFont(FONT, 9)
        page.drawString(8 * mm, y, label)
        page.drawString(34 * mm, y, value[:28])
        y -= 6 * mm
    page.setFont(FONT, 7)
    page.drawString(8 * mm, 12 * mm, "本笔交费已于当日作废，金额已从账户冲回；本凭证不作交费凭据。")
    page.setFillColor(colors.black)
