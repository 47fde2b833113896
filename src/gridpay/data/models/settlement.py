"""Daily settlements, the failures of a settlement run per account, and official monthly bills."""

from django.db import models

from gridpay.data.models.accounts import Account
from gridpay.data.models.ledger import Transfer
from gridpay.data.models.tariffs import TariffVersion


class Settlement(models.Model):
    """The charge of one account's day; its ledger transfer is the settlement transfer debiting the
    account's ledger account on that business day (none when the charge is zero)."""

    # Indexed by the unique (account, day) key; a second index would only slow the daily bulk insert. Not a database
    # foreign key (ADR 0032): the run reads the account in the same transaction, and accounts are never deleted.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="settlements", db_index=False,
                                db_constraint=False)
    day = models.DateField()
    energy_kwh = models.DecimalField(max_digits=12, decimal_places=2)
    charge_fen = models.BigIntegerField()
    # Not a database foreign key: checking it would cost the daily run a lookup per account, and
    # tariff versions are reference data that is never deleted (PROTECT still guards the ORM).
    tariff_version = models.ForeignKey(TariffVersion, on_delete=models.PROTECT, db_index=False, db_constraint=False)
    # Where the account stands in its tier period after this day (domain PeriodToDate).
    period_start = models.DateField()
    period_used_kwh = models.DecimalField(max_digits=14, decimal_places=2)
    period_amount_micro_yuan = models.BigIntegerField()
    settled_at = models.DateTimeField()

    class Meta:
        verbose_name = "日结算"
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="settlement_once_per_day"),
            models.CheckConstraint(
                condition=models.Q(charge_fen__gte=0), name="settlement_charge_not_negative"
            ),
        ]


class SettlementFailure(models.Model):
    """Why an account's day could not be settled at the last attempt; removed once it settles."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=300)
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="settlement_failure_unique")]


class MonthlyBill(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="bills")
    month = models.DateField()  # first day of the month
    energy_kwh = models.DecimalField(max_digits=12, decimal_places=2)
    amount_fen = models.BigIntegerField()
    daily_charges_fen = models.BigIntegerField()
    adjustment_fen = models.BigIntegerField()
    # No database foreign key: transfers are partitioned by month, keyed (id, business_day) there (ADR 0033);
    # written by the ledger's one writer in the posting's transaction, and never deleted.
    adjustment = models.OneToOneField(Transfer, null=True, on_delete=models.PROTECT, db_constraint=False,
                                      related_name="+")
    issued_at = models.DateTimeField()

    class Meta:
        verbose_name = "月度电费"
        constraints = [models.UniqueConstraint(fields=["account", "month"], name="bill_once_per_month")]
