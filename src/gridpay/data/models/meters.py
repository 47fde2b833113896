"""Meters with their install and removal readings, and daily frozen readings with the energy they imply."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_noop

from gridpay.data.models.accounts import Account
from gridpay.domain.daily_reads import GapReason, ReadStatus
from gridpay.domain.gateway_shares import KEY_DIGITS
from gridpay.domain.meter_models import RelayKind


class MeterModel(models.Model):
    """A kind of meter (domain.meter_models): how it is reconnected, what its registers carry, how far back it keeps."""

    code = models.CharField("型号", max_length=40, unique=True)
    name = models.CharField("名称", max_length=120)
    relay = models.CharField("继电器", max_length=10, choices=[(r.value, r.label) for r in RelayKind])
    direct_close = models.BooleanField("支持直接合闸（1C）")
    password_level = models.PositiveSmallIntegerField("控制密码权限")
    rates = models.PositiveSmallIntegerField("费率数")
    freeze_depth = models.PositiveSmallIntegerField("日冻结存储天数")

    class Meta:
        verbose_name = "表计型号"

    def __str__(self) -> str:
        return self.code


class Meter(models.Model):
    class Registers(models.TextChoices):
        TOTAL = "total", gettext_noop("总")
        TOU = "tou", gettext_noop("总+尖峰平谷")

    meter_no = models.CharField("表号", max_length=32, unique=True)
    dlt645_address = models.CharField("通信地址", max_length=12, unique=True)
    registers = models.CharField(max_length=8, choices=Registers.choices, default=Registers.TOTAL)
    register_digits = models.PositiveSmallIntegerField(default=6)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="meters")
    model = models.ForeignKey(MeterModel, null=True, blank=True, on_delete=models.PROTECT, related_name="meters",
                              verbose_name="型号")
    installed_on = models.DateField()
    start_total_kwh = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    start_sharp_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    start_peak_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    start_flat_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    start_valley_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    removed_on = models.DateField(null=True, blank=True)
    final_total_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    final_sharp_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    final_peak_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    final_flat_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    final_valley_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # What gridpay wants the relay to be, and what the meter last said it is (the truth): a
    # difference with no command under way is drift, reconciled by a new command.
    relay_open_desired = models.BooleanField("应断开", default=False, db_default=False)
    relay_open_reported = models.BooleanField("已断开（表计回读）", null=True, blank=True)
    relay_reported_at = models.DateTimeField("回读时间", null=True, blank=True)
    # A relay command's outcome became unknown at this instant (timed out, answered late or unmatched, escalated):
    # the relay may be anywhere, whatever was last reported, until the next read-back (issue 20). None: known.
    relay_unknown_since = models.DateTimeField("继电器状态待核实", null=True, blank=True)

    class Meta:
        verbose_name = "电能表"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(removed_on__isnull=True) | models.Q(final_total_kwh__isnull=False),
                name="meter_removed_has_final_reading",
            )
        ]
        # Settlement leaves out the readings of removed meters: the few removed ones of a batch's accounts, found
        # here, instead of a look-up of every reading's meter (ADR 0039).
        indexes = [
            models.Index(fields=["account"], condition=models.Q(removed_on__isnull=False), name="meter_removed"),
        ]

    def __str__(self) -> str:
        return self.meter_no


class Reading(models.Model):
    """A daily frozen reading; ``energy_*`` is the day's use, known once the day before is known."""

    # Indexed by the unique (meter, reading_date) key.
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="readings", db_index=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="readings")
    reading_date = models.DateField()
    total_kwh = models.DecimalField(max_digits=12, decimal_places=2)
    sharp_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    peak_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    flat_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    valley_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    energy_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    energy_sharp_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    energy_peak_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    energy_flat_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    energy_valley_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = "日冻结读数"
        constraints = [
            models.UniqueConstraint(fields=["meter", "reading_date"], name="reading_unique"),
        ]
        indexes = [models.Index(fields=["reading_date", "account"], name="reading_day_account")]


class DailyRead(models.Model):
    """A day the head-end collects from a meter: wanted, read, or a gap with its reason (domain.daily_reads)."""

    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="daily_reads", db_index=False)
    reading_date = models.DateField("读数日期")
    status = models.CharField("状态", max_length=8)
    gap_reason = models.CharField("缺数原因", max_length=16, blank=True, default="")
    attempts = models.PositiveSmallIntegerField("今日召测次数", default=0)
    next_attempt_at = models.DateTimeField("下次召测", null=True, blank=True)
    asked_at = models.DateTimeField("最近召测", null=True, blank=True)
    updated_at = models.DateTimeField()
    # Its meter's (domain.gateway_shares.share_key), kept here so that a gateway's claim selects its own reads off
    # the index below instead of joining each due read to its meter (ADR 0041).
    share_key = models.CharField("分担键", max_length=KEY_DIGITS)

    class Meta:
        verbose_name = "日冻结召测"
        constraints = [models.UniqueConstraint(fields=["meter", "reading_date"], name="daily_read_once")]
        indexes = [
            # In the claim's order (share key, then next_attempt_at and id): a claim reads its wave off the index and
            # stops, its share keys first in the index so that PostgreSQL (before 17) keeps the order with a list of
            # them (ADR 0038, ADR 0041).
            models.Index(fields=["share_key", "next_attempt_at", "id"], name="daily_read_due",
                         condition=Q(status=ReadStatus.WANTED.value)),
            # The silent days a new round asks again for (plan_daily_reads), without a scan of every day ever read.
            models.Index(fields=["reading_date"], name="daily_read_silent",
                         condition=Q(status=ReadStatus.GAP.value, gap_reason=GapReason.SILENT.value)),
        ]


class FreezeStamp(models.Model):
    """The day the nth last freeze of a meter holds, as read on ``seen_on`` (a new freeze renumbers them)."""

    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="+", db_index=False)
    seen_on = models.DateField()
    nth = models.PositiveSmallIntegerField()
    reading_date = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meter", "seen_on", "nth"], name="freeze_stamp_once")]
