"""Reads channel statements (对账单) into statement lines: WeChat Pay's trade bill, Alipay's business detail,
and gridpay's own CSV for channels without a format of their own (docs/formats/statement.md)."""

import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import polars as pl

from gridpay.domain.money import InvalidAmount, fen_from_yuan_text
from gridpay.domain.reconciliation import LineKind, StatementLine
from gridpay.domain.reconciliation_batch import STATEMENT_SCHEMA
from gridpay.integrations.channels.online import china_time

WECHAT_COLUMNS = ["交易时间", "微信订单号", "商户退款单号", "交易状态", "商户数据包", "订单金额", "申请退款金额"]


class StatementFormatError(ValueError):
    """The file is not the channel's statement; names the line."""


def parse_statement(channel: str, content: bytes) -> Iterator[StatementLine]:
    parser = PARSERS.get(channel, parse_gridpay_csv)
    return parser(content)


def statement_frame(channel: str, content: bytes) -> pl.DataFrame:
    """The statement as a frame (STATEMENT_SCHEMA) for reconciliation; StatementFormatError names a bad line."""
    if channel == "wechat":
        frame = _wechat_bill_frame(content)
        if frame is not None:
            return frame
    rows = [(x.kind.value, x.channel_txn_id, x.amount_fen, x.account_no, x.refund_id, x.line_no)
            for x in parse_statement(channel, content)]
    return pl.DataFrame(rows, schema=STATEMENT_SCHEMA, orient="row")


def _wechat_bill_frame(content: bytes) -> pl.DataFrame | None:
    """A well-formed trade bill read in one go; None sends anything unusual to the line-by-line reader, which
    says exactly which line is wrong."""
    start = content.find("交易时间,".encode())
    end = content.find("\n总交易单数".encode())
    if start < 0 or end < start or (start > 0 and content[start - 1 : start] != b"\n"):
        return None
    header_line = content.count(b"\n", 0, start) + 1
    header_end = content.find(b"\n", start, end + 1)
    names = content[start:header_end].decode("utf-8", errors="replace").rstrip("\r").split(",")
    if any(name not in names for name in WECHAT_COLUMNS):
        return None
    # Split on the backquote that begins every field (a comma alone is text: product names hold them), so that every
    # field but the last ends with the comma of the ",`" before the next. Only the fields read are kept, and those that
    # show the line's shape: it starts with a backquote (nothing before it), the last but one ends with a comma (the
    # last follows it) and the last does not (no field follows it, or a backquote inside a field has shifted them:
    # line by line then). A blank line is a row of nulls, so that row numbers stay line numbers.
    last = len(names)
    wanted = {name: names.index(name) + 1 for name in WECHAT_COLUMNS if name != "交易时间"}  # the time is not read
    try:
        frame = pl.read_csv(io.BytesIO(content), has_header=False, skip_rows=header_line,
                            n_rows=content.count(b"\n", header_end, end), infer_schema=False, quote_char=None,
                            separator="`", new_columns=[f"f{i}" for i in range(last + 1)],
                            columns=sorted({0, last - 1, last, *wanted.values()}))
    except pl.exceptions.PolarsError:
        return None
    blank = pl.all_horizontal(pl.all().is_null())
    shaped = (pl.col("f0").is_null() & pl.col(f"f{last - 1}").str.ends_with(",")
              & ~pl.col(f"f{last}").fill_null("").str.ends_with(","))
    if not frame.select((shaped | blank).all()).item():
        return None
    frame = (
        frame.with_row_index("row")
        .select("row", *(pl.col(f"f{i}").str.strip_suffix(",").alias(name) for name, i in wanted.items()))
        .filter(pl.col("交易状态").is_in(["SUCCESS", "REFUND"]))
        .with_columns(refunded=pl.col("交易状态") == "REFUND")
        .with_columns(
            kind=pl.when("refunded").then(pl.lit("refund")).otherwise(pl.lit("payment")),
            amount_text=pl.when("refunded").then(pl.col("申请退款金额")).otherwise(pl.col("订单金额")),
        )
    )
    amount = r"^\d+\.\d{2}$"
    if not frame["amount_text"].str.contains(amount).all():
        return None
    return frame.select(
        "kind",
        pl.col("微信订单号").alias("channel_txn_id"),
        pl.col("amount_text").str.replace(".", "", literal=True).cast(pl.Int64).alias("amount_fen"),
        pl.col("商户数据包").fill_null("").alias("account_no"),
        pl.when(pl.col("kind") == "refund").then(pl.col("商户退款单号")).otherwise(pl.lit("")).alias("refund_id"),
        (pl.col("row").cast(pl.Int64) + header_line + 1).alias("line_no"),
    )


