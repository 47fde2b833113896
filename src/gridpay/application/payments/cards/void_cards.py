"""Voids a whole batch or one card (lost, stolen, misprinted); redeemed cards stay redeemed."""

from datetime import datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput, NotFound
from gridpay.data.models import AuditRecord, CardBatch, RechargeCard
from gridpay.domain.texts import gettext_noop


def void_cards(*, by: str, at: datetime, batch_code: str = "", serial: str = "", reason: str = "") -> int:
    if not by.strip() or not reason.strip():
        raise InvalidInput(gettext_noop("作废须写明经办人（--by）和原因（--reason）"), field="reason")
    with transaction.atomic():
        if batch_code:
            batch = CardBatch.objects.select_for_update().filter(code=batch_code.strip().upper()).first()
            if batch is None:
                raise NotFound(gettext_noop("没有批次 {batch_code}"), field="batch", params={"batch_code": batch_code})
            batch.status = "void"
            batch.save(update_fields=["status"])
            count = RechargeCard.objects.filter(batch=batch).exclude(status="redeemed").update(status="void")
            target = f"card_batch:{batch.id}"
        else:
            count = RechargeCard.objects.filter(serial=serial.strip().upper()).exclude(status="redeemed").update(
                status="void"
            )
            if count == 0:
                raise NotFound(gettext_noop("没有可作废的卡 {serial}"), field="serial", params={"serial": serial})
            target = f"recharge_card:{serial.strip().upper()}"
        AuditRecord.objects.create(at=at, actor=by.strip()[:100], action="cards.void", target=target,
                                   new={"status": "void", "cards": count}, note=reason.strip()[:500])
    return count
