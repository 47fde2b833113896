"""The counter receipt (电费交费凭证) as an A6 PDF, with reportlab's built-in Chinese font (nothing to install)."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from gridpay.integrations.documents.fonts import CHINESE as FONT


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
) -> bytes:
    buffer = io.BytesIO()
    width, height = A6
    page = canvas.Canvas(buffer, pagesize=A6, pageCompression=1)
    page.setTitle(f"电费交费凭证 {receipt_no}")
    page.setAuthor(utility)
    page.setFont(FONT, 14)
    page.drawCentredString(width / 2, height - 14 * mm, "电费交费凭证")
    page.setFont(FONT, 8)
    page.drawCentredString(width / 2, height - 19 * mm, utility)
    if copy > 1:
        page.drawRightString(width - 8 * mm, height - 14 * mm, f"补打（第{copy}次）")
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
    page.setFont(FONT, 7)
    page.drawString(8 * mm, 12 * mm, "交费即时到账；余额不足时将短信提醒。请妥善保管本凭证。")
    page.showPage()
    page.save()
    return buffer.getvalue()
