"""`gridpay collection …`: collection areas (催费片区), their collectors, who answers for each account in arrears."""

from argparse import ArgumentParser, ArgumentTypeError
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from gridpay.application.collection.arrears_assignments import ArrearsAssignment, arrears_assignments
from gridpay.application.collection.arrears_by_area import ArrearsByArea, arrears_by_area
from gridpay.application.collection.assign_to_area import assign_to_area
from gridpay.application.collection.campaign_effect import MonthCampaign, month_campaign_effect
from gridpay.application.collection.list_areas import AreasOverview, list_areas
from gridpay.application.collection.recovery_by_place import RecoveryByPlace, recovery_by_place
from gridpay.application.collection.set_area_collector import set_area_collector
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.domain.business_time import next_month_start
from gridpay.domain.campaign_effect import DEFAULT_FIRST_DAY, DEFAULT_LAST_DAY
from gridpay.domain.money import format_yuan
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json


class Command(GridpayCommand):
    help = ("催费管理：areas 片区一览，area-collector 指定收费员，area-assign 村/台区划入片区，arrears 欠费户及责任人，"
            "report 催费报表")

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add_area_arguments(sub)
        add_report_arguments(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        with domain_errors_as_command_errors():
            if options["action"] == "report":
                handle_report(options)
            else:
                handle_areas(options)


def add_area_arguments(sub: Any) -> None:
    areas = sub.add_parser("areas", help="片区一览：收费员、所辖村/台区、户数、收费员更替记录")
    areas.add_argument("--date", type=date.fromisoformat, help="按该日的安排 YYYY-MM-DD，默认今天")
    areas.add_argument("--json", action="store_true", help="以 JSON 输出")
    collector = sub.add_parser("area-collector", help="指定片区的收费员（片区不存在则新建；原收费员的记录保留）")
    collector.add_argument("--area", required=True, help="片区名称")
    collector.add_argument("--collector", required=True, help="收费员（网格员）姓名")
    collector.add_argument("--phone", default="", help="收费员电话（新收费员必填，同名时用来区分）")
    collector.add_argument("--from", dest="valid_from", type=date.fromisoformat, help="生效日 YYYY-MM-DD，默认今天")
    collector.add_argument("--as", dest="as_user", required=True, help="操作人登录名（班长或所长）")
    assign = sub.add_parser("area-assign", help="把村/社区（或其中一个台区）划入片区（原片区的记录保留）")
    assign.add_argument("--area", required=True, help="片区名称")
    assign.add_argument("--village", required=True, help="村/社区名称")
    assign.add_argument("--transformer-area", default="", help="只划入该村的这个台区（默认整村）")
    assign.add_argument("--from", dest="valid_from", type=date.fromisoformat, help="生效日 YYYY-MM-DD，默认今天")
    assign.add_argument("--as", dest="as_user", required=True, help="操作人登录名（班长或所长）")
    arrears = sub.add_parser("arrears", help="欠费户及其责任收费员（无人负责的户单独列出）")
    arrears.add_argument("--date", type=date.fromisoformat, help="日期 YYYY-MM-DD，默认今天")
    arrears.add_argument("--collector", default="", help="只列这位收费员负责的户")
    arrears.add_argument("--json", action="store_true", help="以 JSON 输出")


def handle_areas(options: dict[str, Any]) -> None:
    action = options["action"]
    if action == "areas":
        overview = list_areas(day=options["date"] or clock.today())
        if options["json"]:
            print_json(overview)
        else:
            console.print(describe_areas(overview))
    elif action == "area-collector":
        staff = acting_staff(options["as_user"])
        change = set_area_collector(area=options["area"], collector=options["collector"], phone=options["phone"],
                                    valid_from=options["valid_from"] or clock.today(), actor=staff.actor,
                                    roles=staff.roles, at=clock.now())
        before = f"（原收费员 {change.previous}）" if change.previous else "（新片区）"
        console.print(f"片区 {change.area}：自 {change.valid_from} 起由 {change.collector} 负责{before}")
    elif action == "area-assign":
        staff = acting_staff(options["as_user"])
        moved = assign_to_area(area=options["area"], village=options["village"],
                               transformer_area=options["transformer_area"],
                               valid_from=options["valid_from"] or clock.today(), actor=staff.actor,
                               roles=staff.roles, at=clock.now())
        before = f"（原属片区 {moved.previous_area}）" if moved.previous_area else ""
        console.print(f"{moved.place}：自 {moved.valid_from} 起属片区 {moved.area}{before}")
    elif action == "arrears":
        lines = arrears_assignments(day=options["date"] or clock.today())
        if options["collector"]:
            lines = [line for line in lines if line.collector == options["collector"].strip()]
        if options["json"]:
            print_json(lines)
        else:
            console.print(describe_arrears(lines))


def describe_areas(overview: AreasOverview) -> str:
    if not overview.areas:
        return "尚未划分催费片区（gridpay collection area-collector 建立片区）"
    lines = []
    for area in overview.areas:
        lines.append(f"片区 {area.name}：收费员 {area.collector or '（无）'}，{area.accounts} 户；"
                     f"范围：{'、'.join(area.places) or '（未划入村/台区）'}")
        for period in area.history:
            until = f"至 {period.valid_to}（不含）" if period.valid_to else "至今"
            lines.append(f"    {period.collector}：{period.valid_from} {until}")
    if overview.accounts_outside:
        lines.append(f"未划入片区的户：{overview.accounts_outside} 户（由所在村的网格员负责）")
    return "\n".join(lines)


def describe_arrears(lines: list[ArrearsAssignment]) -> str:
    if not lines:
        return "没有欠费户"
    out = [f"欠费户 {len(lines)} 户，合计 {format_yuan(sum(line.account.owed_fen for line in lines))} 元"]
    nobody = [line for line in lines if line.collector_id is None]
    for line in lines:
        if line.collector_id is not None:
            account = line.account
            out.append(f"{line.collector}\t{line.area or '（未划片区）'}\t{account.village}\t{account.account_no}\t"
                       f"{account.customer_name}\t{format_yuan(account.owed_fen)} 元\t自 {account.since or '—'}")
    if nobody:
        out.append(f"无人负责的欠费户 {len(nobody)} 户（所在村未划入片区，也没有网格员）：")
        out.extend(f"  {line.account.village or '（无村）'}\t{line.account.account_no}\t"
                   f"{format_yuan(line.account.owed_fen)} 元" for line in nobody)
    return "\n".join(out)


def add_report_arguments(sub: Any) -> None:
    report = sub.add_parser(
        "report", help="催费报表：arrears 片区/收费员欠费及趋势，recovery 电费回收率，campaign-effect 催费活动效果")
    kinds = report.add_subparsers(dest="report", required=True)
    arrears = kinds.add_parser("arrears", help="月末（本月为今天）各片区、收费员的欠费户数、金额、账龄及近几月末的趋势")
    recovery = kinds.add_parser("recovery", help="各村、片区、收费员的电费回收率（与前几个月对比）及各村月结月清")
    campaign = kinds.add_parser("campaign-effect", help="本月每天交费笔数与金额，催费活动日内外的日均对比")
    for parser in (arrears, recovery, campaign):
        parser.add_argument("--month", type=_month, help="月份 YYYY-MM，默认本月")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    for parser in (arrears, recovery):
        parser.add_argument("--months", type=int, default=6, help="对比的月数（默认 6）")
    campaign.add_argument("--first-day", type=int, default=DEFAULT_FIRST_DAY, help="催费活动首日（默认 12 日）")
    campaign.add_argument("--last-day", type=int, default=DEFAULT_LAST_DAY, help="催费活动末日（默认 18 日）")


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


def _month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise ArgumentTypeError(f"月份应为 YYYY-MM，而不是 {text}") from None


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
