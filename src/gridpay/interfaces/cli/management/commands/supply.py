"""`gridpay supply enforce | alerts | sweep | commands`: the control loop's runs, by hand or from the schedule."""

from argparse import ArgumentParser
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from gridpay.application.supply.enforce_supply import enforce_supply
from gridpay.application.supply.evaluate_alerts import evaluate_alerts
from gridpay.application.supply.head_end import HeadEnd
from gridpay.application.supply.list_gateway_heartbeats import GatewayStatus, list_gateway_heartbeats
from gridpay.application.supply.list_meter_commands import list_meter_commands
from gridpay.application.supply.update_supply_policy import update_supply_policy
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.money import format_yuan
from gridpay.domain.supply_policy import Disconnection, WindowClosed
from gridpay.domain.texts import label_of
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json
from gridpay.interfaces.texts import alerts_sent


class Command(GridpayCommand):
    help = "供电控制：enforce 欠费停电、alerts 余额提醒、sweep 命令超时与重试、policy 供电策略、commands 表计命令"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("enforce", help="对到期的欠费户下发远程停电命令（停电时段内）").add_argument(
            "--json", action="store_true", help="以 JSON 输出"
        )
        alerts = sub.add_parser("alerts", help="按已结算的日子评估余额提醒、欠费短信与异常用电")
        alerts.add_argument("--date", type=date.fromisoformat, help="已结算的日子，默认昨天")
        alerts.add_argument("--json", action="store_true", help="以 JSON 输出")
        sub.add_parser("sweep", help="处理超时未应答的命令：重试、转现场工单；复电超时告警")
        policy = sub.add_parser("policy", help="查看或修改供电策略（停电时段、延迟、恶劣天气暂停等）")
        policy.add_argument("--window", help="停电时段，如 09:00-16:00")
        policy.add_argument("--every-day", action="store_true", help="停电时段不限工作日")
        policy.add_argument("--working-days", action="store_true", help="停电时段仅限工作日（默认）")
        policy.add_argument("--delay-days", type=int, help="欠费后第几天停电（0–7，0 则按分钟）")
        policy.add_argument("--delay-minutes", type=int, help="延迟天数为 0 时，欠费后多少分钟停电")
        policy.add_argument("--weather-block", choices=["on", "off"], help="恶劣天气暂停停电")
        policy.add_argument("--holidays", choices=["closed", "open"], help="节假日及前一日是否停电")
        commands = sub.add_parser("commands", help="列出表计命令")
        commands.add_argument("--status", help="只看某一状态，如 queued、sent、escalated")
        commands.add_argument("--limit", type=int, default=50, help="最多列出多少条，默认 50")

    def handle(self, *args: Any, **options: Any) -> None:
        with domain_errors_as_command_errors():
            getattr(self, f"_{options['action']}")(options)

    def _enforce(self, options: dict[str, Any]) -> None:
        report = enforce_supply(at=clock.now())
        if options["json"]:
            print_json(report)
            return
        console.print(f"欠费待停电候选 {report.candidates} 户，下发停电命令 {report.queued} 户")
        for outcome, count in sorted(report.outcomes.items()):
            console.print(f"  · {label_of(Disconnection, outcome)}：{count} 户")
        if report.window_closed:
            why = label_of(WindowClosed, report.window_closed)
            console.print(f"停电暂不执行：{why}（停电时段见 gridpay supply policy）")

    def _alerts(self, options: dict[str, Any]) -> None:
        day = options["date"] or clock.today() - timedelta(days=1)
        if day >= clock.today():
            raise CommandError(f"只能评估已经结算的日子：{day} 还没有过完（今天是 {clock.today()}）")
        report = evaluate_alerts(day=day, at=clock.now())
        if options["json"]:
            print_json(report)
            return
        console.print(
            f"{day}：评估 {report.accounts} 户；提醒短信：{alerts_sent(report.sent)}；"
            f"异常用电 {report.unusual_usage} 户；"
            f"新欠费 {report.entered_arrears} 户，欠费结清 {report.left_arrears} 户"
        )

    def _sweep(self, options: dict[str, Any]) -> None:
        report = HeadEnd().sweep(at=clock.now())
        console.print(f"超时 {report.timed_out} 条，过期 {report.expired} 条，"
                      f"发送租期已过重新排队 {report.released} 条，复电超时告警 {report.alarms} 户")

    def _policy(self, options: dict[str, Any]) -> None:
        changes: dict[str, Any] = {}
        if options["window"]:
            try:
                opens, closes = (time.fromisoformat(part) for part in options["window"].split("-"))
            except ValueError:
                raise CommandError("--window 应为 开始-结束，如 09:00-16:00") from None
            changes.update(window_opens=opens, window_closes=closes)
        if options["every_day"] or options["working_days"]:
            changes["window_working_days_only"] = bool(options["working_days"])
        if options["delay_days"] is not None:
            changes["disconnect_delay_days"] = options["delay_days"]
        if options["delay_minutes"] is not None:
            changes["disconnect_delay_minutes"] = options["delay_minutes"]
        if options["weather_block"]:
            changes["weather_block"] = options["weather_block"] == "on"
        if options["holidays"]:
            changes["window_closed_on_holidays_and_eves"] = options["holidays"] == "closed"
        policy = update_supply_policy(changes=changes, at=clock.now()) if changes else load_policy()
        window, delay = policy.window, policy.disconnect_delay
        console.print(
            f"停电时段 {window.opens:%H:%M}-{window.closes:%H:%M}，"
            f"{'仅工作日' if window.working_days_only else '每天'}，"
            f"节假日及前一日{'不停电' if window.closed_on_holidays_and_eves else '照常'}；"
            f"恶劣天气暂停 {'开' if policy.weather_block else '关'}"
        )
        when = f"欠费后第 {delay.days} 天" if delay.days else f"欠费后 {delay.minutes} 分钟"
        console.print(f"停电延迟：{when}；复电可用余额 ≥ {format_yuan(policy.reconnect_level_fen)} 元")
        levels = policy.alerts
        console.print(
            f"余额提醒：{format_yuan(levels.first_fen)} 元、{format_yuan(levels.second_fen)} 元、"
            f"可用 {levels.days_left} 天；"
            f"短信时段 {policy.quiet_hours.sms_from:%H:%M}-{policy.quiet_hours.sms_until:%H:%M}"
        )

    def _commands(self, options: dict[str, Any]) -> None:
        for line in list_meter_commands(status=options["status"], limit=options["limit"]):
            console.print(
                f"{line.command_id}  {timezone.localtime(line.created_at):%Y-%m-%d %H:%M}  {line.account_no}  "
                f"{line.meter_no}  {line.action}  {line.status}  尝试 {line.attempts} 次  {line.last_error}"
            )
        # After the commands, who carries them: each gateway's heartbeat (README, "The smart-payment loop").
        gateways = list_gateway_heartbeats(now=clock.now())
        if not gateways:
            console.print("采集网关：没有心跳记录（gridpay gateway 尚未运行）")
        for gateway in gateways:
            console.print(gateway_line(gateway), highlight=False)


