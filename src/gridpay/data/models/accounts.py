"""Customers, their electricity accounts (户号) and the contacts who receive an account's SMS."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_noop

from gridpay.data.models.ledger import LedgerAccount
from gridpay.data.models.places import Village
from gridpay.data.models.tariffs import Tariff
from gridpay.domain import supply_policy as domain
from gridpay.domain.late_fees import CustomerCategory


class AccountMode(models.TextChoices):
    PREPAID = "prepaid", gettext_noop("智能交费")
    POSTPAID = "postpaid", gettext_noop("后付费")


class AccountStatus(models.TextChoices):
    ACTIVE = "active", gettext_noop("正常")
    CLOSED = "closed", gettext_noop("销户")


class Customer(models.Model):
    name = models.CharField("客户名称", max_length=100)
    phone = models.CharField("电话", max_length=30, blank=True)

    class Meta:
        verbose_name = "客户"

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    account_no = models.CharField("户号", max_length=20, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="accounts")
    mode = models.CharField("交费方式", max_length=10, choices=AccountMode.choices)
    status = models.CharField(max_length=10, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    supply_state = models.CharField(
        "供电状态", max_length=14, choices=[(s.value, s.label) for s in domain.SupplyState],
        default=domain.SupplyState.CONNECTED.value,
    )
    protected = models.BooleanField("保电", default=False)
    protected_reason = models.CharField("保电原因", max_length=100, blank=True)
    village = models.ForeignKey(Village, null=True, blank=True, on_delete=models.PROTECT)
    transformer_area = models.CharField("台区", max_length=50, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    # Where the household is (WGS-84): the 10-minute payment circle is measured from here.
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT)
    time_of_use = models.BooleanField("峰谷电价", default=False)
    # First day settled daily; usage before it stays postpaid (RULES §1).
    prepaid_since = models.DateField("智能交费起始日", null=True, blank=True)
    # kWh of the tier period already billed postpaid before prepaid_since: they count toward the tiers.
    opening_period_used_kwh = models.DecimalField(
        "起始日前本阶梯周期已用电量", max_digits=12, decimal_places=2, default=Decimal(0)
    )
    ledger_account = models.OneToOneField(LedgerAccount, on_delete=models.PROTECT)
    # Postpaid bills and their late fees owed (应收电费): made with the account's first bill.
    receivable_account = models.OneToOneField(
        LedgerAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="receivable_of"
    )
    # Late-fee rates and the notice periods of the arrears procedure differ for residential customers (RULES §10).
    category = models.CharField(
        "用户类别", max_length=12, choices=[(c.value, c.label) for c in CustomerCategory],
        default=CustomerCategory.RESIDENTIAL.value, db_default=CustomerCategory.RESIDENTIAL.value,
    )
    # 重要用户: a disconnection for arrears is approved by the company and filed with the authority.
    important = models.BooleanField("重要用户", default=False, db_default=False)
    # When the available balance last went below zero; cleared when it is back to zero or more.
    arrears_since = models.DateTimeField("欠费时间", null=True, blank=True)
    # The balance alerts that fired since the last top-up (comma-separated AlertKind values).
    alerts_fired = models.CharField("已发提醒", max_length=100, blank=True, default="", db_default="")
    # The first low-balance amount the customer chose in the portal; empty: the station's policy.
    alert_first_fen = models.PositiveIntegerField("余额提醒金额（客户自设，分）", null=True, blank=True)

    class Meta:
        verbose_name = "用电户"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(protected=False) | ~models.Q(protected_reason=""),
                name="account_protected_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(mode="prepaid") | models.Q(prepaid_since__isnull=False),
                name="account_prepaid_has_start",
            ),
        ]

    def __str__(self) -> str:
        return self.account_no


class Contact(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", gettext_noop("户主")
        TENANT = "tenant", gettext_noop("租户")
        OTHER = "other", gettext_noop("其他")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=100)
    phone = models.CharField(max_length=30)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.OWNER)
    receives_sms = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "phone"], name="contact_unique")]
