"""Temporary supply's reads: whether its supply is withheld from reconnection, and what it paid, used and got back."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum

from gridpay.data.models import Payment, PaymentRefund, Settlement, TemporarySupply, Transfer
from gridpay.domain.ledger import TransferKind
from gridpay.domain.temporary_supply import TemporaryStage


def supply_withheld(account_id: int) -> bool:
    """A temporary account that no payment (nor a supervisor's reconnect-now) may reconnect: registered and not yet
    connected (its prepaid estimate alone connects it), or disconnected when its term ran out."""
    return TemporarySupply.objects.filter(
        Q(stage=TemporaryStage.REGISTERED.value)
        | Q(stage=TemporaryStage.CONNECTED.value, expired_at__isnull=False),
        account_id=account_id,
    ).exists()


@dataclass(frozen=True)
class MoneyOfAccount:
    paid_fen: int  # payments, less what went back to their channels (a refund the channel closed counts as paid)
    used_fen: int  # the daily settlements and the monthly bills' adjustments
    used_kwh: Decimal


def money_of_account(*, account_id: int, ledger_account_id: int) -> MoneyOfAccount:
    """From the payment and settlement records (not from the balance), so that paid − used − refunded can be checked
    against the ledger."""
    paid = Payment.objects.filter(account_id=account_id).aggregate(s=Sum("amount_fen"))["s"] or 0
    refunds = PaymentRefund.objects.filter(payment__account_id=account_id)
    refunded = refunds.aggregate(s=Sum("amount_fen"))["s"] or 0
    given_back = refunds.filter(closed_transfer__isnull=False).aggregate(s=Sum("amount_fen"))["s"] or 0
    settled = Settlement.objects.filter(account_id=account_id).aggregate(fen=Sum("charge_fen"), kwh=Sum("energy_kwh"))
    adjustments = Transfer.objects.filter(kind=TransferKind.BILL_ADJUSTMENT.value).filter(
        Q(debit_id=ledger_account_id) | Q(credit_id=ledger_account_id)
    ).values_list("debit_id", "amount_fen")
    adjusted = sum(amount if debit == ledger_account_id else -amount for debit, amount in adjustments)
    return MoneyOfAccount(
        paid_fen=paid - refunded + given_back,
        used_fen=(settled["fen"] or 0) + adjusted,
        used_kwh=Decimal(settled["kwh"] or 0).quantize(Decimal("0.01")),
    )
