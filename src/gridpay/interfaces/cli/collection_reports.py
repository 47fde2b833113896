"""`gridpay collection report arrears|recovery|campaign-effect`: arrears by area and collector, recovery, campaign."""


from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from gridpay.application.collection.arrears_by_area import ArrearsByArea, arrears_by_area
from gridpay.application.collection.campaign_effect import MonthCampaign, month_campaign_effect
from gridpay.application.collection.recovery_by_place import RecoveryByPlace, recovery_by_place
from gridpay.domain.business_time import next_month_start
from gridpay.domain.money import format_yuan
from gridpay.interfaces import clock
from gridpay.interfaces.cli.collection_campaign import month_argument
from gridpay.interfaces.output import console, print_json

ACTIONS = ("report",)


def add_report_arguments(sub: Any) -> None:
    report = sub.add_parser(
        "report", help="催费报表：arrears 片区/收费员欠费及趋势，recovery 电费回收率，campaign-effect 催费活动效果")
    kinds = report.add_subparsers(dest="report", required=True)
    arrears = kinds.add_parser("arrears", help="月末（本月为今天）各片区、收费员的欠费户数、金额、账龄及近几月末的趋势")
    recovery = kinds.add_parser("recovery", help="各村、片区、收费员的电费回收率（与前几个月对比）及各村月结月清")
    campaign = kinds.add_parser("campaign-effect", help="本月每天交费笔数与金额，催费活动日内外的日均对比")
    for parser in (arrears, recovery, campaign):
        parser.add_argument("--month", type=month_argument, help="月份 YYYY-MM，默认本月")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    for parser in (arrears, recovery):
        parser.add_argument("--months", type=int, default=6, help="与之对比的此前月数（默认 6）")
    campaign.add_argument("--first-day", type=int, help="催费活动首日（默认 GRIDPAY_CAMPAIGN_FIRST_DAY，12 日）")
    campaign.add_argument("--last-day", type=int, help="催费活动末日（默认 GRIDPAY_CAMPAIGN_LAST_DAY，18 日）")


def handle_report(options: dict[str, Any]) -> None:
    today = clock.today()
    month = options["month"] or today.replace(day=1)
    report: Any
    if options["report"] == "arrears":
        day = min(next_month_start(month) - timedelta(days=1), today)
        report = arrears_by_area(day=day, months=options["months"])
        text = describe_arrears_by_area(report)
    elif options["report"] == "recovery":
        report = recovery_by_place(month=month, today=today, months=options["months"])
        text = describe_recovery(report)
    else:
        report = month_campaign_effect(month=month, today=today, first_day=options["first_day"],
                                       last_day=options["last_day"])
        text = describe_campaign(report)
    if options["json"]:
        print_json(report)
    else:
        console.print(text, markup=False, highlight=False)


def _rate(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate * 100:.2f}%"


def describe_arrears_by_area(report: ArrearsByArea) -> str:
    now = report.now
    labels = " / ".join(gettext(band.label) for band in now.total.bands)
    out = [f"{report.day} 日终欠费：{now.total.accounts} 户，{format_yuan(now.total.owed_fen)} 元（账龄：{labels}）"]
    for title, rows, nobody in (("片区", now.areas, "（未划片区）"), ("收费员", now.collectors, "（无人负责）")):
        out.append(f"按{title}：")
        for row in rows:
            bands = " / ".join(f"{b.accounts} 户 {format_yuan(b.owed_fen)}" for b in row.figures.bands)
            out.append(f"  {row.name or nobody}  {row.figures.accounts} 户  {format_yuan(row.figures.owed_fen)} 元  "
                       f"{bands}")
    out.append("趋势（各月末，元）：" + "  ".join(f"{day:%Y-%m-%d}" for day in report.points))
    for line in [report.total_trend, *report.area_trend]:
        out.append(f"  {line.name or ('合计' if line is report.total_trend else '（未划片区）')}  "
                   + "  ".join(format_yuan(fen) for fen in line.owed_fen))
    return "\n".join(out)


def describe_recovery(report: RecoveryByPlace) -> str:
    town = report.town.month.total
    out = [f"电费回收率 {report.month:%Y-%m}（实收计至 {report.cut_off}）：全所 {_rate(town.rate)}，"
           f"应收 {format_yuan(town.due_fen)} 元，实收 {format_yuan(town.received_fen)} 元",
           "月份：" + "  ".join(f"{m:%Y-%m}" for m in report.months)]
    for title, rows, nobody in (("村/社区", report.villages, "（无村）"), ("片区", report.areas, "（未划片区）"),
                                ("收费员", report.collectors, "（无人负责）")):
        out.append(f"按{title}：")
        for row in rows:
            line = f"  {row.name or nobody}  " + "  ".join(_rate(rate) for rate in row.rates)
            if rows is report.villages:
                line += ("  月结月清：是" if row.month.settled else f"  月结月清：否（{row.month.unsettled} 户未交清）")
            out.append(line)
    return "\n".join(out)


def describe_campaign(report: MonthCampaign) -> str:
    inside, outside = report.effect.inside, report.effect.outside
    out = [f"{report.month:%Y-%m} 催费活动 {report.first_day}–{report.last_day} 日（计至 {report.cut_off}）"]
    for day in report.days:
        mark = "★" if day.in_campaign else " "
        out.append(f"{mark} {day.day}  {day.payments} 笔  {format_yuan(day.amount_fen)} 元")
    for name, average in (("活动日", inside), ("其他日", outside)):
        amount = "—" if average.amount_fen is None else format_yuan(average.amount_fen)
        out.append(f"{name}日均（{average.days} 天）：{average.payments if average.payments is not None else '—'} 笔，"
                   f"{amount} 元")
    if report.effect.amount_ratio is not None:
        out.append(f"活动日日均金额是其他日的 {report.effect.amount_ratio} 倍")
    return "\n".join(out)
