"""Temporary supply's reads: whether its supply is withheld from reconnection, and what it paid, used and got back."""

from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from django.db.models import Q, Sum

from gridpay.data.history_archive import TRANSFERS, archived
from gridpay.data.models import Payment, PaymentRefund, TemporarySupply, Transfer
from gridpay.data.queries.accounts import settled_days
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
    settled = settled_days(account_id=account_id)
    adjustments = list(Transfer.objects.filter(kind=TransferKind.BILL_ADJUSTMENT.value).filter(
        Q(debit_id=ledger_account_id) | Q(credit_id=ledger_account_id)
    ).values_list("debit_id", "amount_fen"))
    if (old := archived(TRANSFERS)) is not None:  # a supply that outlasted the months kept in the database
        adjustments += old.filter(pl.col("kind") == TransferKind.BILL_ADJUSTMENT.value,
                                  (pl.col("debit_id") == ledger_account_id) | (pl.col("credit_id") == ledger_account_id)
                                  ).select("debit_id", "amount_fen").collect().rows()
    adjusted = sum(amount if debit == ledger_account_id else -amount for debit, amount in adjustments)
    return MoneyOfAccount(
        paid_fen=paid - refunded + given_back,
        used_fen=sum(fen for _, _, fen in settled) + adjusted,
        used_kwh=sum((kwh for _, kwh, _ in settled), Decimal(0)).quantize(Decimal("0.01")),
    )
