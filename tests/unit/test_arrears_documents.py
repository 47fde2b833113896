"""The arrears procedure's documents (RULES §10): rendered, then read back from the PDF with pypdf."""

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pypdf import PdfReader

from gridpay.domain.money import format_yuan, yuan_in_words
from gridpay.integrations.documents.arrears_documents import (
    NoticeParty,
    OwedBill,
    RedNoticeDoc,
    WorkTicketDoc,
    YellowNoticeDoc,
    red_notice_pdf,
    work_ticket_pdf,
    yellow_notice_pdf,
)

UTILITY = "国网青山县供电公司朱村供电所"
ZONE = "Asia/Shanghai"
# 17:30 UTC on 10 December is 01:30 on 11 December in Shanghai: only the zone puts the right day on paper.
PLANNED = datetime(2026, 12, 10, 17, 30, tzinfo=UTC)
PLANNED_LOCAL = "2026年12月11日 01:30"
PAY_BY = date(2026, 12, 10)
LONG_ADDRESS = ("浙江省杭州市临安区青山湖街道朱村村第五村民小组十八号东侧第三间"
                "原村供销社旧址门口有两棵大樟树的那户人家的后院") * 2


def party(account_no: str = "3301000001", **changes: str) -> NoticeParty:
    return replace(NoticeParty(account_no=account_no, customer_name="张三", address="朱村村五组18号",
                               phone="13800000000", village="朱村村", transformer_area="朱村3号台区",
                               meter_no="3300123456789012"), **changes)


