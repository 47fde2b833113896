"""The monthly campaign's rounds (one collector, one village, one day) and the follow-up contacts with accounts."""

from django.db import models

from gridpay.data.models.accounts import Account
from gridpay.data.models.places import GridStaff, Village
from gridpay.domain.collection_campaign import CONTACT_OUTCOME_LABELS, CONTACT_WAY_LABELS


class CampaignRound(models.Model):
    """A loudspeaker round (喊话) through a village on a campaign day; ``done_at`` set when the collector rode it.

    A month is planned again by replacing the rounds not yet done: done rounds are the record and stay."""

    month = models.DateField("月份")  # the first day of the campaign's month
    collector = models.ForeignKey(GridStaff, verbose_name="收费员", on_delete=models.PROTECT)
    village = models.ForeignKey(Village, verbose_name="村/社区", on_delete=models.PROTECT)
    day = models.DateField("宣传日")
    position = models.PositiveSmallIntegerField("路线顺序")  # along the collector's route on that day, from 1
    planned_at = models.DateTimeField()
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.CharField("完成人", max_length=100, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "宣传轮次"
        constraints = [
            models.UniqueConstraint(fields=["month", "collector", "village"], name="campaign_round_once_a_month"),
            models.CheckConstraint(condition=models.Q(done_at__isnull=True) | ~models.Q(done_by=""),
                                   name="campaign_round_done_by_someone"),
        ]
        indexes = [models.Index(fields=["collector", "day"], name="campaign_round_day")]


class FollowUp(models.Model):
    """A contact with an account in arrears about it (seed 003 月月有人问、有人管): who, when, how, outcome."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="follow_ups")
    collector = models.ForeignKey(GridStaff, verbose_name="负责收费员", null=True, blank=True,
                                  on_delete=models.PROTECT)  # who answered for the account that day
    by = models.CharField("联系人", max_length=100)  # the member of staff who recorded it
    at = models.DateTimeField("记录时间")
    day = models.DateField("联系日期")
    how = models.CharField("方式", max_length=10, choices=[(k.value, v) for k, v in CONTACT_WAY_LABELS.items()])
    outcome = models.CharField("结果", max_length=10,
                               choices=[(k.value, v) for k, v in CONTACT_OUTCOME_LABELS.items()])
    promised_on = models.DateField("承诺交费日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "催费跟进"
        constraints = [
            models.CheckConstraint(condition=~models.Q(outcome="promised") | models.Q(promised_on__isnull=False),
                                   name="follow_up_promise_has_date"),
        ]
        indexes = [models.Index(fields=["account", "day"], name="follow_up_account_day")]
