"""A report's PDF keeps every heading on the page of its table: none is left alone at the bottom of a page."""

import pytest

from gridpay.integrations.documents.report_pdf import Section, tables_pdf
from tests.support.pdf_pages import orphaned_headings, page_texts


# Long first tables move the second heading down the page row by row, across the page bottom (about 35 rows) and
# the next one (about 78): each length once, so the heading is tried at every height a row's step gives.
@pytest.mark.parametrize("rows", range(25, 85))
def test_a_heading_goes_to_the_next_page_with_its_table(rows: int) -> None:
    sections: list[Section] = [
        ("第一节", ["列甲", "列乙"], [[f"行{n}", "1"] for n in range(rows)]),
        ("第二节欠费账龄", ["账龄", "户数"], [["7天以内", "2"], ["7–30天", "3"]]),
        ("第三节", ["渠道", "笔数"], [["支付宝", "4"]]),
    ]

    pdf = tables_pdf(title="月报", subtitle="打印时间", sections=sections)

    assert orphaned_headings(pdf, sections) == []


def test_a_table_longer_than_a_page_still_starts_under_its_heading() -> None:
    sections: list[Section] = [
        ("短表", ["列甲"], [["甲"]] * 30),
        ("长表", ["户号", "欠费"], [[f"户{n}", str(n)] for n in range(120)]),
    ]

    pdf = tables_pdf(title="月报", subtitle="打印时间", sections=sections)

    assert orphaned_headings(pdf, sections) == []
    assert sum("户119" in page for page in page_texts(pdf)) == 1  # every row printed, once
