"""Reconciliation matching (pure) and the channels' statement formats."""

from datetime import UTC, date, datetime

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.reconciliation import (
    DifferenceKind,
    LineKind,
    OurRecord,
    Resolution,
    ResolutionRefused,
    StatementLine,
    check_resolution,
    reconcile,
)
from gridpay.domain.reconciliation_batch import (
    OURS_SCHEMA,
    STATEMENT_SCHEMA,
    name_unnamed_refunds,
    reconcile_frames,
)
from gridpay.integrations.channels.statements import (
    StatementFormatError,
    _wechat_bill_frame,
    parse_alipay_statement,
    parse_gridpay_csv,
    parse_wechat_bill,
    statement_frame,
)
from tests.support.channel_servers import AlipayGateway, ChannelOrderSeen, WeChatPayServer

PAID_AT = datetime(2025, 3, 10, 2, 30, tzinfo=UTC)  # 10:30 in Beijing


def line(txn: str, fen: int, account: str = "", kind: LineKind = LineKind.PAYMENT, refund: str = "") -> StatementLine:
    return StatementLine(kind=kind, channel_txn_id=txn, amount_fen=fen, account_no=account, refund_id=refund)


def ours(txn: str, fen: int, account: str = "A1", kind: LineKind = LineKind.PAYMENT, refund: str = "") -> OurRecord:
    return OurRecord(kind=kind, channel_txn_id=txn, amount_fen=fen, account_no=account, refund_id=refund)


def test_every_kind_of_difference_is_listed() -> None:
    result = reconcile(
        statement=[line("T1", 100, "A1"), line("T2", 200), line("T3", 300, "A9"), line("T4", 400), line("T4", 400),
                   line("T1", 50, kind=LineKind.REFUND, refund="R1")],
        ours=[ours("T1", 100), ours("T3", 300), ours("T4", 400), ours("T5", 500), ours("T2", 250),
              ours("T1", 50, kind=LineKind.REFUND, refund="R1")],
    )
    kinds = sorted((d.kind.value, d.channel_txn_id) for d in result.differences)
    assert kinds == [("account_mismatch", "T3"), ("amount_mismatch", "T2"), ("duplicate", "T4"),
                     ("missing_there", "T5")]
    assert result.matched == 3  # T1, T4 once, refund R1
    assert (result.statement_payments_fen, result.our_payments_fen) == (1400, 1550)
    assert (result.statement_refunds_fen, result.our_refunds_fen) == (50, 50)


@given(
    st.dictionaries(st.text("0123456789", min_size=1, max_size=6), st.integers(1, 10**6), max_size=40),
    st.data(),
)
def test_each_statement_line_is_matched_or_a_difference_and_each_of_ours_is_accounted_for(
    base: dict[str, int], data: st.DataObject
) -> None:
    keys = sorted(base)
    only_ours = set(data.draw(st.lists(st.sampled_from(keys), unique=True))) if keys else set()
    changed = set(data.draw(st.lists(st.sampled_from(keys), unique=True))) if keys else set()
    doubled = set(data.draw(st.lists(st.sampled_from(keys), unique=True))) if keys else set()
    extra = {f"X{k}": v for k, v in base.items()}
    statement = [line(k, base[k] + (1 if k in changed else 0)) for k in keys if k not in only_ours]
    statement += [line(k, base[k] + (1 if k in changed else 0)) for k in keys if k in doubled and k not in only_ours]
    statement += [line(k, v) for k, v in extra.items()]
    result = reconcile(statement=statement, ours=[ours(k, v) for k, v in base.items()])
    by_kind: dict[DifferenceKind, set[str]] = {}
    for difference in result.differences:
        by_kind.setdefault(difference.kind, set()).add(difference.channel_txn_id)
    assert by_kind.get(DifferenceKind.MISSING_THERE, set()) == only_ours
    assert by_kind.get(DifferenceKind.MISSING_HERE, set()) == set(extra)
    assert by_kind.get(DifferenceKind.AMOUNT_MISMATCH, set()) == changed - only_ours
    assert by_kind.get(DifferenceKind.DUPLICATE, set()) == doubled - only_ours
    listed = sum(1 for d in result.differences if d.kind is not DifferenceKind.MISSING_THERE)
    assert result.matched + listed == result.lines == len(statement)


