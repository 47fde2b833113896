"""A cashier takes a payment at the counter (营业厅): credited at once, with the receipt's particulars."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from gridpay.application.errors import InvalidInput, NotFound
from gridpay.application.payments.record_payment import record_payment
from gridpay.data.models import AuditRecord, CounterReceipt, Payment
from gridpay.data.settings import gridpay_settings
from gridpay.domain.money import format_yuan, yuan_in_words
from gridpay.domain.payments import PaymentChannel
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.documents.receipt_pdf import receipt_pdf

# Writes the receipt's PDF whole; called inside the transaction, so a receipt that cannot be written is not counted
# as printed, and a payment whose receipt cannot be written is not credited.
DeliverPdf = Callable[[bytes], None]


@dataclass(frozen=True)
class Receipt:
    receipt_no: str  # the counter payment's transaction id
    account_no: str
    customer_name: str
    address: str
    amount_fen: int
    amount_in_words: str
    received_at: datetime
    cashier: str
    available_balance_fen: int  # right after this payment
    copy: int  # 1 for the original; a reprint says so (0: taken, not printed yet)
    replayed: bool


def take_counter_payment(
    *, account_no: str, amount_fen: int, receipt_no: str, cashier: str, at: datetime, business_day: date,
    actor: str = "", deliver_pdf: DeliverPdf | None = None,
) -> Receipt:
    """The receipt number is the payment's identity: pressing the button twice credits once, prints once more.

    With ``deliver_pdf`` the receipt is printed in the payment's transaction; without, it is printed later
    (print_receipt), and that first print is the original.
    """
    if not cashier.strip():
        raise InvalidInput(gettext_noop("必须写明收费员（--cashier）"), field="cashier")
    with transaction.atomic():
        paid = record_payment(
            account_no=account_no, amount_fen=amount_fen, channel=PaymentChannel.COUNTER.value,
            channel_txn_id=receipt_no, received_at=at, business_day=business_day,
        )
        if not paid.replayed:
            try:
                with transaction.atomic():
                    CounterReceipt.objects.create(payment_id=paid.payment_id, cashier=cashier.strip()[:50],
                                                  issued_at=at)
                    AuditRecord.objects.create(
                        at=at, actor=(actor or cashier).strip()[:100], action="payment.counter",
                        target=f"payment:{paid.payment_id}",
                        new={"account_no": paid.account_no, "amount_fen": paid.amount_fen, "receipt_no": receipt_no},
                    )
            except IntegrityError:
                pass  # a concurrent press of the same button wrote it
        return _receipt(receipt_no=paid.channel_txn_id, available_balance_fen=paid.available_balance_fen,
                        replayed=paid.replayed, deliver_pdf=deliver_pdf)


def print_receipt(*, receipt_no: str, deliver_pdf: DeliverPdf) -> Receipt:
    """The receipt of a counter payment, printed and counted: every print after the first is marked as a copy."""
    with transaction.atomic():
        return _receipt(receipt_no=receipt_no, available_balance_fen=None, replayed=True, deliver_pdf=deliver_pdf)


def _receipt(
    *, receipt_no: str, available_balance_fen: int | None, replayed: bool, deliver_pdf: DeliverPdf | None
) -> Receipt:
    payment = (
        Payment.objects.select_related("account__customer", "counter_receipt", "transfer")
        .filter(channel=PaymentChannel.COUNTER.value, channel_txn_id=receipt_no.strip())
        .first()
    )
    if payment is None or not hasattr(payment, "counter_receipt"):
        raise NotFound(gettext_noop("没有柜台收据 {receipt_no}"), field="receipt_no", params={"receipt_no": receipt_no})
    if deliver_pdf is not None:
        CounterReceipt.objects.filter(id=payment.counter_receipt.id).update(prints=F("prints") + 1)
        payment.counter_receipt.refresh_from_db()
    if available_balance_fen is None:
        available_balance_fen = payment.transfer.credit_balance_after_fen
    receipt = Receipt(
        receipt_no=payment.channel_txn_id, account_no=payment.account.account_no,
        customer_name=payment.account.customer.name, address=payment.account.address, amount_fen=payment.amount_fen,
        amount_in_words=yuan_in_words(payment.amount_fen), received_at=payment.received_at,
        cashier=payment.counter_receipt.cashier, available_balance_fen=available_balance_fen,
        copy=payment.counter_receipt.prints, replayed=replayed,
    )
    if deliver_pdf is not None:
        deliver_pdf(receipt_as_pdf(receipt))
    return receipt


def receipt_as_pdf(receipt: Receipt) -> bytes:
    """The receipt as the A6 PDF handed to the payer."""
    return receipt_pdf(
        utility=gridpay_settings().utility_name, receipt_no=receipt.receipt_no, account_no=receipt.account_no,
        customer_name=receipt.customer_name, address=receipt.address, amount_yuan=format_yuan(receipt.amount_fen),
        amount_in_words=receipt.amount_in_words, received_at=receipt.received_at,
        zone=gridpay_settings().business_time_zone, cashier=receipt.cashier,
        available_balance_yuan=format_yuan(receipt.available_balance_fen), copy=receipt.copy,
    )
