"""On a campaign day, an SMS to the households of the day's villages still concerned: through the SMS outbox, once
a month per household, never with an amount (the loudspeaker's message, for those who have a mobile)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from gridpay.application.collection.campaign_rounds import VillageTexts
from gridpay.application.collection.days_ahead import refuse_day_ahead
from gridpay.application.supply.sms_outbox import month_day, queue_sms
from gridpay.data.models import CampaignRound
from gridpay.data.queries.collection_areas import responsibility_on
from gridpay.data.queries.collection_campaign import concerned_accounts
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.collection_campaign import without_money
from gridpay.domain.texts import gettext_noop

WHERE_BY_DEFAULT = "供电所营业厅"


@dataclass(frozen=True)
class CampaignSms:
    day: date
    villages: int
    households: int  # with a mobile to send to
    queued: int  # messages newly queued (a household already told this month is not told again)


def queue_campaign_sms(*, day: date, at: datetime) -> CampaignSms:
    refuse_day_ahead(day=day, at=at, message=gettext_noop("{day} 还没到：宣传短信在宣传当天才发出"))
    rounds = list(CampaignRound.objects.filter(day=day).select_related("village"))
    if not rounds:
        return CampaignSms(day, 0, 0, 0)
    wanted: dict[tuple[int | None, int], CampaignRound] = {(r.collector_id, r.village_id): r for r in rounds}
    responsibility = responsibility_on(day)
    texts, policy = VillageTexts(), load_policy()
    households = queued = 0
    with transaction.atomic():
        for account in concerned_accounts(day=day):
            who = responsibility.of(village_id=account.village_id, transformer_area=account.transformer_area)
            planned = wanted.get((who.collector_id, account.village_id))
            if planned is None or not account.phones:
                continue
            households += 1
            where = "、".join(without_money(p.name) for p in texts.pay_points(planned.village)) or WHERE_BY_DEFAULT
            queued += queue_sms(
                key=f"campaign:{planned.month:%Y-%m}:{account.account_id}", phones=list(account.phones),
                kind="campaign_reminder", account_id=account.account_id, policy=policy, at=at,
                params={"account_no": account.account_no, "deadline": month_day(texts.deadline(planned.month)),
                        "where": where[:60]},
            )
    return CampaignSms(day, len(rounds), households, queued)
