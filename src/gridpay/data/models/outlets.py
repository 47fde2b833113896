"""Payment outlets (the 10-minute payment circle) and the agents who collect there, with what they collected."""

from django.db import models
from django.utils.translation import gettext_noop

from gridpay.data.models.payments import Payment
from gridpay.data.models.places import Village


class OutletKind(models.TextChoices):
    SERVICE_HALL = "service_hall", gettext_noop("供电营业厅")
    POST_OFFICE = "post_office", gettext_noop("邮政网点")
    BANK = "bank", gettext_noop("银行网点")
    SHOP = "shop", gettext_noop("便民超市/小卖部")
    KIOSK = "kiosk", gettext_noop("自助交费终端")
    VILLAGE_SERVICE = "village_service", gettext_noop("村便民服务点")


class Outlet(models.Model):
    code = models.CharField("网点编号", max_length=20, unique=True)
    name = models.CharField("网点名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=OutletKind.choices)
    village = models.ForeignKey(Village, null=True, blank=True, on_delete=models.PROTECT)
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6)
    hours = models.CharField("营业时间", max_length=50, default="08:00-18:00")  # e.g. "08:00-20:00" or "24h"
    channels = models.JSONField("可用交费方式", default=list)  # payment channel codes
    active = models.BooleanField("营业中", default=True)

    class Meta:
        verbose_name = "交费网点"

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    code = models.CharField("代收方编号", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100)
    outlet = models.ForeignKey(Outlet, null=True, blank=True, on_delete=models.PROTECT)
    # The HMAC key the agent signs with: both sides must hold it, so it is stored, and shown once when issued.
    secret = models.CharField(max_length=64)
    float_limit_fen = models.BigIntegerField("代收额度（分）")
    commission_per_payment_fen = models.BigIntegerField("每笔手续费（分）", default=0)
    commission_rate_bp = models.PositiveIntegerField("手续费率（万分之）", default=0)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "代收方"

    def __str__(self) -> str:
        return self.name


class AgentNonce(models.Model):
    """Nonces an agent has used: a captured request sent again inside the time window is still refused."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE)
    nonce = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "nonce"], name="agent_nonce_once")]
        indexes = [models.Index(fields=["at"], name="agent_nonce_at")]


class AgentSettlement(models.Model):
    """An agent's day handed over (解款): what it collected, its commission, what it owes."""

    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="settlements")
    day = models.DateField()
    payments = models.PositiveIntegerField()
    amount_fen = models.BigIntegerField()
    commission_fen = models.BigIntegerField()
    settled_at = models.DateTimeField()
    settled_by = models.CharField(max_length=100)

    class Meta:
        verbose_name = "代收结算"
        constraints = [models.UniqueConstraint(fields=["agent", "day"], name="agent_settlement_once_a_day")]


class AgentPayment(models.Model):
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="agent_payment")
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="payments")
    agent_txn_id = models.CharField(max_length=40)
    day = models.DateField()
    commission_fen = models.BigIntegerField()
    settlement = models.ForeignKey(AgentSettlement, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = "代收交费"
        indexes = [models.Index(fields=["agent", "day"], name="agent_payment_day")]
