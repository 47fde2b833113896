"""`gridpay demo [--households N] [--days D] [--seed S] [--start YYYY-MM-DD]`: the demo town 码头镇."""

from argparse import ArgumentParser
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from rich.table import Table

from gridpay.application.outlets.outlet_coverage import outlet_coverage
from gridpay.application.risk.score_accounts import score_accounts
from gridpay.application.secret_key import require_secret_key
from gridpay.application.supply.loop_summary import LoopSummary, loop_summary
from gridpay.data.queries.meters import meters_in_service_count
from gridpay.data.settings import gridpay_settings
from gridpay.demo.build_demo_town import DEFAULT_DAYS, DEFAULT_SEED, build_demo_town, plan_demo
from gridpay.demo.sign_ins import DemoSignIns, demo_sign_ins
from gridpay.demo.simulate_days import simulate_days
from gridpay.demo.summary import DemoSummary, PostpaidFigures, demo_summary
from gridpay.domain.meter_commands import CommandPolicy
from gridpay.domain.money import format_yuan
from gridpay.domain.sms_texts import sms_label
from gridpay.interfaces import clock
from gridpay.interfaces.batch import batch_collection
from gridpay.interfaces.cli.demo_head_end import HeadEndRunning, demo_head_end
from gridpay.interfaces.cli.schema import ensure_schema, pending_migrations
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, timed_stage


