"""Series for the pages' charts, in the shapes their ECharts scripts read."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext, gettext_noop

from gridpay.application.collection.arrears_by_area import ArrearsByArea
from gridpay.application.collection.campaign_effect import MonthCampaign
from gridpay.data.queries.customers import TOU_PERIODS, UsageDay
from gridpay.domain.money import format_yuan

TOU_NAMES = {"sharp": gettext_noop("尖段"), "peak": gettext_noop("峰段"), "flat": gettext_noop("平段"),
             "valley": gettext_noop("谷段")}


def usage_series(usage: Sequence[UsageDay]) -> dict[str, Any]:
    """Daily kWh and yuan for the usage chart; with a time-of-use meter, the kWh split by period too."""
    series: dict[str, Any] = {
        "days": [u.day.strftime("%m-%d") for u in usage],
        "kwh": [str(u.kwh) for u in usage],
        "yuan": [format_yuan(u.charge_fen) for u in usage],
        "tou": [],
    }
    if any(u.tou_kwh for u in usage):
        split = [_by_period(u) for u in usage]
        series["tou"] = [{"name": gettext(TOU_NAMES[period]), "kwh": [_text(day.get(period)) for day in split]}
                         for period in TOU_PERIODS if any(period in day for day in split)]
    return series


def tou_fields(periods: Sequence[str]) -> list[tuple[str, str]]:
    """The registers of a time-of-use meter being replaced, with their names in the reader's language."""
    return [(period, gettext(TOU_NAMES[period])) for period in periods]


def _by_period(usage: UsageDay) -> dict[str, Decimal]:
    """A day's energy by period; energy outside the registers a meter has counts as flat (平), as tariffs read it."""
    if not usage.tou_kwh:
        return {}
    outside = usage.kwh - sum((v for p, v in usage.tou_kwh.items() if p != "flat"), Decimal(0))
    return {**usage.tou_kwh, "flat": usage.tou_kwh.get("flat", outside)}


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def arrears_trend_series(report: ArrearsByArea) -> dict[str, Any]:
    """The arrears at each month's end in yuan, one line per area and one for the station, for the trend chart."""
    def line(name: str, fen: Sequence[int]) -> dict[str, Any]:
        return {"name": name, "yuan": [format_yuan(value) for value in fen]}

    return {
        "points": [f"{day:%Y-%m-%d}" for day in report.points],
        "lines": [line(gettext("合计"), report.total_trend.owed_fen)]
        + [line(trend.name or gettext("未划片区"), trend.owed_fen) for trend in report.area_trend],
    }


def campaign_series(campaign: MonthCampaign) -> dict[str, Any]:
    """Payments a day (count and yuan) over the month, and the campaign's first and last day to shade."""
    in_campaign = [f"{d.day:%d}" for d in campaign.days if d.in_campaign]
    return {
        "days": [f"{d.day:%d}" for d in campaign.days],
        "payments": [d.payments for d in campaign.days],
        "yuan": [format_yuan(d.amount_fen) for d in campaign.days],
        "campaign": [in_campaign[0], in_campaign[-1]] if in_campaign else [],
    }
