"""The arrears procedure's A4 PDFs: 催费通知单, 中止供电通知书 with its 回执, 停电/复电工作票 (RULES §10)."""

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus import paragraph as _paragraph

from gridpay.domain.money import format_yuan, yuan_in_words
from gridpay.integrations.documents.fonts import CHINESE as FONT


@dataclass(frozen=True)
class NoticeParty:
    """Who the document is about."""

    account_no: str
    customer_name: str
    address: str
    phone: str  # may be ""
    village: str  # may be ""
    transformer_area: str  # may be ""
    meter_no: str  # may be ""


@dataclass(frozen=True)
class OwedBill:
    """One unpaid bill on a notice."""

    bill_no: str
    month: date  # first day of the bill month
    principal_owed_fen: int
    late_fee_owed_fen: int


@dataclass(frozen=True)
class YellowNoticeDoc:
    """电费催费通知单 (yellow): amount, deadline, planned disconnection."""

    notice_no: str
    party: NoticeParty
    bills: tuple[OwedBill, ...]
    amount_fen: int  # total owed at the notice; the bills' principal and late fees add up to it
    pay_by: date  # the last day to pay, included
    planned_disconnection_at: datetime  # aware; printed in the utility's zone
    served_by: str
    served_at: datetime


@dataclass(frozen=True)
class RedNoticeDoc:
    """中止供电通知书 (red): the same facts, the legal wording and a 回执 to tear off."""

    notice_no: str
    party: NoticeParty
    bills: tuple[OwedBill, ...]
    amount_fen: int
    pay_by: date
    planned_disconnection_at: datetime
    delivered_by: str
    delivered_at: datetime | None  # None when printed before delivery: blank lines to fill in


@dataclass(frozen=True)
class WorkTicketDoc:
    """催费停电工作票 or 复电工作票, to the metering team (计量班)."""

    kind: str  # "disconnect" | "reconnect"
    ticket_no: str
    party: NoticeParty
    for_day: date | None  # disconnection: the day of execution; reconnection: None
    due_by: datetime | None  # reconnection: the 24-hour deadline; disconnection: None
    amount_fen: int  # arrears at issue (disconnection) / paid (reconnection)
    approval: str  # who approved the disconnection; "" for a reconnection
    remote: bool  # smart meter: executed through the command outbox; else field work
    issued_by: str
    issued_at: datetime


YELLOW_TITLE = "电费催费通知单"
RED_TITLE = "中止供电通知书"
TICKET_TITLES = {"disconnect": "催费停电工作票", "reconnect": "复电工作票"}
HOTLINE = "95598"
PAYMENT_WAYS = "营业厅柜台、微信、支付宝、银行代扣等"

_PAGE_WIDTH, _PAGE_HEIGHT = A4
_MARGIN = 18 * mm
_WIDTH = _PAGE_WIDTH - 2 * _MARGIN
_BODY_TOP = _PAGE_HEIGHT - 41 * mm  # below the header: batch line, utility, title, rule
_BODY_BOTTOM = 19 * mm  # above the footer line
_BLANK = "________"
_GAP = "\xa0" * 4  # Paragraph collapses runs of spaces, ideographic ones too, but not no-break spaces
_BOX = '<font size="12">□</font>'
_BLANK_DAY = "_____年____月____日"

_YELLOW = colors.HexColor("#b8860b")  # dark goldenrod: reads on white and on yellow paper
_RED = colors.HexColor("#c0392b")
_TICKET = colors.HexColor("#1f4e79")
_GRID = colors.HexColor("#8a8a8a")
_SHADE = colors.HexColor("#f0f0f0")

# CJK wrapping breaks between any two Chinese characters (never before closing punctuation) and keeps a run of Latin
# letters or digits whole when it can break at a space before it: amounts and numbers stand between spaces.
# reportlab's list of characters that cannot start a line is Japanese; Chinese full-width punctuation joins it
# (GB/T 15834: 逗号、分号、冒号、问号、叹号、后引号、后书名号 never start a line). Only CJK-wrapped paragraphs read it.
_paragraph.ALL_CANNOT_START += "".join(c for c in "，；：？！”’》〉" if c not in _paragraph.ALL_CANNOT_START)
_BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=15, wordWrap="CJK")
_INDENTED = ParagraphStyle("indented", parent=_BODY, firstLineIndent=21)
_RIGHT = ParagraphStyle("right", parent=_BODY, alignment=TA_RIGHT)
_CELL = ParagraphStyle("cell", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
_CELL_RIGHT = ParagraphStyle("cell-right", parent=_CELL, alignment=TA_RIGHT)
_SMALL = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=13, wordWrap="CJK",
                        textColor=colors.HexColor("#555555"))
