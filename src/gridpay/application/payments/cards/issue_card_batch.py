"""Issues a batch of recharge cards: serials and random PINs handed back once, for printing; digests kept."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction

from gridpay.application.errors import InvalidInput
from gridpay.application.payments.cards.card_key import card_pin_key
from gridpay.data.models import AuditRecord, CardBatch, RechargeCard
from gridpay.domain.payments import check_amount_fen
from gridpay.domain.recharge_cards import PIN_DIGITS, group_pin, pin_digest
from gridpay.domain.texts import gettext_noop

MAX_BATCH = 100_000


@dataclass(frozen=True)
class PrintedCard:
    serial: str
    pin: str  # grouped in fours, as printed under the scratch-off
    face_value_fen: int
    expires_on: date


def issue_card_batch(
    *, batch_code: str, count: int, face_value_fen: int, expires_on: date, by: str, at: datetime, today: date,
    deliver: Callable[[list["PrintedCard"]], None],
) -> list[PrintedCard]:
    """Keeps the batch's PIN digests; ``deliver`` writes the PINs for printing before the commit, the only copy."""
    batch_code = batch_code.strip().upper()
    if not (1 <= len(batch_code) <= 12 and batch_code.isascii() and batch_code.isalnum()):
        raise InvalidInput(gettext_noop("批次号应为 1–12 位字母或数字"), field="batch")
    if not 1 <= count <= MAX_BATCH:
        raise InvalidInput(
            gettext_noop("张数应在 1 到 {most} 之间"), field="count", params={"most": MAX_BATCH},
        )
    check_amount_fen(face_value_fen)
    if expires_on <= today:
        raise InvalidInput(gettext_noop("有效期应晚于今天"), field="expires_on")
    if not by.strip():
        raise InvalidInput(gettext_noop("必须写明制卡人（--by）"), field="by")
    key = card_pin_key()
    cards = [
        PrintedCard(f"{batch_code}{n:06d}", "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS)),
                    face_value_fen, expires_on)
        for n in range(1, count + 1)
    ]
    printed = [PrintedCard(c.serial, group_pin(c.pin), c.face_value_fen, c.expires_on) for c in cards]
    try:
        with transaction.atomic():
            batch = CardBatch.objects.create(code=batch_code, face_value_fen=face_value_fen, count=count,
                                             expires_on=expires_on, created_at=at, created_by=by.strip()[:100])
            RechargeCard.objects.bulk_create(
                [RechargeCard(batch=batch, serial=c.serial, pin_digest=pin_digest(key=key, serial=c.serial, pin=c.pin))
                 for c in cards],
                batch_size=5_000,
            )
            AuditRecord.objects.create(
                at=at, actor=batch.created_by, action="cards.issue", target=f"card_batch:{batch.id}",
                new={"code": batch_code, "count": count, "face_value_fen": face_value_fen,
                     "expires_on": expires_on.isoformat()},
            )
            # Cards whose PINs nobody can print must not be active: no file, no batch.
            deliver(printed)
    except IntegrityError:
        raise InvalidInput(gettext_noop("批次号 {batch_code} 已存在"), field="batch",
                           params={"batch_code": batch_code}) from None
    return printed
