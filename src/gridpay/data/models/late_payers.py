"""Collection records of seeds 000 and 003: the chronic late payers' file, the monthly payment reminders households
ask for, the credit report lists (征信) and the public arrears notices (欠费公示) with their approved figures."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_noop

from gridpay.data.models.accounts import Account
from gridpay.data.models.places import Village
from gridpay.domain.chronic_payers import ContactRelation, ReminderMethod


class ChronicPayer(models.Model):
    """One account's entry in the file. The rebuild writes the figures; the staff's columns (method, contact, own due
    day, note) are theirs and the rebuild never touches them, also while the account is out of the file."""

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="chronic_entry")
    # Meets the criteria at the last rebuild (在档); an entry that no longer does stays, with its notes, not current.
    current = models.BooleanField("在档", default=True)
    late_months = models.JSONField("延时交费月份", default=list)  # ["2026-01", …]
    disconnections = models.PositiveSmallIntegerField("欠费停电次数", default=0)
    reason = models.CharField("入档原因", max_length=200, blank=True)
    first_listed_on = models.DateField("首次入档")
    listed_on = models.DateField("本次入档")
    left_on = models.DateField("出档日期", null=True, blank=True)
    built_on = models.DateField("最近更新")

    method = models.CharField("提醒方式", max_length=12, choices=[(m.value, m.label) for m in ReminderMethod],
                              default=ReminderMethod.CALL.value)
    contact_name = models.CharField("代收提醒人", max_length=50, blank=True)
    contact_phone = models.CharField("代收提醒人手机", max_length=30, blank=True)
    contact_relation = models.CharField("关系", max_length=10, blank=True,
                                        choices=[(r.value, r.label) for r in ContactRelation])
    # A prepaid household's own due day of the month (empty: GRIDPAY_CHRONIC_PREPAID_DUE_DAY).
    due_day = models.PositiveSmallIntegerField("每月交费日", null=True, blank=True)
    note = models.CharField("备注", max_length=500, blank=True)
    updated_by = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "长期延时交费档案"
        constraints = [
            models.CheckConstraint(
                condition=~Q(method=ReminderMethod.SMS_CONTACT.value) | (~Q(contact_name="") & ~Q(contact_phone="")),
                name="chronic_sms_contact_named",
            ),
            models.CheckConstraint(condition=Q(due_day__isnull=True) | Q(due_day__gte=1, due_day__lte=28),
                                   name="chronic_due_day_in_month"),
        ]
        indexes = [models.Index(fields=["current", "account"], name="chronic_current")]


class PaymentReminder(models.Model):
    """每月交费温馨提示 (seed 003): a household asked for an SMS on a day of every month, sent once a month."""

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="payment_reminder")
    day_of_month = models.PositiveSmallIntegerField("每月提醒日")
    phone = models.CharField("手机号", max_length=30, blank=True)  # empty: the account's own SMS phones
    active = models.BooleanField("开启", default=True)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "每月交费提醒"
        constraints = [
            models.CheckConstraint(condition=Q(day_of_month__gte=1, day_of_month__lte=28),
                                   name="payment_reminder_day_in_month"),
        ]


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", gettext_noop("草稿")
    APPROVED = "approved", gettext_noop("已批准")


class CreditReport(models.Model):
    """A list of accounts in persistent arrears to report to the credit system (征信), as drafted and approved."""

    as_of = models.DateField("截至日期")
    min_days = models.PositiveIntegerField("欠费天数下限")
    min_fen = models.BigIntegerField("欠费金额下限（分）")
    status = models.CharField("状态", max_length=10, choices=PublicationStatus.choices,
                              default=PublicationStatus.DRAFT)
    accounts = models.PositiveIntegerField("户数")
    total_fen = models.BigIntegerField("欠费合计（分）")
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    approved_by = models.CharField(max_length=100, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    exported_by = models.CharField(max_length=100, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "征信报送名单"
        constraints = [
            models.CheckConstraint(condition=Q(status="draft") | (Q(approved_at__isnull=False) & ~Q(approved_by="")),
                                   name="credit_report_approved_by_someone"),
            models.CheckConstraint(condition=Q(exported_at__isnull=True) | Q(status="approved"),
                                   name="credit_report_exported_when_approved"),
        ]


class CreditReportLine(models.Model):
    report = models.ForeignKey(CreditReport, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    account_no = models.CharField("户号", max_length=20)
    customer_name = models.CharField("户名", max_length=100)
    village = models.CharField("村/社区", max_length=50, blank=True)
    owed_fen = models.BigIntegerField("欠费（分）")
    since = models.DateField("欠费起始日")
    days = models.PositiveIntegerField("欠费天数")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "account"], name="credit_report_line_once")]


class ArrearsNotice(models.Model):
    """A village's public arrears notice (欠费公示): drafted with its figures, approved by the station head, and only
    then printed — from the figures approved, never worked out again."""

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="arrears_notices")
    as_of = models.DateField("截至日期")
    min_days = models.PositiveIntegerField("欠费天数下限")
    status = models.CharField("状态", max_length=10, choices=PublicationStatus.choices,
                              default=PublicationStatus.DRAFT)
    accounts = models.PositiveIntegerField("户数")
    total_fen = models.BigIntegerField("欠费合计（分）")
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    approved_by = models.CharField(max_length=100, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    printed = models.PositiveIntegerField("打印次数", default=0)

    class Meta:
        verbose_name = "欠费公示"
        constraints = [
            models.UniqueConstraint(fields=["village", "as_of"], name="arrears_notice_one_a_day"),
            models.CheckConstraint(condition=Q(status="draft") | (Q(approved_at__isnull=False) & ~Q(approved_by="")),
                                   name="arrears_notice_approved_by_someone"),
            models.CheckConstraint(condition=Q(printed=0) | Q(status="approved"),
                                   name="arrears_notice_printed_when_approved"),
        ]


class ArrearsNoticeLine(models.Model):
    notice = models.ForeignKey(ArrearsNotice, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    masked_name = models.CharField("户名（脱敏）", max_length=100)
    masked_account_no = models.CharField("户号（脱敏）", max_length=20)
    owed_fen = models.BigIntegerField("欠费（分）")
    since = models.DateField("欠费起始日")
    days = models.PositiveIntegerField("欠费天数")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "account"], name="arrears_notice_line_once"),
            models.CheckConstraint(condition=Q(owed_fen__gt=0), name="arrears_notice_line_owes"),
        ]
