"""A PDF's text page by page, and the report headings left on a page without their table."""

import io
from collections.abc import Sequence

from pypdf import PdfReader

from gridpay.integrations.documents.report_pdf import Section


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text without white space (pypdf spaces Chinese unevenly)."""
    return ["".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def orphaned_headings(pdf: bytes, sections: Sequence[Section]) -> list[str]:
    """The headings whose page does not also hold their table's column names and first row."""
    pages = page_texts(pdf)
    orphans = []
    for heading, columns, rows in sections:
        page = next(text for text in pages if _bare(heading) in text)
        if _bare("".join(columns)) not in page or _bare("".join(rows[0]) if rows else "—") not in page:
            orphans.append(heading)
    return orphans


def _bare(text: str) -> str:
    return "".join(text.split())