def parse_wechat_bill(content: bytes) -> Iterator[StatementLine]:
    """交易账单 (bill_type=ALL): a header, rows whose fields each begin with a backquote and are separated by ",`"
    (a comma alone is part of a field: product names hold them), then two lines of totals."""
    lines = _text(content).splitlines()
    start = next((n for n, line in enumerate(lines) if line.startswith("交易时间,")), None)
    if start is None:
        raise StatementFormatError("不是微信支付交易账单：找不到以“交易时间”开头的表头")
    header = lines[start].split(",")
    column = _columns(header, WECHAT_COLUMNS)
    width = len(header)
    at_i, txn_i, refund_i, state_i, account_i, amount_i, refund_amount_i = (column[c] for c in WECHAT_COLUMNS)
    payment, refund = LineKind.PAYMENT, LineKind.REFUND
    for number, line in enumerate(lines[start + 1 :], start + 2):
        if line.startswith("总交易单数"):
            return
        if not line.strip():
            continue
        # Every field starts with a backquote (it keeps spreadsheets from mangling long numbers).
        if not line.startswith("`"):
            raise StatementFormatError(f"第 {number} 行：字段应以 ` 开头，以 ,` 分隔")
        fields = line[1:].split(",`")
        if len(fields) != width:
            raise StatementFormatError(f"第 {number} 行应有 {width} 列，实有 {len(fields)} 列")
        state = fields[state_i]
        try:
            if state == "SUCCESS":
                yield StatementLine(payment, fields[txn_i], fen_from_yuan_text(fields[amount_i]), fields[account_i],
                                    "", china_time(fields[at_i]), number)
            elif state == "REFUND":
                yield StatementLine(refund, fields[txn_i], fen_from_yuan_text(fields[refund_amount_i]),
                                    fields[account_i], fields[refund_i], china_time(fields[at_i]), number)
        except (ValueError, InvalidAmount) as error:
            raise StatementFormatError(f"第 {number} 行：{error}") from None
    raise StatementFormatError("微信支付交易账单不完整：缺少“总交易单数”汇总行")


def parse_alipay_statement(content: bytes) -> Iterator[StatementLine]:
    """Alipay's 业务明细 (trade details, header starting 支付宝交易号) or 账务明细 (the account ledger, header
    starting 账务流水号): comment lines start with #, fields may end in a tab."""
    rows = csv.reader(io.StringIO(_text(content)))
    for number, row in enumerate(rows, 1):
        if not row or row[0].startswith("#"):
            continue
        header = [_alipay_name(f) for f in row]
        if header[0] == "支付宝交易号":
            return _alipay_trade_details(rows, _columns(header, ALIPAY_TRADE_COLUMNS), number)
        if header[0] == "账务流水号":
            return _alipay_account_ledger(rows, _columns(header, ALIPAY_LEDGER_COLUMNS), number)
        raise StatementFormatError(
            f"第 {number} 行：不是支付宝业务明细或账务明细（表头应以“支付宝交易号”或“账务流水号”开头）"
        )
    raise StatementFormatError("不是支付宝业务明细或账务明细：找不到表头")


# Column names as Alipay writes them, but with ASCII parentheses: files have either kind.
ALIPAY_TRADE_COLUMNS = ["支付宝交易号", "业务类型", "完成时间", "订单金额(元)", "退款批次号/请求号"]
ALIPAY_LEDGER_COLUMNS = ["账务流水号", "业务流水号", "发生时间", "收入金额(+元)", "支出金额(-元)", "业务类型"]
# 账务明细's business types of a refund; fees (收费, 服务费, and their returns) are costs of ours, never a payment.
ALIPAY_LEDGER_REFUNDS = frozenset({"交易退款", "退款"})
ALIPAY_LEDGER_FEES = ("收费", "服务费")
# 账务明细 names the trade a refund belongs to but not the refund request; its line carries the ledger's serial
# under this prefix, and reconciliation pairs it with a refund of ours (reconciliation_batch.name_unnamed_refunds).
UNNAMED_REFUND = "账务流水号:"


def _alipay_name(field: str) -> str:
    return field.strip().replace("（", "(").replace("）", ")")


def _alipay_trade_details(rows: Iterator[list[str]], column: dict[str, int], header_no: int) -> Iterator[StatementLine]:
    """业务明细: refunds carry negative amounts and their request number."""
    for number, row in enumerate(rows, header_no + 1):
        if not row or row[0].startswith("#"):
            continue
        fields = [f.strip() for f in row]
        kind = fields[column["业务类型"]]
        try:
            amount = abs(fen_from_yuan_text(fields[column["订单金额(元)"]].lstrip("-")))
            if kind == "交易":
                yield StatementLine(
                    kind=LineKind.PAYMENT,
                    channel_txn_id=fields[column["支付宝交易号"]],
                    amount_fen=amount,
                    at=china_time(fields[column["完成时间"]]),
                    line_no=number,
                )
            elif kind == "退款":
                yield StatementLine(
                    kind=LineKind.REFUND,
                    channel_txn_id=fields[column["支付宝交易号"]],
                    amount_fen=amount,
                    refund_id=fields[column["退款批次号/请求号"]],
                    at=china_time(fields[column["完成时间"]]),
                    line_no=number,
                )
        except (ValueError, InvalidAmount, IndexError) as error:
            raise StatementFormatError(f"第 {number} 行：{error}") from None