def test_each_difference_allows_only_the_resolutions_that_make_sense() -> None:
    result = reconcile(statement=[line("T1", 100), line("T2", 300, "A1"), line("T3", 100, "A2")],
                       ours=[ours("T2", 200), ours("T3", 100), ours("T4", 400)])
    by = {d.channel_txn_id: d for d in result.differences}
    assert check_resolution(difference=by["T1"], resolution=Resolution.CREDIT, account_no="A7", note="查实") == 100
    assert check_resolution(difference=by["T2"], resolution=Resolution.CREDIT, account_no="", note="查实") == 100
    assert check_resolution(difference=by["T3"], resolution=Resolution.CREDIT, account_no="", note="查实") == 100
    assert check_resolution(difference=by["T4"], resolution=Resolution.REVERSE, account_no="", note="查实") == 400
    assert check_resolution(difference=by["T4"], resolution=Resolution.WRITE_OFF, account_no="", note="查实") == 0
    with pytest.raises(ResolutionRefused, match="--account"):
        check_resolution(difference=by["T1"], resolution=Resolution.CREDIT, account_no="", note="查实")
    with pytest.raises(ResolutionRefused):
        check_resolution(difference=by["T4"], resolution=Resolution.CREDIT, account_no="A1", note="查实")
    with pytest.raises(ResolutionRefused):
        check_resolution(difference=by["T2"], resolution=Resolution.REVERSE, account_no="", note="查实")
    with pytest.raises(ResolutionRefused, match="核实"):
        check_resolution(difference=by["T4"], resolution=Resolution.WRITE_OFF, account_no="", note=" ")


def test_the_wechat_trade_bill_reads_into_payment_lines_with_the_account() -> None:
    server = WeChatPayServer()
    server.orders["GP1"] = ChannelOrderSeen("GP1", 5_000, "3301000001", "4200001", PAID_AT)
    server.orders["GP2"] = ChannelOrderSeen("GP2", 1, "3301000002", "4200002", PAID_AT)
    lines = list(parse_wechat_bill(server.bill(date(2025, 3, 10)).encode()))
    assert [(x.channel_txn_id, x.amount_fen, x.account_no, x.at) for x in lines] == [
        ("4200001", 5_000, "3301000001", PAID_AT), ("4200002", 1, "3301000002", PAID_AT)]
    server.httpd.server_close()


def wechat_bill(*descriptions: str) -> bytes:
    """A trade bill of one paid order per product name, as the test's WeChat Pay writes it."""
    server = WeChatPayServer()
    server.httpd.server_close()
    for n, description in enumerate(descriptions, 1):
        server.orders[f"GP{n}"] = ChannelOrderSeen(f"GP{n}", 100 * n, f"33010{n:05d}", f"420000{n}", PAID_AT,
                                                   description=description)
    return server.bill(date(2025, 3, 10)).encode()


def test_a_comma_in_a_wechat_product_name_stays_in_the_name() -> None:
    content = wechat_bill("电费,3月", '电费 "峰,谷" 分时,,', "电费,")
    expected = [("420000" + str(n), 100 * n, f"33010{n:05d}") for n in (1, 2, 3)]
    assert [(x.channel_txn_id, x.amount_fen, x.account_no) for x in parse_wechat_bill(content)] == expected
    frame = statement_frame("wechat", content)
    assert frame.select("channel_txn_id", "amount_fen", "account_no").rows() == expected
    assert frame["line_no"].to_list() == [2, 3, 4]
    assert _wechat_bill_frame(content) is not None  # read in one go, not line by line (a bill has a million)
    # A backquote inside a name shifts the fields the fast reader splits on: it leaves that bill to the line-by-line
    # reader, which reads the same.
    shifted = wechat_bill("电费", "`电费`", "电`费")
    assert _wechat_bill_frame(shifted) is None
    assert statement_frame("wechat", shifted).select("channel_txn_id", "amount_fen", "account_no").rows() == expected


# Any product name a merchant may give, except the bill's own separator and line breaks.
PRODUCT_NAMES = st.text(st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from(",`\"' "), max_size=20).filter(
    lambda name: ",`" not in name
)


@given(st.lists(PRODUCT_NAMES, min_size=1, max_size=5))
def test_the_wechat_bill_reads_the_same_whatever_its_product_names(descriptions: list[str]) -> None:
    content = wechat_bill(*descriptions)
    expected = [(f"420000{n}", 100 * n, f"33010{n:05d}") for n in range(1, len(descriptions) + 1)]
    assert [(x.channel_txn_id, x.amount_fen, x.account_no) for x in parse_wechat_bill(content)] == expected
    assert statement_frame("wechat", content).select("channel_txn_id", "amount_fen", "account_no").rows() == expected