_STUB_TITLE = ParagraphStyle("stub-title", fontName=FONT, fontSize=14, leading=20, alignment=TA_CENTER)


def yellow_notice_pdf(*, utility: str, zone: str, notices: Sequence[YellowNoticeDoc]) -> bytes:
    """The yellow reminders (电费催费通知单), one document a page (and its 续页 for a long bill list)."""
    tz = _zone(zone)
    return _render(utility=utility, title=YELLOW_TITLE, documents=[_yellow(utility, tz, n) for n in notices])


def red_notice_pdf(*, utility: str, zone: str, notices: Sequence[RedNoticeDoc]) -> bytes:
    """The red disconnection notices (中止供电通知书), each with its 回执 at the foot of its first page."""
    tz = _zone(zone)
    return _render(utility=utility, title=RED_TITLE, documents=[_red(utility, tz, n) for n in notices])


def work_ticket_pdf(*, utility: str, zone: str, tickets: Sequence[WorkTicketDoc]) -> bytes:
    """The work tickets to the metering team (催费停电工作票, 复电工作票), one a page."""
    tz = _zone(zone)
    return _render(utility=utility, title="工作票", documents=[_ticket(tz, t) for t in tickets])


# --- the documents -------------------------------------------------------------------------------------------------


@dataclass
class _Document:
    title: str
    number: str  # "编号：…" at the header's right, plain text
    accent: colors.Color
    first: list[Flowable]  # the first page's story; what does not fit goes on with the continuation
    continuation: list[Flowable] = field(default_factory=list)  # what belongs on 续页 anyway (the rest of the bills)
    stub: list[Flowable] = field(default_factory=list)  # drawn at the foot of the first page, below a cut line


def _yellow(utility: str, tz: ZoneInfo, notice: YellowNoticeDoc) -> _Document:
    party = notice.party
    planned = _local(notice.planned_disconnection_at, tz, "planned_disconnection_at")
    served = _local(notice.served_at, tz, "served_at")
    _check_total(notice.notice_no, notice.bills, notice.amount_fen)
    before = [
        _p(f"尊敬的 {_e(party.customer_name)} 客户：", _BODY),
        Spacer(0, 2 * mm),
        _party_table(party),
        Spacer(0, 3 * mm),
        _p(f"您好！截至 {_day(served.date())}，您户尚有电费 <u>{_yuan(notice.amount_fen)}</u>"
           f"（人民币大写：{yuan_in_words(notice.amount_fen)}）未交清{_split_text(notice.bills)}。", _INDENTED),
    ]
    after = [
        Spacer(0, 3 * mm),
        _p(f"请您于 <u>{_day(notice.pay_by)}</u>（含当日）前交清。逾期未交的，将按规定按日加收电费违约金；"
           f"仍未交清的，我公司将依法办理中止供电手续，计划于 <u>{_minute(planned)}</u> 起中止供电"
           "（届时另行送达《中止供电通知书》）。", _INDENTED),
        _p(f"交费方式：{PAYMENT_WAYS}，交费后即时到账。如您已交清，请忽略本通知。", _INDENTED),
        _p(f"如有疑问，请拨打供电服务热线 {HOTLINE}。感谢您对电力工作的理解与支持！", _INDENTED),
        Spacer(0, 6 * mm),
        _p(_e(utility), _RIGHT),
        _p(f"送达人：{_e(notice.served_by)}{_GAP}送达时间：{_minute(served)}", _RIGHT),
    ]
    first, continuation = _with_bills(before, party, notice.bills, after, _BODY_TOP - _BODY_BOTTOM)
    return _Document(title=YELLOW_TITLE, number=f"编号：{notice.notice_no}", accent=_YELLOW,
                     first=first, continuation=continuation)


