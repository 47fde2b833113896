"""`gridpay settle --date D | --through D`: daily settlement of prepaid accounts."""

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import CommandError

from gridpay.application.payments.withholding.queue_withholdings import queue_withholdings
from gridpay.application.settlement.catch_up_settlement import settle_through
from gridpay.application.settlement.settle_day import SettlementRunReport, settle_day
from gridpay.application.supply.evaluate_alerts import AlertRunReport, evaluate_pending_alerts
from gridpay.domain.money import format_yuan
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json, progress
from gridpay.interfaces.texts import alerts_sent


class Command(GridpayCommand):
    help = "结算智能交费户的日电费：--date 结算一天，--through 按日期顺序补结算到该日"

    def add_arguments(self, parser: ArgumentParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--date", type=date.fromisoformat, help="结算日 YYYY-MM-DD")
        group.add_argument("--through", type=date.fromisoformat, help="补结算截至日 YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        day: date | None = options["date"]
        through: date | None = options["through"]
        last = day or through
        if last is not None and last >= clock.today():
            raise CommandError(f"只能结算已经过去的日期：{last} 还没有过完（今天是 {clock.today()}）")
        with domain_errors_as_command_errors(), progress("结算（按户）", total=None) as advance:
            if day is not None:
                reports = [settle_day(day=day, at=clock.now(), on_progress=advance)]
            else:
                assert through is not None
                reports = settle_through(through=through, at=clock.now(), on_progress=advance)
            # Balances moved: alerts, arrears SMS and unusual usage follow, for every day through the last one asked
            # for whose alerts were not evaluated yet (a run killed after settling leaves its days' alerts to this).
            assert last is not None
            alert_days = evaluate_pending_alerts(through=last, at=clock.now())
            alerts = alert_days[-1] if alert_days else None
            # Auto-recharge: balances below an agreement's threshold queue a withholding request.
            withholdings = queue_withholdings(at=clock.now(), business_day=clock.today()) if reports else 0
        if options["json"]:
            print_json({"settlement": reports, "alerts": alerts, "alert_days": alert_days,
                        "withholding_requests": withholdings})
            return
        if not reports:
            console.print("没有待结算的读数。")
        for report in reports:
            console.print(describe(report))
        for evaluated in alert_days:
            console.print(describe_alerts(evaluated, with_day=len(alert_days) > 1 or not reports))
        if withholdings:
            console.print(f"银行代扣：余额低于约定值，新增代扣请求 {withholdings} 笔（gridpay withholding export）")
        if any(report.failed for report in reports):
            raise CommandError("部分户未能结算，原因已记录（settlement failures）；补齐读数后重新运行。")


def describe_alerts(report: AlertRunReport, *, with_day: bool = False) -> str:
    day = f"{report.day} " if with_day else ""
    return (
        f"{day}提醒：{alerts_sent(report.sent)}；异常用电 {report.unusual_usage} 户；新欠费 {report.entered_arrears} 户"
        "（短信在免打扰时段外发出，gridpay sms send）"
    )


def describe(report: SettlementRunReport) -> str:
    line = (
        f"{report.day}：结算 {report.settled} 户，电量 {report.energy_kwh} kWh，"
        f"电费 {format_yuan(report.charged_fen)} 元，未能结算 {report.failed} 户"
    )
    reasons = [f"  · {count} 户 {code}：{example}" for code, (count, example) in report.failure_reasons.items()]
    if report.settled_before:
        reasons.append("  · 该日已经结算过，已结算的户不会重复结算")
    elif not report.readings:
        reasons.append("  · 该日没有智能交费户的读数")
    if report.without_reading:
        reasons.append(f"  · {report.without_reading} 户缺少当日读数，读数到达后用 --through 补结算")
    return "\n".join([line, *reasons])