class Command(GridpayCommand):
    help = "建立演示用的码头镇（25 个村/社区）并模拟若干天的读数、结算和交费，最后打印汇总"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--households", type=int, default=None, help="户数（默认 3000，或已有演示镇的户数）")
        parser.add_argument(
            "--days", type=int, default=None, help=f"模拟天数（默认 {DEFAULT_DAYS}；已有演示镇则模拟到昨天）"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机种子（默认 {DEFAULT_SEED}）")
        parser.add_argument(
            "--start", type=date.fromisoformat, default=None, help="第一天 YYYY-MM-DD（默认使模拟到昨天为止）"
        )
        parser.add_argument("--serve", action="store_true",
                            help="最后启动网页（工作台与网上营业厅）、采集网关与模拟表计，并打印登录方式")
        parser.add_argument("--port", type=int, default=8000, help="--serve 的端口，默认 8000")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["serve"]:
            require_secret_key()  # before minutes of building a town that could then not be served
        sign_ins = self._build_and_report(options)
        if options["serve"]:
            # Outside the batch's collector settings: the server runs for hours with its own garbage. The head-end
            # runs beside it, so a payment's reconnection reaches a (simulated) meter and is confirmed.
            with demo_head_end(meters=meters_in_service_count(), directory=Path.cwd()) as head_end:
                print_sign_ins(sign_ins, port=options["port"])
                print_head_end(head_end)
                serve_demo(port=options["port"])

    @batch_collection()
    def _build_and_report(self, options: dict[str, Any]) -> DemoSignIns:
        # Each stage shows its progress bar on a terminal, and says when it ended how far it went and how long it took.
        pending = pending_migrations()
        if pending:
            with timed_stage("建库/迁移", total=len(pending), unit="个迁移") as advance:
                ensure_schema(pending=pending, on_progress=advance)
        with domain_errors_as_command_errors():
            plan = plan_demo(
                households=options["households"],
                days=options["days"],
                seed=options["seed"],
                start=options["start"],
                today=clock.today(),
            )
            if plan.existing_accounts:
                console.print(f"数据库里已有演示镇（{plan.existing_accounts} 户）：继续，已完成的部分不会重复入账。")
            with timed_stage("开户", total=plan.households, unit="户") as advance:
                town = build_demo_town(plan=plan, now=clock.now(), on_progress=advance)
            with timed_stage("模拟：交费、读数、结算", total=plan.days, unit="天") as advance:
                report = simulate_days(town=town, now=clock.now(), on_progress=advance)
            # The night's risk scoring after the last simulated day, as the schedule would run it.
            last_day = plan.first_day + timedelta(days=plan.days - 1)
            with timed_stage("风险评分"):
                risk = score_accounts(day=last_day, at=clock.now()) if plan.days else None
        with timed_stage("汇总"):
            summary = demo_summary()
            loop = loop_summary(now=clock.now())
            circle = outlet_coverage().total
            # The town's staff exist whether or not it is served: the commands' --as take their user names.
            sign_ins = demo_sign_ins()
        print_summary(summary, database=str(settings.DATABASES["default"]["NAME"]))
        print_loop(loop)
        if circle.located:
            console.print(
                f"十分钟交费圈  {circle.covered / circle.located:.0%} 的户步行 10 分钟内有营业网点"
                f"（{circle.outlets} 个网点；gridpay outlets coverage --map circle.svg）"
            )
        if risk is not None:
            how = "模型" if risk.by_model else "简单规则（历史尚短）"
            console.print(f"风险预警      {risk.day} 评分 {risk.scored} 户（{how}；gridpay risk list --staff 姓名）")
        if report.readings_rejected or report.settlement_failed:
            console.print(
                f"注意：{report.readings_rejected} 条读数被拒收，"
                f"{report.settlement_failed} 户·日未能结算（原因已记录）。"
            )
        if report.procedure_refused:
            refused = "，".join(f"{no} {code}" for no, code in report.procedure_refused[:5])
            console.print(f"注意：停电催费有 {len(report.procedure_refused)} 步被程序拒绝（{refused}）。")
        console.print("演示工作人员（命令的 --as 用其登录名）：" + "，".join(
            f"{username} {name}（{role}）" for username, name, role in sign_ins.staff))
        return sign_ins


def serve_demo(*, port: int) -> None:
    """Serves the demo town with the portal's demo channel (演示支付) on, unless a real channel is configured here
    (ADR 0026): its households can pay without a merchant account, and no money moves."""
    settings.GRIDPAY = replace(gridpay_settings(), demo_payments=True)
    call_command("serve", port=port, quiet=True)


def print_sign_ins(sign_ins: DemoSignIns, *, port: int) -> None:
    console.print(f"\n工作台 http://127.0.0.1:{port}/ （演示密码均为 {sign_ins.password}，仅用于演示库）：")
    for username, name, role in sign_ins.staff:
        console.print(f"  {role:<6} 登录名 {username:<11} {name}")
    if sign_ins.household_account_no:
        console.print(
            f"网上营业厅 http://127.0.0.1:{port}/portal/ ：户号 {sign_ins.household_account_no}，"
            f"验证码发往 {sign_ins.household_phone}（演示库的短信写入当前目录的 gridpay-sms.jsonl）；"
            "没有配置微信支付或支付宝时，用「演示支付」交费（不会真的扣款）"
        )


def print_head_end(running: HeadEndRunning) -> None:
    gateway_log, meters_log = (log.name for log in running.logs)
    console.print(
        f"采集网关与模拟表计（{running.meters} 只）已在运行：交费复电的命令即时下发到表计；不能直接合闸的表允许合闸后，"
        f"模拟用户约 {running.press_after_s} 秒后按合闸按钮，网关每 {CommandPolicy().permit_poll_s // 60} 分钟询问一次"
        f"是否已合闸；日志写入当前目录的 {gateway_log} 与 {meters_log}"
    )


def print_loop(loop: LoopSummary) -> None:
    kinds = "，".join(f"{sms_label(k)} {n}" for k, n in sorted(loop.sms_by_kind.items(), key=lambda kv: -kv[1]))
    console.print(f"短信          {loop.sms_sent} 条已发、{loop.sms_pending} 条待发（{kinds or '无'}）")
    console.print(f"欠费停电      {loop.disconnections} 次（表计回读确认），当前停电 {loop.disconnected_now} 户")
    median = f"，交费到复电确认中位 {_duration(loop.reconnect_median)}，最慢 {_duration(loop.reconnect_slowest)}"
    console.print(
        f"交费复电      {loop.reconnections} 次{median if loop.reconnect_median is not None else ''}，"
        f"待复电 {loop.reconnections_pending} 户（超过 24 小时承诺 {loop.reconnections_overdue} 户）"
    )
    console.print(
        f"待办          电话任务 {loop.calls_pending} 个（gridpay calls list），现场工单 {loop.work_orders_open} 个"
    )


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = value.total_seconds()
    if seconds < 1:
        return "不到 1 秒"
    return f"{seconds:.0f} 秒" if seconds < 120 else f"{seconds / 60:.0f} 分钟"


def print_summary(summary: DemoSummary, *, database: str) -> None:
    period = f"{summary.first_day} 至 {summary.last_day}" if summary.first_day else "尚无结算"
    console.print(f"[bold]{summary.town}演示数据[/bold]：{period}（数据库 {database}）")
    console.print(
        f"用电户        {summary.accounts} 户（峰谷电价 {summary.time_of_use} 户，保电 {summary.protected} 户）"
    )
    console.print(f"结算电量      {summary.energy_kwh} kWh")
    console.print(f"结算电费      {format_yuan(summary.settled_fen)} 元")
    console.print(f"交费          {format_yuan(summary.paid_fen)} 元（{summary.payments} 笔）")
    console.print(f"可用余额为负  {summary.below_zero} 户")
    postpaid_villages = [v for v in summary.villages if v.postpaid]
    if summary.postpaid.accounts:
        print_postpaid(summary.postpaid, villages="、".join(f"{v.village}（{v.reading_day} 日）"
                                                            for v in postpaid_villages))
    table = Table(show_footer=True)
    table.add_column("村/社区", footer="合计")
    table.add_column("网格员")
    table.add_column("户数", justify="right", footer=str(summary.accounts))
    table.add_column("电量 kWh", justify="right", footer=str(summary.energy_kwh))
    table.add_column("结算电费 元", justify="right", footer=format_yuan(summary.settled_fen))
    table.add_column("交费 元", justify="right", footer=format_yuan(summary.paid_fen))
    table.add_column("余额为负", justify="right", footer=str(summary.below_zero))
    for v in summary.villages:
        table.add_row(
            f"{v.village}*" if v.postpaid else v.village,
            v.grid_staff,
            str(v.accounts),
            str(v.energy_kwh),
            format_yuan(v.settled_fen),
            format_yuan(v.paid_fen),
            str(v.below_zero),
        )
    console.print(table)
    if postpaid_villages:
        console.print("* 尚未推广智能交费的村：后付费，按抄表例日出电费账单，不参加每日结算")


def print_postpaid(p: PostpaidFigures, *, villages: str) -> None:
    console.print(
        f"后付费        {p.accounts} 户（非居民 {p.other} 户，重要用户 {p.important} 户），"
        f"尚未推广智能交费的村及抄表例日：{villages}"
    )
    console.print(
        f"电费账单      {p.bills} 张 {format_yuan(p.billed_fen)} 元（{p.billed_kwh} kWh），"
        f"已交 {format_yuan(p.paid_fen)} 元（含违约金 {format_yuan(p.late_fee_paid_fen)} 元），"
        f"尚欠 {format_yuan(p.owed_fen)} 元"
    )
    waived = f"，减免 {format_yuan(p.late_fee_waived_fen)} 元" if p.late_fee_waived_fen else ""
    console.print(f"违约金        已计 {format_yuan(p.late_fee_fen)} 元{waived}")
    console.print(f"停电催费      {sum(p.cases.values())} 件")
    for stage, n in p.cases.items():
        console.print(f"  {stage.label}：{n} 件")
    console.print(
        f"催费停电      执行 {p.executions} 次（远程 {p.remote_executions} 次），"
        f"交清复电 {p.reconnections} 次，复电工作票待完成 {p.reconnections_pending} 件"
    )