def _red(utility: str, tz: ZoneInfo, notice: RedNoticeDoc) -> _Document:
    party = notice.party
    planned = _local(notice.planned_disconnection_at, tz, "planned_disconnection_at")
    delivered = None if notice.delivered_at is None else _local(notice.delivered_at, tz, "delivered_at")
    _check_total(notice.notice_no, notice.bills, notice.amount_fen)
    amount = f"<u>{_yuan(notice.amount_fen)}</u>（人民币大写：{yuan_in_words(notice.amount_fen)}）"
    before = [
        _p(f"{_e(party.customer_name)}（户号 {_e(party.account_no)}）：", _BODY),
        Spacer(0, 2 * mm),
        _party_table(party),
        Spacer(0, 3 * mm),
        _p(f"经核查，您户尚欠电费 {amount}{_split_text(notice.bills)}。", _INDENTED),
    ]
    after = [
        Spacer(0, 3 * mm),
        _p("根据《中华人民共和国电力法》和《供电营业规则》的有关规定，用户应当按照国家核准的电价和用电计量装置的记录，"
           f"按时交纳电费。请您于 <u>{_day(notice.pay_by)}</u>（含当日）前交清上述欠费及违约金"
           "（违约金按日计算至交清之日）；"
           f"逾期仍未交清的，我公司将于 <u>{_minute(planned)}</u> 起对您户中止供电。", _INDENTED),
        _p("在上述期限前交清全部欠费及违约金的，不中止供电；"
           "中止供电后交清的，我公司将在 24 小时内恢复供电。", _INDENTED),
        _p(f"交费方式：{PAYMENT_WAYS}。如有疑问，请拨打供电服务热线 {HOTLINE}。", _INDENTED),
        _p("特此通知。", _INDENTED),
        Spacer(0, 4 * mm),
        _p(f"{_e(utility)}（盖章）", _RIGHT),
        _p(_day(delivered.date()) if delivered else _BLANK_DAY, _RIGHT),
    ]
    stub = _red_stub(utility, notice, planned, delivered)
    stub_height = _height(stub) + 12 * mm  # the cut line and the space about it
    first, continuation = _with_bills(before, party, notice.bills, after, _BODY_TOP - _BODY_BOTTOM - stub_height)
    return _Document(title=RED_TITLE, number=f"编号：{notice.notice_no}", accent=_RED,
                     first=first, continuation=continuation, stub=stub)


