"""Redeems a recharge card for an account: the right PIN, once, before it expires; wrong PINs lock the card."""

from datetime import date, datetime

from django.db import transaction

from gridpay.application.payments.cards.card_key import card_pin_key
from gridpay.application.payments.channels.refusals import record_refusal
from gridpay.application.payments.record_payment import PaymentResult, record_payment
from gridpay.data.models import RechargeCard
from gridpay.domain.channel_payments import NotificationRefused, RefusalReason
from gridpay.domain.payments import PaymentChannel
from gridpay.domain.recharge_cards import MAX_FAILED_ATTEMPTS, CardRefused, check_pin, check_redeemable
from gridpay.domain.texts import gettext_noop


def redeem_card(*, account_no: str, serial: str, pin: str, at: datetime, business_day: date) -> PaymentResult:
    serial = serial.strip().upper()
    with transaction.atomic():
        card = RechargeCard.objects.select_for_update().select_related("batch").filter(serial=serial).first()
        if card is None:
            wrong = CardRefused(gettext_noop("没有卡号 {serial}"), field="serial", params={"serial": serial})
        else:
            check_redeemable(card_status=card.status, batch_status=card.batch.status,
                             expires_on=card.batch.expires_on, today=business_day)
            if check_pin(expected_digest=card.pin_digest, key=card_pin_key(), serial=serial, pin=pin):
                paid = record_payment(
                    account_no=account_no, amount_fen=card.batch.face_value_fen, channel=PaymentChannel.CARD.value,
                    channel_txn_id=serial, received_at=at, business_day=business_day, payer=f"充值卡 {serial}",
                )
                card.status, card.redeemed_at, card.payment_id = "redeemed", at, paid.payment_id
                card.save(update_fields=["status", "redeemed_at", "payment"])
                return paid
            card.failed_attempts += 1
            if card.failed_attempts >= MAX_FAILED_ATTEMPTS:
                card.status = "locked"
            card.save(update_fields=["failed_attempts", "status"])
            left = MAX_FAILED_ATTEMPTS - card.failed_attempts
            if left:
                wrong = CardRefused(gettext_noop("密码错误，还可再试 {left} 次"), field="pin", params={"left": left})
            else:
                wrong = CardRefused(gettext_noop("密码错误次数过多，此卡已锁定"), field="pin")
    # Outside the transaction above, which committed the attempt count: the refusal is kept too.
    record_refusal(channel=PaymentChannel.CARD.value, refused=NotificationRefused(RefusalReason.WRONG_PIN,
                   wrong.message), body=f"{account_no}:{serial}".encode(), at=at, channel_txn_id=serial)
    raise wrong
