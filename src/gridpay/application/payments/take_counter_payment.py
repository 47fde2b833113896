"""A cashier takes a payment at the counter (营业厅): credited at once, with the receipt's particulars."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from gridpay.application.errors import InvalidInput, NotFound
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.staff.counter_authorisation import Authoriser, authorising_staff
from gridpay.data.models import AuditRecord, CounterReceipt, Payment
from gridpay.data.settings import gridpay_settings
from gridpay.domain.counter_desk import (
    VoidMark,
    check_typed_twice,
    needs_authorisation,
    print_copy,
    refuse_unauthorised,
)
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
    void: VoidMark | None = None  # voided the day it was taken: the receipt prints 作废


def take_counter_payment(
    *, account_no: str, amount_fen: int, receipt_no: str, cashier: str, at: datetime, business_day: date,
    actor: str = "", deliver_pdf: DeliverPdf | None = None, confirmed_fen: int | None = None,
    authoriser: Authoriser | None = None,
) -> Receipt:
    """The receipt number is the payment's identity: pressing the button twice credits once, prints once more.

    ``actor`` is the cashier's login (the console's; the command line names the cashier in words only). An amount
    above the counter's threshold comes with ``confirmed_fen``, typed a second time; one above its limit with the
    ``authoriser`` (a supervisor or the station head), recorded in the audit record (ADR 0025).

    With ``deliver_pdf`` the receipt is printed in the payment's transaction; without, it is printed later
    (print_receipt), and that first print is the original.
    """
    if not cashier.strip():
        raise InvalidInput(gettext_noop("必须写明收费员（--cashier）"), field="cashier")
    authorised_by = ""
    if not _counter_payments(receipt_no).exists():  # a repeat is answered as the first was (or is a conflict)
        limits = gridpay_settings().counter_limits
        check_typed_twice(amount_fen=amount_fen, confirmed_fen=confirmed_fen, limits=limits)
        if needs_authorisation(amount_fen=amount_fen, limits=limits):
            if authoriser is None:
                raise refuse_unauthorised(amount_fen=amount_fen, limits=limits)
            authorised_by = authorising_staff(
                authoriser=authoriser, cashier=(actor.strip(), cashier.strip()), at=at,
                purpose=f"柜台收费 {account_no} {format_yuan(amount_fen)} 元，收据号 {receipt_no}",
            ).actor
    with transaction.atomic():
        paid = record_payment(
            account_no=account_no, amount_fen=amount_fen, channel=PaymentChannel.COUNTER.value,
            channel_txn_id=receipt_no, received_at=at, business_day=business_day,
        )
        if not paid.replayed:
            new: dict[str, object] = {"account_no": paid.account_no, "amount_fen": paid.amount_fen,
                                      "receipt_no": receipt_no}
            if authorised_by:
                new["authorised_by"] = authorised_by
            try:
                with transaction.atomic():
                    CounterReceipt.objects.create(payment_id=paid.payment_id, cashier=cashier.strip()[:50],
                                                  taken_by=actor.strip()[:150], issued_at=at)
                    AuditRecord.objects.create(
                        at=at, actor=(actor or cashier).strip()[:100], action="payment.counter",
                        target=f"payment:{paid.payment_id}", new=new,
                    )
            except IntegrityError:
                pass  # a concurrent press of the same button wrote it
        return _receipt(receipt_no=paid.channel_txn_id, available_balance_fen=paid.available_balance_fen,
                        replayed=paid.replayed, deliver_pdf=deliver_pdf)


def print_receipt(*, receipt_no: str, deliver_pdf: DeliverPdf, copy: int | None = None) -> Receipt:
    """The receipt of a counter payment, printed and counted: the first print is the original, every later one is
    marked as a copy. ``copy`` asks again for a print already counted (the console's links carry it, since a browser
    may fetch one PDF twice): the same copy, counted once."""
    with transaction.atomic():
        return _receipt(receipt_no=receipt_no, available_balance_fen=None, replayed=True, deliver_pdf=deliver_pdf,
                        copy=copy)


def counter_receipt(*, receipt_no: str) -> Receipt:
    """The receipt as it stands, not printed (a page that shows it)."""
    return _receipt(receipt_no=receipt_no, available_balance_fen=None, replayed=True, deliver_pdf=None)


def next_copy(*, receipt_no: str) -> int:
    """The number the next print of the receipt will carry (1: the original), for a link that prints it."""
    prints = CounterReceipt.objects.filter(
        payment__channel=PaymentChannel.COUNTER.value, payment__channel_txn_id=receipt_no.strip()
    ).values_list("prints", flat=True).first()
    if prints is None:
        raise _no_receipt(receipt_no)
    return print_copy(requested=None, prints=prints)


def _counter_payments(receipt_no: str) -> QuerySet[Payment]:
    return Payment.objects.filter(channel=PaymentChannel.COUNTER.value, channel_txn_id=receipt_no.strip())


def _no_receipt(receipt_no: str) -> NotFound:
    return NotFound(gettext_noop("没有柜台收据 {receipt_no}"), field="receipt_no", params={"receipt_no": receipt_no})


def _receipt(
    *, receipt_no: str, available_balance_fen: int | None, replayed: bool, deliver_pdf: DeliverPdf | None,
    copy: int | None = None,
) -> Receipt:
    payment = _counter_payments(receipt_no).select_related("account__customer", "counter_receipt", "transfer").first()
    if payment is None or not hasattr(payment, "counter_receipt"):
        raise _no_receipt(receipt_no)
    printed = payment.counter_receipt
    if deliver_pdf is not None:
        # Locked, so that two prints at once take two numbers, and a repeated one finds its number taken.
        printed = CounterReceipt.objects.select_for_update().get(id=printed.id)
        copy = print_copy(requested=copy, prints=printed.prints)
        if copy > printed.prints:
            CounterReceipt.objects.filter(id=printed.id).update(prints=copy)
    else:
        copy = printed.prints
    if available_balance_fen is None:
        available_balance_fen = payment.transfer.credit_balance_after_fen
    void = None
    if printed.voided_at is not None:
        void = VoidMark(voided_at=printed.voided_at, voided_by=printed.voided_by,
                        authorised_by=printed.void_authorised_by, reason=printed.void_reason)
    receipt = Receipt(
        receipt_no=payment.channel_txn_id, account_no=payment.account.account_no,
        customer_name=payment.account.customer.name, address=payment.account.address, amount_fen=payment.amount_fen,
        amount_in_words=yuan_in_words(payment.amount_fen), received_at=payment.received_at,
        cashier=printed.cashier, available_balance_fen=available_balance_fen, copy=copy, replayed=replayed, void=void,
    )
    if deliver_pdf is not None:
        deliver_pdf(receipt_as_pdf(receipt))
    return receipt


def receipt_as_pdf(receipt: Receipt) -> bytes:
    """The receipt as the A6 PDF handed to the payer; a voided one stamped 作废 with its void's particulars."""
    return receipt_pdf(
        utility=gridpay_settings().utility_name, receipt_no=receipt.receipt_no, account_no=receipt.account_no,
        customer_name=receipt.customer_name, address=receipt.address, amount_yuan=format_yuan(receipt.amount_fen),
        amount_in_words=receipt.amount_in_words, received_at=receipt.received_at,
        zone=gridpay_settings().business_time_zone, cashier=receipt.cashier,
        available_balance_yuan=format_yuan(receipt.available_balance_fen), copy=receipt.copy, void=receipt.void,
    )
