"""The village rollout (推广, seed 000): each account's smart-payment agreement, promotion events, the target."""

from django.db import models
from django.utils.translation import gettext_noop

from gridpay.data.models.accounts import Account
from gridpay.data.models.places import Village


class AgreementMethod(models.TextChoices):
    ON_SITE = "on_site", gettext_noop("现场集中签订")
    DOOR_TO_DOOR = "door_to_door", gettext_noop("入户签订")


class SmartPaymentAgreement(models.Model):
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="smart_payment_agreement")
    signed_on = models.DateField("签订日期")
    method = models.CharField("方式", max_length=14, choices=AgreementMethod.choices)
    staff_name = models.CharField("经办人", max_length=50)
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "智能交费协议"
        indexes = [models.Index(fields=["signed_on"], name="agreement_signed_on")]


class PromotionEvent(models.Model):
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="promotion_events")
    day = models.DateField("日期")
    kind = models.CharField("形式", max_length=40)  # 村委会介绍、现场集中签约、开通有礼、微信群推送…
    attendees = models.PositiveIntegerField("参加人数", default=0)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "推广活动"


class RolloutTarget(models.Model):
    """The year-end target: the share of a town's accounts with a signed agreement, in percent."""

    year = models.PositiveIntegerField(unique=True)
    target_percent = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = "推广目标"