def test_the_alipay_detail_reads_gbk_with_payments_and_refunds() -> None:
    gateway = AlipayGateway()
    gateway.orders["GP1"] = ChannelOrderSeen("GP1", 12_345, "", "2025031022001", PAID_AT, refunds=[("RF-1", 345)])
    lines = list(parse_alipay_statement(gateway.trade_detail(date(2025, 3, 10))))
    assert [(x.kind, x.channel_txn_id, x.amount_fen, x.refund_id) for x in lines] == [
        (LineKind.PAYMENT, "2025031022001", 12_345, ""), (LineKind.REFUND, "2025031022001", 345, "RF-1")]
    gateway.httpd.server_close()


def test_the_alipay_account_ledger_reads_payments_and_refunds_and_leaves_the_fees() -> None:
    gateway = AlipayGateway()
    gateway.httpd.server_close()
    gateway.orders["GP1"] = ChannelOrderSeen("GP1", 12_345, "", "2025031022001", PAID_AT,
                                             refunds=[("RF-1", 345), ("RF-2", 1_000)])
    gateway.orders["GP2"] = ChannelOrderSeen("GP2", 800, "", "2025031022002", PAID_AT)
    lines = list(parse_alipay_statement(gateway.account_ledger(date(2025, 3, 10))))
    assert [(x.kind, x.channel_txn_id, x.amount_fen, x.at) for x in lines] == [
        (LineKind.PAYMENT, "2025031022001", 12_345, PAID_AT), (LineKind.REFUND, "2025031022001", 345, PAID_AT),
        (LineKind.REFUND, "2025031022001", 1_000, PAID_AT), (LineKind.PAYMENT, "2025031022002", 800, PAID_AT)]
    # The ledger names the trade, not the refund request: a refund line carries the ledger's own serial.
    assert [x.refund_id for x in lines if x.kind is LineKind.REFUND] == ["账务流水号:202503100000000003",
                                                                         "账务流水号:202503100000000004"]


def test_refunds_a_statement_does_not_name_are_paired_with_ours_of_the_same_payment_and_amount() -> None:
    statement = [line("T1", 1_000), line("T1", 300, kind=LineKind.REFUND, refund="账务流水号:A"),
                 line("T1", 300, kind=LineKind.REFUND, refund="账务流水号:B"),
                 line("T1", 200, kind=LineKind.REFUND, refund="账务流水号:C"),
                 line("T2", 50, kind=LineKind.REFUND, refund="R9")]
    ours_ = [ours("T1", 1_000), ours("T1", 300, kind=LineKind.REFUND, refund="R1"),
             ours("T1", 100, kind=LineKind.REFUND, refund="R3"), ours("T1", 300, kind=LineKind.REFUND, refund="R2"),
             ours("T2", 50, kind=LineKind.REFUND, refund="R9")]
    statement_frame_, ours_frame = frames(statement, ours_)
    named = name_unnamed_refunds(statement=statement_frame_, ours=ours_frame, prefix="账务流水号:")
    assert named["refund_id"].to_list() == ["", "R1", "R2", "账务流水号:C", "R9"]
    result = reconcile_frames(statement=named, ours=ours_frame)
    assert result.matched == 4
    assert sorted((d.kind.value, d.refund_id, d.line_no) for d in result.differences) == [
        ("missing_here", "账务流水号:C", 0), ("missing_there", "R3", 0)]


def test_an_alipay_zip_without_a_detail_file_is_refused_naming_its_files() -> None:
    import io
    import zipfile

    from gridpay.integrations.channels.alipay import detail_member
    from gridpay.integrations.channels.online import ChannelUnavailable
    from tests.support.channel_servers import zip_archive

    archive = zip_archive([("2088_20250310_业务明细(汇总).csv", b"#"), ("说明.txt", b"")])
    with zipfile.ZipFile(io.BytesIO(archive)) as files, pytest.raises(
        ChannelUnavailable, match=r"实有：2088_20250310_业务明细\(汇总\)\.csv、说明\.txt"
    ):
        detail_member(files.infolist())