def _alipay_account_ledger(
    rows: Iterator[list[str]], column: dict[str, int], header_no: int
) -> Iterator[StatementLine]:
    """账务明细: every movement of the Alipay account, income and expense in two columns. Income is a payment
    (业务流水号 is the 支付宝交易号), an expense of a refund type a refund; fees and other expenses (withdrawals,
    transfers out) are not ours to reconcile."""
    for number, row in enumerate(rows, header_no + 1):
        if not row or row[0].startswith("#"):
            continue
        fields = [f.strip() for f in row]
        try:
            kind = fields[column["业务类型"]]
            if kind.startswith(ALIPAY_LEDGER_FEES):
                continue
            income = _ledger_fen(fields[column["收入金额(+元)"]])
            expense = _ledger_fen(fields[column["支出金额(-元)"]])
            if income and expense:
                raise ValueError("收入与支出不能同在一行")
            if income:
                yield StatementLine(
                    kind=LineKind.PAYMENT,
                    channel_txn_id=fields[column["业务流水号"]],
                    amount_fen=income,
                    at=china_time(fields[column["发生时间"]]),
                    line_no=number,
                )
            elif expense and kind in ALIPAY_LEDGER_REFUNDS:
                yield StatementLine(
                    kind=LineKind.REFUND,
                    channel_txn_id=fields[column["业务流水号"]],
                    amount_fen=expense,
                    refund_id=UNNAMED_REFUND + fields[column["账务流水号"]],
                    at=china_time(fields[column["发生时间"]]),
                    line_no=number,
                )
        except (ValueError, InvalidAmount, IndexError) as error:
            raise StatementFormatError(f"第 {number} 行：{error}") from None


def _ledger_fen(text: str) -> int:
    """收入金额（+元） and 支出金额（-元） as fen: "50.00", "+50.00", "-20.00", "0.00" or empty."""
    text = text.lstrip("+-")
    return fen_from_yuan_text(text) if text else 0


GRIDPAY_CSV_HEADER = ["kind", "channel_txn_id", "refund_id", "account_no", "amount_fen", "at"]


def parse_gridpay_csv(content: bytes) -> Iterator[StatementLine]:
    """kind,channel_txn_id,refund_id,account_no,amount_fen,at — UTF-8, amounts in fen, times ISO 8601 with a zone."""
    rows = csv.reader(io.StringIO(_text(content)))
    header = next(rows, None)
    if header is None or [h.strip() for h in header] != GRIDPAY_CSV_HEADER:
        raise StatementFormatError(f"对账文件表头应为：{','.join(GRIDPAY_CSV_HEADER)}")
    for number, row in enumerate(rows, 2):
        if not row:
            continue
        if len(row) != len(GRIDPAY_CSV_HEADER):
            raise StatementFormatError(f"第 {number} 行应有 {len(GRIDPAY_CSV_HEADER)} 列，实有 {len(row)} 列")
        kind, txn, refund_id, account_no, amount, at = (f.strip() for f in row)
        try:
            when = datetime.fromisoformat(at) if at else None
            if when is not None and when.tzinfo is None:
                raise ValueError(f"时间必须带时区：{at}")
            if not amount.isdigit() or not amount.isascii():
                raise ValueError(f"金额应为整数分：{amount!r}")
            yield StatementLine(
                kind=LineKind(kind),
                channel_txn_id=txn,
                amount_fen=int(amount),
                account_no=account_no,
                refund_id=refund_id,
                at=when.astimezone(UTC) if when else None,
                line_no=number,
            )
        except ValueError as error:
            raise StatementFormatError(f"第 {number} 行：{error}") from None


PARSERS: dict[str, Callable[[bytes], Iterator[StatementLine]]] = {
    "wechat": parse_wechat_bill,
    "alipay": parse_alipay_statement,
}


def _text(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gbk"):  # Alipay still writes GBK
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementFormatError("对账文件既不是 UTF-8 也不是 GBK 编码")


def _columns(header: list[str], wanted: list[str]) -> dict[str, int]:
    names = [h.strip() for h in header]
    missing = [name for name in wanted if name not in names]
    if missing:
        raise StatementFormatError(f"对账单缺少列：{'、'.join(missing)}")
    return {name: names.index(name) for name in wanted}
