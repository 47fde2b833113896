"""Exports the queued withholding requests of a bank as one batch file (docs/formats/withholding.md)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from gridpay.application.errors import InvalidInput, NotFound
from gridpay.data.models import AuditRecord, WithholdingBatch, WithholdingRequest
from gridpay.integrations.banks.withholding_files import BatchLine, batch_file


@dataclass(frozen=True)
class ExportedBatch:
    batch_no: str
    requests: int
    total_fen: int
    content: str


def export_batch(*, bank_code: str, by: str, at: datetime, zone: str) -> ExportedBatch:
    if not by.strip():
        raise InvalidInput("必须写明经办人（--by）", field="by")
    with transaction.atomic():
        rows = list(
            WithholdingRequest.objects.select_for_update()
            .filter(status="queued", agreement__bank_code=bank_code.strip())
            .select_related("agreement__account")
            .order_by("id")
        )
        if not rows:
            raise NotFound(f"银行 {bank_code} 没有待代扣的请求", field="bank_code")
        local = at.astimezone(ZoneInfo(zone))
        batch_no = f"WH{local:%Y%m%d%H%M%S}{secrets.token_hex(2).upper()}"
        lines = [
            BatchLine(r.id, r.agreement.account_token, r.agreement.holder_name, r.amount_fen,
                      r.agreement.account.account_no)
            for r in rows
        ]
        content = batch_file(batch_no=batch_no, bank_code=bank_code.strip(), created_at=local, lines=lines)
        total = sum(r.amount_fen for r in rows)
        batch = WithholdingBatch.objects.create(
            batch_no=batch_no, bank_code=bank_code.strip(), created_at=at, created_by=by.strip()[:100],
            requests=len(rows), total_fen=total, file_sha256=hashlib.sha256(content.encode()).hexdigest(),
        )
        WithholdingRequest.objects.filter(id__in=[r.id for r in rows]).update(status="exported", batch=batch)
        AuditRecord.objects.create(
            at=at, actor=batch.created_by, action="withholding.export", target=f"withholding_batch:{batch.id}",
            new={"requests": len(rows), "total_fen": total},
        )
    return ExportedBatch(batch_no, len(rows), total, content)
