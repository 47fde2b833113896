"""The double-entry ledger: accounts with a cached balance, and immutable transfers between them."""

from django.db import models

from gridpay.domain.ledger import LedgerAccountKind, TransferKind


class LedgerAccount(models.Model):
    code = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=[(k.value, k.value) for k in LedgerAccountKind])
    # Credits minus debits, updated in the transaction that posts each transfer.
    balance_fen = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "分类账户"

    def __str__(self) -> str:
        return self.code


class Transfer(models.Model):
    """Immutable: a trigger refuses UPDATE and DELETE. A correction is a new transfer."""

    # Indexed with the id (Meta), not alone: an account's transfers in posting order, for its latest one at or above
    # zero (the history reports' "in arrears since", ADR 0024) without reading every later transfer of the ledger.
    # Not database foreign keys (ADR 0032): the one writer (data.ledger.post) moves both balances by id first, in the
    # same transaction, and refuses a posting to an account that is not there.
    debit = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="+", db_index=False,
                              db_constraint=False)
    credit = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="+", db_index=False,
                               db_constraint=False)
    amount_fen = models.BigIntegerField()
    kind = models.CharField(max_length=24, choices=[(k.value, k.value) for k in TransferKind])
    business_day = models.DateField()
    created_at = models.DateTimeField()
    # The two accounts' balances right after this transfer, recorded when it was posted, under their balance
    # rows' locks (data.ledger.post): what a receipt, a replay or a statement shows, never worked out again.
    debit_balance_after_fen = models.BigIntegerField()
    credit_balance_after_fen = models.BigIntegerField()

    class Meta:
        verbose_name = "转账"
        indexes = [
            models.Index(fields=["debit", "id"], name="transfer_debit_in_order"),
            models.Index(fields=["credit", "id"], name="transfer_credit_in_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(
                condition=~models.Q(debit=models.F("credit")), name="transfer_debit_not_credit"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in TransferKind]), name="transfer_kind_known"
            ),
        ]
