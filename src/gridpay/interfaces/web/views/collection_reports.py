"""催费报表: arrears by area and collector and their trend, 电费回收率 by place, 月结月清, the campaign's effect."""

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gridpay.application.collection.arrears_by_area import arrears_by_area
from gridpay.application.collection.campaign_effect import month_campaign_effect
from gridpay.application.collection.recovery_by_place import recovery_by_place
from gridpay.domain.business_time import next_month_start
from gridpay.domain.staff_roles import Action
from gridpay.interfaces import clock
from gridpay.interfaces.web.access import requires
from gridpay.interfaces.web.charts import arrears_trend_series, campaign_series
from gridpay.interfaces.web.views.reports import month_asked


@requires(Action.VIEW_REPORTS)
def collection_report(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    first = month_asked(request)
    if isinstance(first, HttpResponse):
        return first
    arrears = arrears_by_area(day=min(next_month_start(first) - timedelta(days=1), today))
    campaign = month_campaign_effect(month=first, today=today)
    return render(request, "web/collection_report.html", {
        "month": f"{first:%Y-%m}", "arrears": arrears, "recovery": recovery_by_place(month=first, today=today),
        "campaign": campaign,
        "charts": {"trend": arrears_trend_series(arrears), "campaign": campaign_series(campaign)},
    })
