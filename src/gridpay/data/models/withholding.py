"""Bank withholding (代扣) and auto-recharge: agreements bound to accounts, requests, batches sent to banks."""

from django.db import models

from gridpay.data.models.accounts import Account
from gridpay.data.models.payments import Payment

OPEN_REQUEST = ["queued", "exported"]


class WithholdingAgreement(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="withholding_agreements")
    bank_code = models.CharField("银行代码", max_length=10)
    # The bank's token for the customer's bank account: the number itself is never kept here.
    account_token = models.CharField("账户令牌", max_length=64)
    holder_name = models.CharField("户名（脱敏）", max_length=50)
    threshold_fen = models.BigIntegerField("余额低于此值即代扣（分）")
    amount_fen = models.BigIntegerField("每次代扣金额（分）")
    active = models.BooleanField(default=True)
    signed_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "代扣协议"
        constraints = [
            models.UniqueConstraint(fields=["account"], condition=models.Q(active=True), name="one_active_agreement"),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="withholding_amount_positive"),
        ]


class WithholdingBatch(models.Model):
    batch_no = models.CharField("批次号", max_length=30, unique=True)
    bank_code = models.CharField(max_length=10)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=100)
    requests = models.PositiveIntegerField()
    total_fen = models.BigIntegerField()
    file_sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = "代扣批次"


class WithholdingRequest(models.Model):
    agreement = models.ForeignKey(WithholdingAgreement, on_delete=models.PROTECT, related_name="requests")
    amount_fen = models.BigIntegerField()
    status = models.CharField(max_length=10, default="queued")  # queued | exported | succeeded | failed
    queued_at = models.DateTimeField()
    business_day = models.DateField()
    batch = models.ForeignKey(WithholdingBatch, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="request_rows")
    bank_txn_id = models.CharField(max_length=40, blank=True)
    result_code = models.CharField(max_length=10, blank=True)
    result_message = models.CharField(max_length=100, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = "代扣请求"
        constraints = [
            # Queued once: a balance that stays low does not queue a second request before the first is answered.
            models.UniqueConstraint(fields=["agreement"], condition=models.Q(status__in=OPEN_REQUEST),
                                    name="one_open_withholding_request"),
        ]
