"""Reconciliation runs (对账) of a channel's statement for a day, and the differences they found."""

from django.db import models
from django.utils.translation import gettext_noop


class Reconciliation(models.Model):
    channel = models.CharField(max_length=20)
    day = models.DateField("对账日期")
    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    lines = models.PositiveIntegerField()
    matched = models.PositiveIntegerField()
    statement_payments_fen = models.BigIntegerField()
    statement_refunds_fen = models.BigIntegerField()
    our_payments_fen = models.BigIntegerField()
    our_refunds_fen = models.BigIntegerField()
    differences = models.PositiveIntegerField()
    run_at = models.DateTimeField()
    run_by = models.CharField(max_length=100)

    class Meta:
        verbose_name = "对账"
        constraints = [
            # The same file again is the same reconciliation: its differences are not listed twice.
            models.UniqueConstraint(fields=["channel", "day", "file_sha256"], name="reconciliation_once_per_file")
        ]


class DifferenceStatus(models.TextChoices):
    OPEN = "open", gettext_noop("待处理")
    RESOLVED = "resolved", gettext_noop("已处理")


class ReconciliationDifference(models.Model):
    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.PROTECT, related_name="difference_rows")
    kind = models.CharField(max_length=20)
    line_kind = models.CharField(max_length=10)  # payment or refund
    channel_txn_id = models.CharField(max_length=64)
    refund_id = models.CharField(max_length=64, blank=True)
    statement_amount_fen = models.BigIntegerField(null=True)
    our_amount_fen = models.BigIntegerField(null=True)
    statement_account_no = models.CharField(max_length=20, blank=True)
    our_account_no = models.CharField(max_length=20, blank=True)
    line_no = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=DifferenceStatus.choices, default=DifferenceStatus.OPEN)
    resolution = models.CharField(max_length=10, blank=True)
    moved_fen = models.BigIntegerField(null=True)
    resolved_by = models.CharField(max_length=100, blank=True)
    resolved_at = models.DateTimeField(null=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "对账差异"
        indexes = [models.Index(fields=["status"], name="difference_status")]
