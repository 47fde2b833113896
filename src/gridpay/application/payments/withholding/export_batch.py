"""Exports the queued withholding requests of a bank as one batch file (docs/formats/withholding.md), or a batch
already exported once more, exactly as it was."""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from gridpay.application.errors import InvalidInput, NotFound
from gridpay.data.models import AuditRecord, WithholdingBatch, WithholdingRequest
from gridpay.data.run_lock import exclusive_run
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.banks.withholding_files import BatchLine, batch_file

# Writes the batch file whole; called inside the transaction, so a file that cannot be written exports nothing.
Deliver = Callable[[str], None]


class BatchFileChanged(DomainError):
    code = "withholding_batch_changed"


@dataclass(frozen=True)
class ExportedBatch:
    batch_no: str
    requests: int
    total_fen: int
    content: str


def export_batch(*, bank_code: str, by: str, at: datetime, zone: str, deliver: Deliver) -> ExportedBatch:
    """Marks the bank's queued requests exported in a new batch, and hands its file to ``deliver`` before the commit."""
    if not by.strip():
        raise InvalidInput(gettext_noop("必须写明经办人（--by）"), field="by")
    with exclusive_run("withholding", what="银行代扣导出或回盘导入", at=at), transaction.atomic():
        rows = list(
            WithholdingRequest.objects.select_for_update()
            .filter(status="queued", agreement__bank_code=bank_code.strip())
            .select_related("agreement__account")
            .order_by("id")
        )
        if not rows:
            raise NotFound(
                gettext_noop("银行 {bank_code} 没有待代扣的请求"), field="bank_code", params={"bank_code": bank_code},
            )
        local = at.astimezone(ZoneInfo(zone))
        batch_no = f"WH{local:%Y%m%d%H%M%S}{secrets.token_hex(2).upper()}"
        content = batch_file(batch_no=batch_no, bank_code=bank_code.strip(), created_at=local, lines=_lines(rows))
        total = sum(r.amount_fen for r in rows)
        batch = WithholdingBatch.objects.create(
            batch_no=batch_no, bank_code=bank_code.strip(), created_at=at, created_by=by.strip()[:100],
            requests=len(rows), total_fen=total, file_sha256=_sha256(content),
        )
        WithholdingRequest.objects.filter(id__in=[r.id for r in rows]).update(status="exported", batch=batch)
        AuditRecord.objects.create(
            at=at, actor=batch.created_by, action="withholding.export", target=f"withholding_batch:{batch.id}",
            new={"requests": len(rows), "total_fen": total},
        )
        deliver(content)
    return ExportedBatch(batch_no, len(rows), total, content)


def export_batch_again(*, batch_no: str, by: str, at: datetime, zone: str, deliver: Deliver) -> ExportedBatch:
    """The file of an exported batch once more (the first copy was lost), checked against the digest kept for it."""
    if not by.strip():
        raise InvalidInput(gettext_noop("必须写明经办人（--by）"), field="by")
    with exclusive_run("withholding", what="银行代扣导出或回盘导入", at=at), transaction.atomic():
        batch = WithholdingBatch.objects.filter(batch_no=batch_no.strip()).first()
        if batch is None:
            raise NotFound(gettext_noop("没有代扣批次 {batch_no}"), field="batch", params={"batch_no": batch_no})
        rows = list(batch.request_rows.select_related("agreement__account").order_by("id"))
        content = batch_file(batch_no=batch.batch_no, bank_code=batch.bank_code,
                             created_at=batch.created_at.astimezone(ZoneInfo(zone)), lines=_lines(rows))
        if _sha256(content) != batch.file_sha256:
            raise BatchFileChanged(
                gettext_noop("批次 {batch_no} 的文件无法原样重建（与导出时的摘要不符）"), field="batch",
                params={"batch_no": batch.batch_no},
            )
        AuditRecord.objects.create(
            at=at, actor=by.strip()[:100], action="withholding.export_again", target=f"withholding_batch:{batch.id}",
            new={"requests": batch.requests, "total_fen": batch.total_fen},
        )
        deliver(content)
    return ExportedBatch(batch.batch_no, batch.requests, batch.total_fen, content)


def _lines(rows: list[WithholdingRequest]) -> list[BatchLine]:
    return [
        BatchLine(r.id, r.agreement.account_token, r.agreement.holder_name, r.amount_fen,
                  r.agreement.account.account_no)
        for r in rows
    ]


def _sha256(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()
