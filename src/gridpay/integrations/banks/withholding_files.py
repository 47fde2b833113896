"""The withholding batch file gridpay sends a bank and the result file the bank returns (docs/formats/withholding.md).

Both are UTF-8 text, one record per line, fields separated by "|": a header (H), details (D or R), a trailer (T)
whose count and total must agree with the details.
"""

from dataclasses import dataclass
from datetime import datetime

SEPARATOR = "|"
SUCCESS = "0000"


class WithholdingFileError(ValueError):
    """The file is not a well-formed result file; names the line."""


@dataclass(frozen=True)
class BatchLine:
    request_id: int
    account_token: str
    holder_name: str
    amount_fen: int
    account_no: str


def batch_file(*, batch_no: str, bank_code: str, created_at: datetime, lines: list[BatchLine]) -> str:
    """H|batch_no|bank_code|YYYYMMDDHHMMSS|count|total_fen, D|request_id|token|name|amount_fen|account_no,
    T|count|total_fen."""
    total = sum(line.amount_fen for line in lines)
    records = [_join("H", batch_no, bank_code, created_at.strftime("%Y%m%d%H%M%S"), len(lines), total)]
    records += [
        _join("D", line.request_id, line.account_token, line.holder_name, line.amount_fen, line.account_no)
        for line in lines
    ]
    records.append(_join("T", len(lines), total))
    return "\n".join(records) + "\n"


@dataclass(frozen=True)
class ResultLine:
    line_no: int
    request_id: int
    amount_fen: int
    result_code: str  # 0000 is success; anything else is the bank's reason code
    bank_txn_id: str
    message: str

    @property
    def succeeded(self) -> bool:
        return self.result_code == SUCCESS


@dataclass(frozen=True)
class ResultFile:
    batch_no: str
    bank_code: str
    lines: list[ResultLine]


def parse_result_file(content: bytes) -> ResultFile:
    """H|batch_no|bank_code|YYYYMMDDHHMMSS|count|total_fen, R|request_id|amount_fen|code|bank_txn_id|message,
    T|count|succeeded_total_fen."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WithholdingFileError("代扣结果文件应为 UTF-8 编码") from None
    records = [(n, line.split(SEPARATOR)) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not records or records[0][1][0] != "H" or len(records[0][1]) != 6:
        raise WithholdingFileError("第 1 行应为文件头 H|批次号|银行代码|时间|笔数|金额")
    if records[-1][1][0] != "T" or len(records[-1][1]) != 3:
        raise WithholdingFileError(f"第 {records[-1][0]} 行应为文件尾 T|笔数|成功金额")
    _, batch_no, bank_code, *_ = records[0][1]
    lines = []
    for number, fields in records[1:-1]:
        if fields[0] != "R" or len(fields) != 6:
            raise WithholdingFileError(f"第 {number} 行应为 R|请求号|金额分|结果码|银行流水号|说明")
        _, request_id, amount, code, bank_txn_id, message = (f.strip() for f in fields)
        if not request_id.isdigit() or not amount.isdigit():
            raise WithholdingFileError(f"第 {number} 行：请求号和金额应为整数")
        if code == SUCCESS and not bank_txn_id:
            raise WithholdingFileError(f"第 {number} 行：成功的代扣必须有银行流水号")
        lines.append(ResultLine(number, int(request_id), int(amount), code, bank_txn_id[:40], message[:100]))
    count, succeeded_total = records[-1][1][1].strip(), records[-1][1][2].strip()
    if count != str(len(lines)):
        raise WithholdingFileError(f"文件尾笔数 {count} 与明细 {len(lines)} 笔不符")
    if succeeded_total != str(sum(line.amount_fen for line in lines if line.succeeded)):
        raise WithholdingFileError(f"文件尾成功金额 {succeeded_total} 与明细不符")
    return ResultFile(batch_no=batch_no.strip(), bank_code=bank_code.strip(), lines=lines)


def _join(*fields: object) -> str:
    return SEPARATOR.join(str(f).replace(SEPARATOR, " ").replace("\n", " ") for f in fields)
