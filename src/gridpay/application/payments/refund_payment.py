"""Refunds or reverses (part of) a recorded payment: a new transfer back to the channel, exactly once per refund id;
and what the channel later reports of such a refund (made, abnormal, closed), recorded once."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction

from gridpay.application.errors import NotFound
from gridpay.data import ledger as ledger_store
from gridpay.data.models import ChannelOrder, Payment, PaymentRefund
from gridpay.data.queries.ledger import refunded_fen
from gridpay.domain.channel_refunds import (
    RefundOnRecord,
    RefundOutcome,
    RefundReport,
    RefundStatus,
    judge_refund_report,
    refund_status,
)
from gridpay.domain.ledger import LedgerAccountKind, Transfer, TransferKind
from gridpay.domain.payments import (
    InvalidPayment,
    RecordedRefund,
    RefundKind,
    check_refund,
    check_refund_repeat,
    parse_channel,
)
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class RefundResult:
    refund_id: int
    account_no: str
    amount_fen: int
    replayed: bool  # the same refund id was recorded before: nothing moved this time
    available_balance_fen: int  # 可用余额 right after the refund (for a replay too: the first result)
    channel_status: str = ""  # what the channel said of it (RefundStatus), "" for a reversal


@dataclass(frozen=True)
class RefundSettlement:
    """What a channel's refund result did: the refund's state now, and what moved (only a closed refund moves)."""

    refund_id: int
    account_no: str
    status: RefundStatus
    moved_fen: int
    replayed: bool  # the same result was recorded before: nothing new


def refund_payment(
    *,
    channel: str,
    channel_txn_id: str,
    channel_refund_id: str,
    amount_fen: int,
    kind: str,
    reason: str,
    at: datetime,
    business_day: date,
    channel_status: str = "",
) -> RefundResult:
    """Takes ``amount_fen`` of the payment (channel, channel_txn_id) back off the account.

    ``channel_status`` is what the channel answered when asked (a RefundStatus); the money leaves the account
    then, whatever it answered, so a refund still processing cannot be spent meanwhile.

    The payment's row is locked, so concurrent refunds of one payment take turns and together never
    exceed it. The account may go below zero: the next settlement's alerts and the disconnection run
    treat it like any other arrears.
    """
    known = parse_channel(channel)
    try:
        refund_kind = RefundKind(kind)
    except ValueError:
        raise InvalidPayment(gettext_noop("退款类型应为 refund（退款）或 reversal（冲正）：{kind!r}"), field="kind",
                             params={"kind": kind}) from None
    refund_id = channel_refund_id.strip()
    if not refund_id:
        raise InvalidPayment(gettext_noop("退款单号不能为空"), field="channel_refund_id")
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .select_related("account")
            .filter(channel=known.value, channel_txn_id=channel_txn_id.strip())
            .first()
        )
        if payment is None:
            raise NotFound(gettext_noop("没有 {channel} 流水号 {channel_txn_id} 的交费"), field="channel_txn_id",
                           params={"channel": known.label, "channel_txn_id": channel_txn_id})
        earlier = _recorded_refund(channel=known.value, refund_id=refund_id)
        if earlier is not None:
            return _replay(earlier, payment, amount_fen=amount_fen, kind=refund_kind)
        check_refund(paid_fen=payment.amount_fen, refunded_fen=refunded_fen(payment_id=payment.id),
                     amount_fen=amount_fen)
        clearing = ledger_store.system_account(ledger_store.clearing_code(known.value), LedgerAccountKind.CLEARING)
        customer = payment.account.ledger_account_id
        try:
            with transaction.atomic():
                (transfer,) = ledger_store.post(
                    [Transfer(debit=customer, credit=clearing.id, amount_fen=amount_fen, kind=TransferKind.REFUND)],
                    business_day=business_day,
                    at=at,
                )
                row = PaymentRefund.objects.create(
                    payment=payment, kind=refund_kind.value, channel=known.value, channel_refund_id=refund_id,
                    amount_fen=amount_fen, reason=reason[:200], refunded_at=at, business_day=business_day,
                    transfer=transfer, channel_status=refund_status(channel_status).value if channel_status else "",
                )
        except IntegrityError:
            # The same refund id committed by a concurrent request on another payment's lock.
            earlier = _recorded_refund(channel=known.value, refund_id=refund_id)
            if earlier is None:
                raise
            return _replay(earlier, payment, amount_fen=amount_fen, kind=refund_kind)
        return RefundResult(
            refund_id=row.id, account_no=payment.account.account_no, amount_fen=amount_fen, replayed=False,
            available_balance_fen=transfer.debit_balance_after_fen, channel_status=row.channel_status,
        )


def settle_channel_refund(*, report: RefundReport, at: datetime, business_day: date) -> RefundSettlement:
    """Records a verified refund result of the channel against the refund we asked it for, once.

    Under the payment's lock (the one every refund of it takes), so a result and a refund of the same payment,
    or two deliveries of one result, take turns. NotificationRefused (nothing written) when the result is not
    for our refund, differs from it, or contradicts a final result recorded before."""
    channel = report.channel.value
    with transaction.atomic():
        found = PaymentRefund.objects.filter(channel=channel, channel_refund_id=report.refund_no).first()
        payment = None
        if found is not None:
            payment = Payment.objects.select_for_update().select_related("account").get(id=found.payment_id)
            found = PaymentRefund.objects.get(id=found.id)  # as it stands now that the payment is ours
        recorded = None
        if found is not None and payment is not None:
            order_no = ChannelOrder.objects.filter(payment_id=payment.id).values_list("order_no", flat=True).first()
            recorded = RefundOnRecord(
                refund_no=found.channel_refund_id, kind=found.kind, channel_txn_id=payment.channel_txn_id,
                order_no=order_no or "", amount_fen=found.amount_fen, paid_fen=payment.amount_fen,
                status=refund_status(found.channel_status),
            )
        outcome = judge_refund_report(report=report, recorded=recorded)
        assert found is not None and payment is not None  # judged: the refund is ours
        result = RefundSettlement(
            refund_id=found.id, account_no=payment.account.account_no, status=refund_status(found.channel_status),
            moved_fen=0, replayed=True,
        )
        if outcome is RefundOutcome.REPLAY:
            return result
        changes: dict[str, object] = {
            "channel_status": report.status.value,
            "received_by": report.received_by[:64] or found.received_by,
        }
        if report.status is not RefundStatus.ABNORMAL:
            changes["channel_settled_at"] = report.settled_at or at
        if outcome is RefundOutcome.GIVE_BACK:
            clearing = ledger_store.system_account(ledger_store.clearing_code(channel), LedgerAccountKind.CLEARING)
            (transfer,) = ledger_store.post(
                [Transfer(debit=clearing.id, credit=payment.account.ledger_account_id, amount_fen=found.amount_fen,
                          kind=TransferKind.REFUND_CLOSED)],
                business_day=business_day,
                at=at,
            )
            changes["closed_transfer"] = transfer
        PaymentRefund.objects.filter(id=found.id).update(**changes)
        moved = found.amount_fen if outcome is RefundOutcome.GIVE_BACK else 0
        return RefundSettlement(refund_id=found.id, account_no=result.account_no, status=report.status,
                                moved_fen=moved, replayed=False)


def _replay(earlier: PaymentRefund, payment: Payment, *, amount_fen: int, kind: RefundKind) -> RefundResult:
    check_refund_repeat(
        channel_txn_id=payment.channel_txn_id, amount_fen=amount_fen, kind=kind.value,
        recorded=RecordedRefund(
            channel_txn_id=earlier.payment.channel_txn_id, amount_fen=earlier.amount_fen, kind=earlier.kind
        ),
    )
    return RefundResult(
        refund_id=earlier.id, account_no=payment.account.account_no, amount_fen=earlier.amount_fen, replayed=True,
        available_balance_fen=earlier.transfer.debit_balance_after_fen, channel_status=earlier.channel_status,
    )


def _recorded_refund(*, channel: str, refund_id: str) -> PaymentRefund | None:
    return PaymentRefund.objects.filter(channel=channel, channel_refund_id=refund_id).select_related(
        "payment", "transfer"
    ).first()