def _red_stub(utility: str, notice: RedNoticeDoc, planned: datetime, delivered: datetime | None) -> list[Flowable]:
    party = notice.party
    delivered_text = _minute(delivered) if delivered else f"{_BLANK_DAY}\xa0\xa0____时____分"
    rows = [
        [_p("通知书编号", _CELL), _p(_e(notice.notice_no), _CELL), _p("户号", _CELL), _p(_e(party.account_no), _CELL)],
        [_p("户名", _CELL), _p(_e(party.customer_name), _CELL), _p("欠费金额", _CELL),
         _p(_yuan(notice.amount_fen), _CELL)],
        [_p("交费期限", _CELL), _p(_day(notice.pay_by), _CELL), _p("计划中止供电", _CELL), _p(_minute(planned), _CELL)],
        [_p("客户签收", _CELL), _p("", _CELL), _p("日期", _CELL), _p(_BLANK_DAY, _CELL)],
        [_p("拒签情况记录", _CELL), _p("", _CELL), "", ""],
        [_p("送达人", _CELL), _p(_e(notice.delivered_by), _CELL), _p("送达时间", _CELL), _p(delivered_text, _CELL)],
    ]
    table = Table(rows, colWidths=[26 * mm, 56 * mm, 26 * mm, _WIDTH - 108 * mm],
                  rowHeights=[None, None, None, 10 * mm, 13 * mm, None])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("BACKGROUND", (0, 0), (0, -1), _SHADE),
        ("BACKGROUND", (2, 0), (2, 3), _SHADE),
        ("BACKGROUND", (2, 5), (2, 5), _SHADE),
        ("SPAN", (1, 4), (3, 4)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return [
        _p(f"回{_GAP}执", _STUB_TITLE),
        _p("本人已收到本通知书，知悉欠费金额、交费期限和计划中止供电时间。"
           "（客户拒签的，由送达人记录拒签情况并报班长）", _SMALL),
        Spacer(0, 2 * mm),
        table,
    ]


def _ticket(tz: ZoneInfo, ticket: WorkTicketDoc) -> _Document:
    if ticket.kind not in TICKET_TITLES:
        raise ValueError(f"工作票 {ticket.ticket_no}：未知的类型 {ticket.kind!r}（应为 disconnect 或 reconnect）")
    disconnect = ticket.kind == "disconnect"
    issued = _local(ticket.issued_at, tz, "issued_at")
    party = ticket.party
    if disconnect and (ticket.for_day is None or not ticket.approval.strip()):
        # RULES §10: a disconnection without its approval must be impossible, on paper too.
        raise ValueError(f"停电工作票 {ticket.ticket_no}：缺少执行日期或审批，不能签发")
    if not disconnect and ticket.due_by is None:
        raise ValueError(f"复电工作票 {ticket.ticket_no}：缺少复电时限，不能签发")
    rows: list[tuple[str, str]] = [
        ("户号", _e(party.account_no)),
        ("户名", _e(party.customer_name)),
        ("用电地址", _e(party.address) or "—"),
        ("联系电话", _e(party.phone) or "—"),
        ("村（社区）/台区", " / ".join(_e(v) or "—" for v in (party.village, party.transformer_area))),
        ("电能表号", _e(party.meter_no) or "—"),
    ]
    money = f"<u>{_yuan(ticket.amount_fen)}</u>（人民币大写：{yuan_in_words(ticket.amount_fen)}）"
    if disconnect:
        assert ticket.for_day is not None
        way = ("远程：智能电能表，由系统经指令队列下发跳闸指令，计量班核对执行结果" if ticket.remote
               else "现场：计量班到现场断开该户表计")
        rows += [
            ("执行日期", f"<u>{_day(ticket.for_day)}</u>"),
            ("欠费金额", money),
            ("执行方式", way),
            ("审批", _e(ticket.approval)),
            ("注意事项", "1. 执行前半小时在系统中复核欠费，已交清的不得停电。<br/>"
                         "2. 执行前 30 分钟电话通知客户停电时间。<br/>"
                         "3. 对需停电的表计不能确定时，请开票的抄表员到现场核实。"),
        ]
        record = [
            ("欠费复核", f"{_BOX} 仍欠费{_GAP}{_BOX} 已交清（不执行）{_GAP}复核人 {_BLANK}{_GAP}时间 {_BLANK}"),
            ("电话通知", f"通知人 {_BLANK}{_GAP}时间 {_BLANK}{_GAP}{_BOX} 已接通{_GAP}{_BOX} 未接通"),
            ("执行情况", f"{_BOX} 已停电{_GAP}{_BOX} 未执行（原因 {_BLANK}）<br/>"
                         f"执行人 {_BLANK}{_GAP}执行时间 {_BLANK}{_GAP}表计示数 {_BLANK}"),
        ]
    else:
        assert ticket.due_by is not None
        due = _local(ticket.due_by, tz, "due_by")
        way = ("远程：智能电能表，由系统经指令队列下发合闸指令，计量班核对执行结果" if ticket.remote
               else "现场：计量班到现场恢复该户供电")
        rows += [
            ("复电时限", f"<u>{_minute(due)}</u> 前（客户交清欠费后 24 小时内）"),
            ("已交金额", money),
            ("执行方式", way),
        ]
        if ticket.approval.strip():
            rows.append(("审批", _e(ticket.approval)))
        rows.append(("注意事项", "1. 客户已交清欠费，请在时限前恢复送电。<br/>"
                                 "2. 不能在 24 小时内送电的，应向客户说明原因，并向主管领导报告。"))
        record = [
            ("执行情况", f"{_BOX} 已复电{_GAP}{_BOX} 未复电（原因 {_BLANK}）<br/>"
                         f"执行人 {_BLANK}{_GAP}送电时间 {_BLANK}{_GAP}表计示数 {_BLANK}"),
            ("告知客户", f"告知人 {_BLANK}{_GAP}时间 {_BLANK}"),
        ]
    record.append(("备注", ""))
    first: list[Flowable] = [
        _p(f"接收班组：计量班{_GAP}签发人：{_e(ticket.issued_by)}{_GAP}签发时间：{_minute(issued)}", _BODY),
        Spacer(0, 3 * mm),
        _form(rows),
        Spacer(0, 5 * mm),
        _p("执行记录（由计量班填写）", _BODY),
        Spacer(0, 1 * mm),
        _form(record, row_height=14 * mm),
        Spacer(0, 8 * mm),
        _p(f"签发人：{_e(ticket.issued_by)}{_GAP}接票人：{_BLANK}{_GAP}接票时间：{_BLANK}", _RIGHT),
    ]
    return _Document(title=TICKET_TITLES[ticket.kind], number=f"票号：{ticket.ticket_no}",
                     accent=_RED if disconnect else _TICKET, first=first)


# --- building blocks -----------------------------------------------------------------------------------------------


def _party_table(party: NoticeParty) -> Table:
    pairs = [("户号", party.account_no), ("户名", party.customer_name), ("联系电话", party.phone),
             ("电能表号", party.meter_no), ("村（社区）", party.village), ("台区", party.transformer_area)]
    shown = [(label, value) for label, value in pairs if value]
    rows: list[list[Flowable | str]] = []
    for i in range(0, len(shown), 2):
        row: list[Flowable | str] = []
        for label, value in shown[i:i + 2]:
            row += [_p(label, _CELL), _p(_e(value), _CELL)]
        rows.append(row + [""] * (4 - len(row)))
    rows.append([_p("用电地址", _CELL), _p(_e(party.address) or "—", _CELL), "", ""])
    table = Table(rows, colWidths=[24 * mm, _WIDTH / 2 - 24 * mm, 24 * mm, _WIDTH / 2 - 24 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("BACKGROUND", (0, 0), (0, -1), _SHADE),
        ("BACKGROUND", (2, 0), (2, -2), _SHADE),
        ("SPAN", (1, -1), (3, -1)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def _form(rows: Sequence[tuple[str, str]], *, row_height: float | None = None) -> Table:
    table = Table([[_p(label, _CELL), _p(value, _CELL)] for label, value in rows],
                  colWidths=[32 * mm, _WIDTH - 32 * mm], rowHeights=[row_height] * len(rows) if row_height else None)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("BACKGROUND", (0, 0), (0, -1), _SHADE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


_BILL_COLUMNS = (12 * mm, 50 * mm, 26 * mm, 30 * mm, 26 * mm, _WIDTH - 144 * mm)


def _bills_table(bills: Sequence[OwedBill], *, start: int, total: Sequence[OwedBill] | None,
                 more: int) -> Table:
    """Rows ``start + 1`` … of the bill list; ``total`` adds the 合计 of those bills, ``more`` a row saying how many
    bills the 续页 carry."""
    rows: list[list[Flowable | str]] = [[_p(h, _CELL) for h in ("序号", "账单号", "电费月份")]
                                        + [_p(h, _CELL_RIGHT) for h in ("电费（元）", "违约金（元）", "小计（元）")]]
    for number, bill in enumerate(bills, start=start + 1):
        rows.append([_p(str(number), _CELL), _p(_e(bill.bill_no), _CELL), _p(f"{bill.month:%Y年%m月}", _CELL),
                     *(_p(format_yuan(fen), _CELL_RIGHT) for fen in
                       (bill.principal_owed_fen, bill.late_fee_owed_fen,
                        bill.principal_owed_fen + bill.late_fee_owed_fen))])
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if more:
        rows.append([_p(f"另有 {more} 笔账单，明细见续页", _CELL), "", "", "", "", ""])
        style.append(("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)))
    if total is not None:
        principal = sum(b.principal_owed_fen for b in total)
        late_fee = sum(b.late_fee_owed_fen for b in total)
        rows.append([_p(f"合计（{len(total)} 笔）", _CELL), "", "", _p(format_yuan(principal), _CELL_RIGHT),
                     _p(format_yuan(late_fee), _CELL_RIGHT), _p(format_yuan(principal + late_fee), _CELL_RIGHT)])
        style += [("SPAN", (0, len(rows) - 1), (2, len(rows) - 1)), ("BACKGROUND", (0, -1), (-1, -1), _SHADE)]
    table = Table(rows, colWidths=_BILL_COLUMNS, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _with_bills(before: list[Flowable], party: NoticeParty, bills: tuple[OwedBill, ...], after: list[Flowable],
                height: float) -> tuple[list[Flowable], list[Flowable]]:
    """The first page's story with as many bills as fit between ``before`` and ``after`` (and always the 合计), and
    the 续页's story with the rest: the notice's wording stays whole on its first page, above the 回执."""
    if not bills:
        return [*before, *after], []
    room = height - _height(before) - _height(after) - 3 * mm

    def table(shown: int) -> Table:
        return _bills_table(bills[:shown], start=0, total=bills, more=len(bills) - shown)

    def fits(shown: int) -> bool:
        return bool(table(shown).wrap(_WIDTH, _PAGE_HEIGHT)[1] <= room)

    if fits(0):
        low, high = 0, len(bills)  # fits(low) holds throughout
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if fits(middle) else (low, middle - 1)
        shown = low
        first = [*before, Spacer(0, 3 * mm), table(shown), *after]
    else:  # not even the 合计 fits: the whole list goes on the 续页
        shown = 0
        first = [*before, _p(f"账单明细共 {len(bills)} 笔，见续页。", _INDENTED), *after]
    if shown == len(bills):
        return first, []
    continuation: list[Flowable] = [
        _p(f"账单明细（续）：户号 {_e(party.account_no)}{_GAP}户名 {_e(party.customer_name)}{_GAP}"
           f"第 {shown + 1} 至 {len(bills)} 笔，共 {len(bills)} 笔", _BODY),
        Spacer(0, 2 * mm),
        _bills_table(bills[shown:], start=shown, total=None, more=0),
    ]
    return first, continuation


def _split_text(bills: tuple[OwedBill, ...]) -> str:
    if not bills:
        return ""
    principal = sum(b.principal_owed_fen for b in bills)
    late_fee = sum(b.late_fee_owed_fen for b in bills)
    return f"，其中电费 {format_yuan(principal)} 元、违约金 {format_yuan(late_fee)} 元，共 {len(bills)} 笔，明细如下"


def _check_total(number: str, bills: tuple[OwedBill, ...], amount_fen: int) -> None:
    owed = sum(b.principal_owed_fen + b.late_fee_owed_fen for b in bills)
    if bills and owed != amount_fen:
        # A notice that states two different totals is worse than none.
        raise ValueError(f"通知 {number}：账单合计 {format_yuan(owed)} 元与欠费金额 {format_yuan(amount_fen)} 元不符")


# --- the page ------------------------------------------------------------------------------------------------------


def _render(*, utility: str, title: str, documents: Sequence[_Document]) -> bytes:
    if not documents:
        raise ValueError(f"没有要打印的{title}")
    buffer = io.BytesIO()
    page = Canvas(buffer, pagesize=A4, pageCompression=1)
    page.setTitle(f"{title}（{len(documents)} 份）")
    page.setAuthor(utility)
    page.setCreator("gridpay")
    for index, document in enumerate(documents, start=1):
        pages = _paginate(document)
        for number, flowables in enumerate(pages, start=1):
            _header(page, utility=utility, document=document, batch=(index, len(documents)),
                    continued=number > 1)
            y = _BODY_TOP
            for flowable in flowables:
                _, height = flowable.wrapOn(page, _WIDTH, y - _BODY_BOTTOM)
                flowable.drawOn(page, _MARGIN, y - height)
                y -= height
            if number == 1 and document.stub:
                _stub(page, document)
            _footer(page, document=document, number=number, pages=len(pages))
            page.showPage()
    page.save()
    return buffer.getvalue()


def _paginate(document: _Document) -> list[list[Flowable]]:
    stub = _height(document.stub) + 12 * mm if document.stub else 0
    page, rest = _fill(document.first, _BODY_TOP - _BODY_BOTTOM - stub)
    pages = [page]
    rest += document.continuation
    while rest:
        while rest and isinstance(rest[0], Spacer):  # no gap at the top of a 续页
            rest.pop(0)
        if not rest:
            break
        page, rest = _fill(rest, _BODY_TOP - _BODY_BOTTOM)
        if not page:  # a block taller than a page that cannot split: drawn anyway, rather than loop
            page, rest = [rest[0]], rest[1:]
        pages.append(page)
    return pages


def _fill(story: list[Flowable], height: float) -> tuple[list[Flowable], list[Flowable]]:
    """What of ``story`` fits in ``height`` (splitting a paragraph or a table where it must), and the rest."""
    story = list(story)
    taken: list[Flowable] = []
    while story:
        flowable = story[0]
        _, needed = flowable.wrap(_WIDTH, height)
        if needed <= height:
            taken.append(story.pop(0))
            height -= needed
            continue
        parts = flowable.split(_WIDTH, height)
        if len(parts) > 1:
            taken.append(parts[0])
            story[0:1] = parts[1:]
        break
    return taken, story


def _header(page: Canvas, *, utility: str, document: _Document, batch: tuple[int, int], continued: bool) -> None:
    top = _PAGE_HEIGHT - 13 * mm
    page.setFillColor(colors.HexColor("#555555"))
    page.setFont(FONT, 9)
    page.drawString(_MARGIN, top, f"本批共 {batch[1]} 份　第 {batch[0]} 份")
    page.setFont(FONT, 10)
    page.drawRightString(_PAGE_WIDTH - _MARGIN, top, document.number)
    page.setFillColor(colors.black)
    page.setFont(FONT, _fitting(utility, 13))
    page.drawCentredString(_PAGE_WIDTH / 2, _PAGE_HEIGHT - 21 * mm, utility)
    page.setFillColor(document.accent)
    page.setFont(FONT, 22)
    page.drawCentredString(_PAGE_WIDTH / 2, _PAGE_HEIGHT - 31 * mm, document.title + ("（续页）" if continued else ""))
    page.setStrokeColor(document.accent)
    page.setLineWidth(1.5)
    page.line(_MARGIN, _PAGE_HEIGHT - 35 * mm, _PAGE_WIDTH - _MARGIN, _PAGE_HEIGHT - 35 * mm)
    page.setFillColor(colors.black)


def _fitting(line: str, size: float) -> float:
    """The font size at most ``size`` at which a one-line heading fits the page's width (a long name is not cut)."""
    return float(min(size, size * _WIDTH / max(pdfmetrics.stringWidth(line, FONT, size), 1.0)))


def _stub(page: Canvas, document: _Document) -> None:
    height = _height(document.stub)
    top = _BODY_BOTTOM + height + 4 * mm
    page.setStrokeColor(_GRID)
    page.setLineWidth(0.6)
    page.setDash(4, 3)
    cut = top + 5 * mm
    page.line(_MARGIN, cut, _PAGE_WIDTH - _MARGIN, cut)
    page.setDash()
    label = "沿此线剪下，回执由供电企业留存"
    page.setFont(FONT, 8)
    width = page.stringWidth(label, FONT, 8) + 6
    page.setFillColor(colors.white)
    page.rect(_PAGE_WIDTH / 2 - width / 2, cut - 2, width, 8, stroke=0, fill=1)
    page.setFillColor(colors.HexColor("#555555"))
    page.drawCentredString(_PAGE_WIDTH / 2, cut - 1, label)
    page.setFillColor(colors.black)
    y = top
    for flowable in document.stub:
        _, needed = flowable.wrapOn(page, _WIDTH, height)
        flowable.drawOn(page, _MARGIN, y - needed)
        y -= needed


def _footer(page: Canvas, *, document: _Document, number: int, pages: int) -> None:
    page.setStrokeColor(_GRID)
    page.setLineWidth(0.4)
    page.line(_MARGIN, 15 * mm, _PAGE_WIDTH - _MARGIN, 15 * mm)
    page.setFillColor(colors.HexColor("#555555"))
    page.setFont(FONT, 8)
    page.drawString(_MARGIN, 11 * mm, f"{document.title}　{document.number}")
    page.drawCentredString(_PAGE_WIDTH / 2, 11 * mm, f"供电服务热线 {HOTLINE}")
    page.drawRightString(_PAGE_WIDTH - _MARGIN, 11 * mm, f"本份共 {pages} 页　第 {number} 页")
    page.setFillColor(colors.black)


# --- text ----------------------------------------------------------------------------------------------------------


def _zone(zone: str) -> ZoneInfo:
    return ZoneInfo(zone)


def _local(instant: datetime, tz: ZoneInfo, name: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} 必须是带时区的时间：{instant!r}")
    return instant.astimezone(tz)


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _minute(instant: datetime) -> str:
    return f"{_day(instant.date())} {instant:%H:%M}"


def _yuan(fen: int) -> str:
    return f"{format_yuan(fen)} 元"


def _e(text: str) -> str:
    """Text from the database into paragraph markup."""
    return escape(text)


def _p(markup: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(markup, style)


def _height(story: Sequence[Flowable]) -> float:
    return float(sum(f.wrap(_WIDTH, _PAGE_HEIGHT)[1] for f in story))
