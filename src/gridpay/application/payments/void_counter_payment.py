"""A cashier voids their own counter payment the same business day (作废), with a supervisor's authorisation: a
reversal of the whole payment through the refund door, an audit record, and the receipt printed 作废 (ADR 0025)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Sum

from gridpay.application.errors import InvalidInput, NotAllowed, NotFound
from gridpay.application.payments.refund_payment import refund_payment
from gridpay.application.payments.take_counter_payment import DeliverPdf, print_receipt
from gridpay.application.staff.acting_staff import ActingStaff
from gridpay.application.staff.counter_authorisation import Authoriser, authorising_staff
from gridpay.data.models import AuditRecord, BillPayment, CounterReceipt, Payment, PaymentRefund
from gridpay.data.queries.ledger import refunded_fen
from gridpay.domain.counter_desk import CounterPaymentOnRecord, VoidRefused, check_void, void_refund_id
from gridpay.domain.money import format_yuan
from gridpay.domain.payments import PaymentChannel, RefundKind, channel_label
from gridpay.domain.staff_roles import Action, may
from gridpay.domain.texts import gettext_noop

MAX_REASON = 200
# What becomes of supply when a void leaves the account owing: the rules of any arrears, nothing at once (ADR 0025).
ARREARS_AFTER_VOID = gettext_noop(
    "账户因作废再次欠费：不会立即停电；下次结算后按欠费规则发欠费短信和电话任务，次日在停电时段内由停电执行处理"
    "（已发出的复电命令不撤回）。"
)


@dataclass(frozen=True)
class VoidResult:
    receipt_no: str
    account_no: str
    amount_fen: int  # taken back off the account
    voided_at: datetime
    voided_by: str
    authorised_by: str
    reason: str
    available_balance_fen: int  # right after the reversal (for a repeat too: the first result)
    replayed: bool  # voided before: nothing moved this time


def void_counter_payment(
    *, receipt_no: str, reason: str, cashier: ActingStaff, authoriser: Authoriser, at: datetime, business_day: date,
    deliver_pdf: DeliverPdf | None = None,
) -> VoidResult:
    """Takes the whole payment back off the account as a reversal linked to it (refund_payment, kind reversal, with
    an id derived from the receipt), and marks the receipt voided, in one transaction. A void sent again answers
    with the first one and moves nothing. The account may fall back into arrears: the next settlement's alerts and
    the disconnection run treat it like any other (a reconnection the payment set off is not undone here).

    With ``deliver_pdf`` the voided receipt (作废) is printed in the same transaction."""
    if not may(cashier.roles, Action.TAKE_COUNTER_PAYMENT):
        raise NotAllowed(gettext_noop("只有收费的营业员（或班长、所长）可以作废柜台交费"), field="as")
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(gettext_noop("必须写明作废原因"), field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(gettext_noop("作废原因最多 {most} 个字"), field="reason", params={"most": MAX_REASON})
    receipt_no = receipt_no.strip()
    payment = _counter_payment(receipt_no)
    authorised_by = ""
    if payment.counter_receipt.voided_at is None:
        # Refused before the supervisor's password is asked for: a void that cannot be made needs no authorisation.
        check_void(payment=_on_record(payment), today=business_day, username=cashier.username, name=cashier.name)
        authorised_by = authorising_staff(
            authoriser=authoriser, cashier=(cashier.username, cashier.name), at=at,
            purpose=f"作废柜台收据 {receipt_no}（{format_yuan(payment.amount_fen)} 元）：{reason}",
        ).actor
    with transaction.atomic():
        # The payment's lock (the one every refund of it takes): two voids of one receipt take turns.
        payment = Payment.objects.select_for_update().get(id=payment.id)
        receipt = CounterReceipt.objects.get(payment_id=payment.id)
        if receipt.voided_at is not None:
            return _result(receipt, replayed=True, deliver_pdf=deliver_pdf)
        check_void(payment=_on_record(payment), today=business_day, username=cashier.username, name=cashier.name)
        refund = refund_payment(
            channel=PaymentChannel.COUNTER.value, channel_txn_id=receipt_no,
            channel_refund_id=void_refund_id(receipt_no), amount_fen=payment.amount_fen,
            kind=RefundKind.REVERSAL.value, reason=f"柜台作废：{reason}", at=at, business_day=business_day,
        )
        CounterReceipt.objects.filter(id=receipt.id).update(
            void_refund_id=refund.refund_id, voided_at=at, voided_by=cashier.actor[:100],
            void_authorised_by=authorised_by[:100], void_reason=reason,
        )
        AuditRecord.objects.create(
            at=at, actor=cashier.actor[:100], action="payment.counter_void", target=f"payment:{payment.id}",
            old={"voided": False},
            new={"voided": True, "receipt_no": receipt_no, "amount_fen": payment.amount_fen,
                 "authorised_by": authorised_by, "refund_id": refund.refund_id},
            note=reason,
        )
        return _result(CounterReceipt.objects.get(id=receipt.id), replayed=False, deliver_pdf=deliver_pdf)


def voidable_receipts(*, account_no: str, today: date, username: str, name: str) -> set[str]:
    """Which of the account's counter receipts this cashier could void now (the console offers those; the void
    checks again)."""
    rows = Payment.objects.filter(
        account__account_no=account_no, channel=PaymentChannel.COUNTER.value, business_day=today,
        counter_receipt__isnull=False, counter_receipt__voided_at__isnull=True,
    ).select_related("counter_receipt")
    found = set()
    for payment in rows:
        try:
            check_void(payment=_on_record(payment), today=today, username=username, name=name)
        except VoidRefused:
            continue
        found.add(payment.channel_txn_id)
    return found


def _counter_payment(receipt_no: str) -> Payment:
    payment = (
        Payment.objects.select_related("counter_receipt")
        .filter(channel=PaymentChannel.COUNTER.value, channel_txn_id=receipt_no, counter_receipt__isnull=False)
        .first()
    )
    if payment is not None:
        return payment
    other = Payment.objects.filter(channel_txn_id=receipt_no).exclude(channel=PaymentChannel.COUNTER.value).first()
    if other is not None:
        raise VoidRefused(
            gettext_noop("{receipt_no} 是{channel}的交费，不是柜台收费：只有柜台收费可以作废，其他渠道请按退款办理"),
            field="receipt_no", params={"receipt_no": receipt_no, "channel": channel_label(other.channel)},
        )
    raise NotFound(gettext_noop("没有柜台收据 {receipt_no}"), field="receipt_no", params={"receipt_no": receipt_no})


def _on_record(payment: Payment) -> CounterPaymentOnRecord:
    receipt = payment.counter_receipt
    paid_bills = BillPayment.objects.filter(payment_id=payment.id).aggregate(
        total=Sum("principal_fen") + Sum("late_fee_fen"))["total"]
    return CounterPaymentOnRecord(
        business_day=payment.business_day, taken_by=receipt.taken_by, cashier=receipt.cashier,
        refunded_fen=refunded_fen(payment_id=payment.id), paid_bills_fen=paid_bills or 0,
    )


def _result(receipt: CounterReceipt, *, replayed: bool, deliver_pdf: DeliverPdf | None) -> VoidResult:
    payment = Payment.objects.select_related("account").get(id=receipt.payment_id)
    assert receipt.voided_at is not None and receipt.void_refund_id is not None  # voided
    refund = PaymentRefund.objects.select_related("transfer").get(id=receipt.void_refund_id)
    if deliver_pdf is not None:
        print_receipt(receipt_no=payment.channel_txn_id, deliver_pdf=deliver_pdf)
    return VoidResult(
        receipt_no=payment.channel_txn_id, account_no=payment.account.account_no, amount_fen=refund.amount_fen,
        voided_at=receipt.voided_at, voided_by=receipt.voided_by, authorised_by=receipt.void_authorised_by,
        reason=receipt.void_reason, available_balance_fen=refund.transfer.debit_balance_after_fen,
        replayed=replayed,
    )
