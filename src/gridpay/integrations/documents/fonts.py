"""The Chinese font of gridpay's PDFs: an installed CJK TrueType font embedded (subset), so that every reader
shows the text; without one, reportlab's built-in STSong-Light, which Adobe's readers supply but some do not."""

import os
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

CANDIDATES = (
    os.environ.get("GRIDPAY_PDF_FONT", ""),
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian: fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


def _register() -> str:
    for candidate in CANDIDATES:
        if candidate and Path(candidate).is_file():
            try:
                pdfmetrics.registerFont(TTFont("GridpayChinese", candidate, subfontIndex=0))
                return "GridpayChinese"
            except Exception:  # reportlab raises plain exceptions for a font it cannot read
                continue
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


CHINESE = _register()