def bills(count: int, *, account_no: str = "3301000001") -> tuple[OwedBill, ...]:
    return tuple(OwedBill(bill_no=f"PB-{2023 + i // 12}{i % 12 + 1:02d}-{account_no}",
                          month=date(2023 + i // 12, i % 12 + 1, 1),
                          principal_owed_fen=12_345 + i, late_fee_owed_fen=37 * i) for i in range(count))


def total(owed: tuple[OwedBill, ...]) -> int:
    return sum(b.principal_owed_fen + b.late_fee_owed_fen for b in owed)


def yellow(account_no: str = "3301000001", *, count: int = 3, **changes: object) -> YellowNoticeDoc:
    owed = bills(count, account_no=account_no)
    notice = YellowNoticeDoc(notice_no=f"CF-{account_no}", party=party(account_no), bills=owed,
                             amount_fen=total(owed), pay_by=PAY_BY, planned_disconnection_at=PLANNED,
                             served_by="网格员李四", served_at=datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    return replace(notice, **changes)


def red(account_no: str = "3301000001", *, count: int = 3, **changes: object) -> RedNoticeDoc:
    owed = bills(count, account_no=account_no)
    notice = RedNoticeDoc(notice_no=f"ZZ-{account_no}", party=party(account_no), bills=owed, amount_fen=total(owed),
                          pay_by=PAY_BY, planned_disconnection_at=PLANNED, delivered_by="网格员李四",
                          delivered_at=None)
    return replace(notice, **changes)


def disconnect_ticket(**changes: object) -> WorkTicketDoc:
    ticket = WorkTicketDoc(kind="disconnect", ticket_no="TD-0001", party=party(), for_day=date(2026, 12, 11),
                           due_by=None, amount_fen=123_456, approval="所长 王五 2026-12-03 批准", remote=True,
                           issued_by="网格员李四", issued_at=datetime(2026, 12, 10, 1, 0, tzinfo=UTC))
    return replace(ticket, **changes)


def reconnect_ticket(**changes: object) -> WorkTicketDoc:
    # 16:30 UTC on 12 December is 00:30 on 13 December in Shanghai.
    ticket = WorkTicketDoc(kind="reconnect", ticket_no="TF-0001", party=party("3301000002"), for_day=None,
                           due_by=datetime(2026, 12, 12, 16, 30, tzinfo=UTC), amount_fen=10_000, approval="",
                           remote=False, issued_by="网格员李四", issued_at=datetime(2026, 12, 11, 16, 30, tzinfo=UTC))
    return replace(ticket, **changes)


def pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """The text without its line breaks and spaces (no-break ones too): what a wrapped line still says."""
    return "".join(text.split())


def assert_notice_facts(text: str, notice: YellowNoticeDoc | RedNoticeDoc) -> None:
    assert UTILITY in text
    assert notice.party.account_no in text and notice.party.customer_name in text and notice.notice_no in text
    assert f"{format_yuan(notice.amount_fen)} 元" in text
    assert yuan_in_words(notice.amount_fen) in flat(text)
    assert "2026年12月10日" in text  # the pay-by day
    assert PLANNED_LOCAL in text and "17:30" not in text


def test_a_yellow_notice_states_the_amount_the_deadline_and_the_planned_disconnection_in_local_time() -> None:
    notice = yellow()
    [text] = pages(yellow_notice_pdf(utility=UTILITY, zone=ZONE, notices=[notice]))
    assert_notice_facts(text, notice)
    assert "电费催费通知单" in text and "尊敬的" in text and "95598" in text
    assert "2026年12月1日 10:00" in text  # served at 02:00 UTC
    for bill in notice.bills:
        assert bill.bill_no in text
    assert "合计（3笔）" in flat(text) and "《中止供电通知书》" in flat(text)  # the red notice is announced, not served


def test_a_batch_of_yellow_notices_prints_one_page_each_in_order_with_the_count() -> None:
    notices = [yellow(f"33010000{i:02d}") for i in range(1, 6)]
    texts = pages(yellow_notice_pdf(utility=UTILITY, zone=ZONE, notices=notices))
    assert len(texts) == 5
    for number, (text, notice) in enumerate(zip(texts, notices, strict=True), start=1):
        assert_notice_facts(text, notice)
        assert "本批共5份" in flat(text) and f"第{number}份" in flat(text)


def test_a_red_notice_has_the_legal_wording_and_the_signature_stub() -> None:
    notice = red()
    [text] = pages(red_notice_pdf(utility=UTILITY, zone=ZONE, notices=[notice]))
    assert_notice_facts(text, notice)
    words = flat(text)
    assert "中止供电通知书" in words
    assert "《中华人民共和国电力法》" in words and "《供电营业规则》" in words
    assert "起对您户中止供电" in words and "交清全部欠费及违约金的，不中止供电" in words
    for way in ("营业厅", "微信", "支付宝", "银行代扣"):
        assert way in words
    assert "95598" in words
    for label in ("回执", "沿此线剪下", "客户签收", "日期", "拒签情况记录", "送达人", "送达时间"):
        assert label in words
    assert "网格员李四" in words and "____时____分" in words  # not yet delivered: blanks to fill in


def test_a_red_notice_printed_at_delivery_carries_the_delivery_time_in_local_time() -> None:
    notice = red(delivered_at=datetime(2026, 12, 2, 23, 15, tzinfo=UTC))
    [text] = pages(red_notice_pdf(utility=UTILITY, zone=ZONE, notices=[notice]))
    assert "2026年12月3日 07:15" in text and "____时____分" not in text


def test_a_batch_of_red_notices_prints_one_page_each() -> None:
    notices = [red(f"33010000{i:02d}", count=i) for i in range(1, 7)]
    texts = pages(red_notice_pdf(utility=UTILITY, zone=ZONE, notices=notices))
    assert len(texts) == 6
    for text, notice in zip(texts, notices, strict=True):
        assert_notice_facts(text, notice)
        assert "拒签情况记录" in text


def test_the_two_kinds_of_work_ticket() -> None:
    texts = pages(work_ticket_pdf(utility=UTILITY, zone=ZONE, tickets=[disconnect_ticket(), reconnect_ticket()]))
    assert len(texts) == 2
    disconnection, reconnection = texts
    for text in texts:
        assert UTILITY in text and "计量班" in text and "网格员李四" in text and "执行记录" in text
    assert "催费停电工作票" in disconnection and "TD-0001" in disconnection and "3301000001" in disconnection
    assert "2026年12月11日" in disconnection and "所长 王五 2026-12-03 批准" in disconnection
    assert f"{format_yuan(123_456)} 元" in disconnection and yuan_in_words(123_456) in flat(disconnection)
    assert "远程" in disconnection and "欠费复核" in disconnection and "已交清的不得停电" in flat(disconnection)
    assert "2026年12月10日 09:00" in disconnection  # issued at 01:00 UTC
    assert "复电工作票" in reconnection and "催费停电" not in reconnection and "TF-0001" in reconnection
    assert "2026年12月13日 00:30 前" in reconnection and "24 小时" in reconnection
    assert "100.00 元" in reconnection and "壹佰元整" in reconnection and "现场" in reconnection
    assert "审批" not in reconnection


def test_a_long_address_is_wrapped_and_complete_on_every_kind() -> None:
    home = party(address=LONG_ADDRESS)
    owed = bills(3)
    yellow_text, red_text, ticket_text = (
        pages(yellow_notice_pdf(utility=UTILITY, zone=ZONE, notices=[yellow(party=home)]))[0],
        pages(red_notice_pdf(utility=UTILITY, zone=ZONE, notices=[red(party=home)]))[0],
        pages(work_ticket_pdf(utility=UTILITY, zone=ZONE, tickets=[disconnect_ticket(party=home)]))[0],
    )
    for text in (yellow_text, red_text, ticket_text):
        assert LONG_ADDRESS not in text  # on more than one line
        assert LONG_ADDRESS in flat(text)  # and nothing of it cut off
    assert all(b.bill_no in red_text for b in owed)


def test_a_long_bill_list_goes_on_with_continuation_pages_and_the_first_page_keeps_the_notice_whole() -> None:
    notice = red(count=60)
    texts = pages(red_notice_pdf(utility=UTILITY, zone=ZONE, notices=[notice]))
    assert len(texts) > 2
    first, *continued = texts
    assert_notice_facts(first, notice)  # the total, the deadline and the wording stay on the first page
    assert "拒签情况记录" in first and "明细见续页" in flat(first) and "合计（60笔）" in flat(first)
    for text in continued:
        assert UTILITY in text and "续页" in text and notice.party.account_no in text and notice.notice_no in text
        assert "拒签情况记录" not in text
    everything = "\n".join(texts)
    for bill in notice.bills:
        assert everything.count(bill.bill_no) == 1
    assert f"本份共{len(texts)}页" in flat(texts[-1])


def test_a_batch_with_long_bill_lists_keeps_each_notice_on_its_own_pages() -> None:
    notices = [yellow("3301000001", count=45), yellow("3301000002", count=2), yellow("3301000003", count=45)]
    texts = pages(yellow_notice_pdf(utility=UTILITY, zone=ZONE, notices=notices))
    assert len(texts) == 5  # 2 + 1 + 2
    owners = ["3301000001", "3301000001", "3301000002", "3301000003", "3301000003"]
    for text, account_no in zip(texts, owners, strict=True):
        assert account_no in text and not any(other in text for other in set(owners) - {account_no})


def test_a_usual_bill_list_fits_on_the_one_page() -> None:
    assert len(pages(red_notice_pdf(utility=UTILITY, zone=ZONE, notices=[red(count=6)]))) == 1
    assert len(pages(yellow_notice_pdf(utility=UTILITY, zone=ZONE, notices=[yellow(count=15)]))) == 1


def test_a_notice_without_bills_or_optional_party_facts_still_prints() -> None:
    bare = party(phone="", village="", transformer_area="", meter_no="")
    notice = yellow(count=0, party=bare, amount_fen=5_000)
    [text] = pages(yellow_notice_pdf(utility=UTILITY, zone=ZONE, notices=[notice]))
    assert "50.00 元" in text and "伍拾元整" in text and "序号" not in text and "电能表号" not in text


def test_the_zone_is_the_utilitys() -> None:
    [text] = pages(red_notice_pdf(utility=UTILITY, zone="UTC", notices=[red()]))
    assert "2026年12月10日 17:30" in text


def test_what_cannot_be_printed_is_refused() -> None:
    with pytest.raises(ValueError, match="审批"):
        work_ticket_pdf(utility=UTILITY, zone=ZONE, tickets=[disconnect_ticket(approval=" ")])
    with pytest.raises(ValueError, match="执行日期"):
        work_ticket_pdf(utility=UTILITY, zone=ZONE, tickets=[disconnect_ticket(for_day=None)])
    with pytest.raises(ValueError, match="复电时限"):
        work_ticket_pdf(utility=UTILITY, zone=ZONE, tickets=[reconnect_ticket(due_by=None)])
    with pytest.raises(ValueError, match="类型"):
        work_ticket_pdf(utility=UTILITY, zone=ZONE, tickets=[disconnect_ticket(kind="cut")])
    with pytest.raises(ValueError, match="不符"):
        red_notice_pdf(utility=UTILITY, zone=ZONE, notices=[red(amount_fen=1)])
    naive = datetime(2026, 12, 11, 9, 0)  # noqa: DTZ001 - the mistake under test
    with pytest.raises(ValueError, match="时区"):
        yellow_notice_pdf(utility=UTILITY, zone=ZONE, notices=[yellow(planned_disconnection_at=naive)])
    with pytest.raises(ValueError, match="没有"):
        red_notice_pdf(utility=UTILITY, zone=ZONE, notices=[])


def test_an_offset_instant_prints_as_the_same_moment_in_the_zone() -> None:
    tokyo = PLANNED.astimezone(timezone(timedelta(hours=9)))
    [text] = pages(yellow_notice_pdf(utility=UTILITY, zone=ZONE, notices=[yellow(planned_disconnection_at=tokyo)]))
    assert PLANNED_LOCAL in text


def test_markup_characters_in_the_data_are_printed_as_they_are() -> None:
    notice = yellow(party=party(customer_name="A&B <商店>"))
    [text] = pages(yellow_notice_pdf(utility=UTILITY, zone=ZONE, notices=[notice]))
    assert "A&B <商店>" in text


def test_a_long_utility_name_is_printed_whole() -> None:
    utility = "国网浙江省电力有限公司杭州市临安区供电公司青山湖街道朱村片区供电所营业及电费回收管理班"
    [text] = pages(work_ticket_pdf(utility=utility, zone=ZONE, tickets=[disconnect_ticket()]))
    assert utility in text