@pytest.mark.parametrize(
    ("parser", "content", "message"),
    [
        (parse_wechat_bill, "hello\n", "表头"),
        (parse_wechat_bill, "交易时间,微信订单号\n`x\n", "缺少列"),
        (parse_alipay_statement, "#注释\nfoo,bar\n", "第 2 行"),
        (parse_gridpay_csv, "kind,channel_txn_id,refund_id,account_no,amount_fen,at\npayment,T1,,A1,1.5,\n", "第 2 行"),
        (parse_gridpay_csv, "kind,channel_txn_id,refund_id,account_no,amount_fen,at\ngift,T1,,A1,1,\n", "第 2 行"),
        (parse_gridpay_csv, "kind,channel_txn_id,refund_id,account_no,amount_fen,at\npayment,T1,,A1,1,2025-03-10\n",
         "时区"),
    ],
)
def test_a_file_that_is_not_the_statement_is_refused_naming_the_line(
    parser: object, content: str, message: str
) -> None:
    with pytest.raises(StatementFormatError, match=message):
        list(parser(content.encode()))  # type: ignore[operator]


def frames(statement: list[StatementLine], ours_: list[OurRecord]) -> tuple[pl.DataFrame, pl.DataFrame]:
    st = pl.DataFrame(
        [(x.kind.value, x.channel_txn_id, x.amount_fen, x.account_no, x.refund_id, x.line_no) for x in statement],
        schema=STATEMENT_SCHEMA, orient="row",
    )
    mine = pl.DataFrame(
        [(x.kind.value, x.channel_txn_id, x.amount_fen, x.account_no, x.refund_id) for x in ours_],
        schema=OURS_SCHEMA, orient="row",
    )
    return st, mine


records = st.tuples(
    st.sampled_from([LineKind.PAYMENT, LineKind.REFUND]), st.sampled_from(["T1", "T2", "T3", "T4"]),
    st.integers(1, 3), st.sampled_from(["", "A1", "A2"]), st.sampled_from(["R1", "R2", "R3"]),
)


@given(st.lists(records, max_size=12), st.lists(records, max_size=8, unique_by=lambda r: (r[0], r[1], r[4])))
def test_the_frame_engine_follows_the_rules_line_by_line(
    statement_rows: list[tuple[LineKind, str, int, str, str]], our_rows: list[tuple[LineKind, str, int, str, str]]
) -> None:
    statement = [
        StatementLine(kind, txn, fen, account, refund if kind is LineKind.REFUND else "", None, n)
        for n, (kind, txn, fen, account, refund) in enumerate(statement_rows, 2)
    ]
    ours_ = [
        OurRecord(kind, txn, fen, account or "A1", refund if kind is LineKind.REFUND else "")
        for kind, txn, fen, account, refund in our_rows
    ]
    ours_ = list({(r.kind, r.key): r for r in ours_}.values())  # our keys are unique (database constraints)
    expected = reconcile(statement=statement, ours=ours_)
    got = reconcile_frames(statement=frames(statement, ours_)[0], ours=frames(statement, ours_)[1])
    assert got.differences == expected.differences
    assert (got.lines, got.matched, got.statement_payments_fen, got.statement_refunds_fen, got.our_payments_fen,
            got.our_refunds_fen) == (expected.lines, expected.matched, expected.statement_payments_fen,
                                     expected.statement_refunds_fen, expected.our_payments_fen,
                                     expected.our_refunds_fen)


def test_the_wechat_bill_read_in_one_go_equals_the_line_by_line_reading_and_bad_lines_are_named() -> None:
    server = WeChatPayServer()
    for n in range(1, 6):
        server.orders[f"GP{n}"] = ChannelOrderSeen(f"GP{n}", n * 101, f"330100000{n}", f"420000{n}", PAID_AT)
    bill = server.bill(date(2025, 3, 10)).encode()
    server.httpd.server_close()
    fast = statement_frame("wechat", bill)
    slow = [(x.kind.value, x.channel_txn_id, x.amount_fen, x.account_no, x.refund_id, x.line_no)
            for x in parse_wechat_bill(bill)]
    assert fast.rows() == slow and len(slow) == 5
    # A blank line is skipped with the line numbers kept, as line by line; a row without its backquote is named.
    lines = bill.split(b"\n")
    blank = b"\n".join([*lines[:3], b"", *lines[3:]])
    assert statement_frame("wechat", blank).rows() == [
        (x.kind.value, x.channel_txn_id, x.amount_fen, x.account_no, x.refund_id, x.line_no)
        for x in parse_wechat_bill(blank)] and statement_frame("wechat", blank)["line_no"].to_list() == [2, 3, 5, 6, 7]
    with pytest.raises(StatementFormatError, match="第 2 行"):
        statement_frame("wechat", bill.replace(b"\n`2025", b"\n2025", 1))
    broken = bill.replace(b"`5.05", b"`5.0x")
    with pytest.raises(StatementFormatError, match="第 6 行"):
        statement_frame("wechat", broken)
