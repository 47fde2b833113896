"""The demo town's rollout, dated to the demo: agreements signed before the households became prepaid, no event in
the future, the villages still postpaid planned after the last day, and a rollout page whose chart climbs."""

from datetime import UTC, date, datetime

import pytest
from django.db.models import Max

from gridpay.application.rollout.rollout_progress import plan_years, rollout_progress
from gridpay.data.models import Account, PromotionEvent, SmartPaymentAgreement, Village
from gridpay.demo.build_demo_town import build_demo_town, plan_demo
from gridpay.domain.rollout import year_to_show

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 20)
NOW = datetime(2025, 3, 20, 3, 0, tzinfo=UTC)
START = date(2025, 3, 1)


def test_the_demo_dates_its_rollout_before_its_first_day_and_its_chart_climbs() -> None:
    plan = plan_demo(households=40, days=10, seed=3, start=START, today=TODAY)
    build_demo_town(plan=plan, now=NOW)

    assert SmartPaymentAgreement.objects.aggregate(last=Max("signed_on"))["last"] < START
    assert SmartPaymentAgreement.objects.count() == Account.objects.filter(mode="prepaid").count()
    assert PromotionEvent.objects.aggregate(last=Max("day"))["last"] < START
    postpaid = Village.objects.filter(account__mode="postpaid").distinct()
    assert postpaid.count() == plan.postpaid_villages and all(v.rollout_month > plan.last_day for v in postpaid)
    assert not PromotionEvent.objects.filter(village__in=postpaid).exists()

    year = year_to_show(plan_years=plan_years(), today=TODAY)
    assert year == 2025
    report = rollout_progress(year=year, today=TODAY)
    assert report.signed_by_month[0] < report.signed_by_month[1] == report.signed  # January's villages, February's
    assert report.planned_by_month[1] < report.planned_by_month[-1] == report.accounts  # the postpaid ones to come