def gateway_line(gateway: GatewayStatus) -> str:
    def at(instant: datetime | None) -> str:
        return "—" if instant is None else f"{timezone.localtime(instant):%m-%d %H:%M:%S}"

    who = f"采集网关 {gateway.instance}（主机 {gateway.host}，进程 {gateway.pid}，{gateway.broker}）"
    if gateway.stopped_at is not None:
        state = f"已停止（{at(gateway.stopped_at)}）"
    elif not gateway.beating:
        state = f"心跳已停止（最后一次 {at(gateway.beat_at)}，{gateway.beat_age_s:.0f} 秒前），网关可能已退出"
    elif gateway.connected:
        state = f"已连接代理（自 {at(gateway.connected_since)}），心跳 {gateway.beat_age_s:.0f} 秒前"
    else:
        lost = f"断开于 {at(gateway.last_lost_at)}，" if gateway.last_lost_at else ""
        state = f"未连接代理（{lost}连接失败 {gateway.connect_failures} 次），心跳 {gateway.beat_age_s:.0f} 秒前"
    work = (f"下发 {gateway.published} 帧、退回 {gateway.unsent} 帧，最后下发 {at(gateway.last_publish_at)}；"
            f"断线 {gateway.losses} 次，重连 {gateway.reconnects} 次")
    error = f"；最近的问题：{gateway.last_error}" if gateway.last_error else ""
    return f"{who}：{state}；{work}{error}"
