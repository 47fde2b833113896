"""`gridpay arrears …`: the postpaid arrears procedure (停电催费) step by step, each by a named member of staff."""

from argparse import ArgumentParser
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from gridpay.application.postpaid.arrears_work import Timeline, WorkItem, arrears_timeline, arrears_work, tickets_for
from gridpay.application.postpaid.open_arrears_cases import open_arrears_cases
from gridpay.application.postpaid.print_arrears_documents import Papers, print_arrears_documents
from gridpay.application.postpaid.take_arrears_step import StepTaken, take_arrears_step
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.domain.arrears_procedure import (
    AcknowledgeRefusal,
    Approve,
    CompleteReconnection,
    DeliverRedNotice,
    Execute,
    GivePhoneNotice,
    IssueTicket,
    RaiseReconnection,
    ReconnectionSource,
    ServeYellowNotice,
    Stage,
    StepRequest,
)
from gridpay.domain.money import fen_from_yuan_text, format_yuan
from gridpay.domain.staff_roles import Role
from gridpay.integrations.files.output_file import output_file
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json

STEPS = {
    "yellow": "送达催费通知单（金额、交费期限、计划停电时间）",
    "red": "送达中止供电通知书（客户签收，或记录拒签情况）",
    "acknowledge": "班长（非居民另需所长）知悉拒签",
    "approve": "批准停电（居民：所长；重要用户：公司，记录报备文号）",
    "ticket": "停电工作票传计量班（不晚于停电前一日）",
    "phone": "停电前电话通知（居民至少 30 分钟，非居民 1 小时）",
    "execute": "执行停电（执行前复核欠费；远程经命令队列，或现场并核对表计）",
    "reconnect-request": "95598 复电诉求：记录工单号，起复电工作票",
    "reconnected": "复电完成（超过 24 小时须向客户和主管说明原因）",
}


class Command(GridpayCommand):
    help = "停电催费（后付费）：open 立案，show 进度，queue 待办，tickets 停电工作票，print 打印，及各步骤"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        opening = sub.add_parser("open", help="为逾期未交电费的后付费户立案")
        opening.add_argument("--date", type=date.fromisoformat, help="日期，默认今天")
        show = sub.add_parser("show", help="一户的催费进度：已办步骤、下一步、谁可以办")
        show.add_argument("--account", required=True, help="户号")
        show.add_argument("--json", action="store_true", help="以 JSON 输出")
        queue = sub.add_parser("queue", help="待办：按角色列出下一步可办的案件（以及 24 小时复电跟踪）")
        queue.add_argument("--role", choices=[r.value for r in Role], help="角色；不给则列出全部")
        queue.add_argument("--json", action="store_true", help="以 JSON 输出")
        tickets = sub.add_parser("tickets", help="某日的停电工作票（计量班前一日查看）")
        tickets.add_argument("--date", type=date.fromisoformat, help="停电日期，默认明天")
        tickets.add_argument("--json", action="store_true", help="以 JSON 输出")
        printing = sub.add_parser("print", help="打印一个村（或一户）的通知书或工作票（A4 PDF）")
        printing.add_argument("papers", choices=[p.value for p in Papers],
                              help="yellow 催费通知单、red 中止供电通知书（待送达的）、tickets 停电与复电工作票")
        printing.add_argument("--village", default="", help="村/社区（催费员的片区）；不给则全所")
        printing.add_argument("--account", default="", help="只打印这一户（已记录的通知书照记录重打）")
        printing.add_argument("--pay-by", type=date.fromisoformat, help="通知书的交费期限 YYYY-MM-DD")
        printing.add_argument("--planned", help="通知书的计划停电时间 'YYYY-MM-DD HH:MM'（本地时间）")
        printing.add_argument("--date", type=date.fromisoformat, help="工作票的停电日期，默认明天")
        printing.add_argument("--as", dest="as_user", required=True, help="送达人/开票人登录名")
        printing.add_argument("--out", required=True, type=Path, help="PDF 文件（不覆盖已有文件）")
        for name, text in STEPS.items():
            step = sub.add_parser(name, help=text)
            step.add_argument("--account", required=True, help="户号")
            step.add_argument("--as", dest="as_user", required=True, help="办理人登录名（其角色决定能否办理）")
            step.add_argument("--note", default="", help="备注（写入操作记录）")
            step.add_argument("--json", action="store_true", help="以 JSON 输出")
            if name in ("yellow", "red"):
                step.add_argument("--yuan", help="通知金额（元），默认当前欠费")
                step.add_argument("--pay-by", required=True, type=date.fromisoformat, help="交费期限 YYYY-MM-DD")
                step.add_argument("--planned", required=True, help="计划停电时间 'YYYY-MM-DD HH:MM'（本地时间）")
            if name == "red":
                signed = step.add_mutually_exclusive_group(required=True)
                signed.add_argument("--signed", action="store_true", help="客户已签收")
                signed.add_argument("--refused", metavar="情况", help="客户拒签：详细记录当时情况")
            if name == "approve":
                step.add_argument("--filing-ref", default="", help="报备文号（重要用户必填）")
            if name == "ticket":
                step.add_argument("--for-day", required=True, type=date.fromisoformat, help="停电日期 YYYY-MM-DD")
            if name == "execute":
                how = step.add_mutually_exclusive_group(required=True)
                how.add_argument("--remote", action="store_true", help="远程停电（智能表，经命令队列）")
                how.add_argument("--field", action="store_true", help="现场停电")
                step.add_argument("--meter-verified", action="store_true", help="现场已核对表计")
            if name == "reconnect-request":
                step.add_argument("--request-no", required=True, help="95598 工单号")
            if name == "reconnected":
                step.add_argument("--explain-customer", default="", help="超时：向客户说明的原因")
                step.add_argument("--explain-supervisor", default="", help="超时：向主管说明的原因")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        with domain_errors_as_command_errors():
            if action == "open":
                opened = open_arrears_cases(day=options["date"] or clock.today(), at=clock.now())
                console.print(f"新立停电催费案件 {opened} 件（gridpay arrears queue 查看待办）")
            elif action == "show":
                timeline = arrears_timeline(account_no=options["account"], at=clock.now())
                show(timeline, describe_timeline, as_json=options["json"])
            elif action in ("queue", "tickets"):
                if action == "queue":
                    role = Role(options["role"]) if options["role"] else None
                    items = arrears_work(at=clock.now(), role=role)
                else:
                    day = options["date"] or date.fromordinal(clock.today().toordinal() + 1)
                    items = tickets_for(day=day, at=clock.now())
                show(items, describe_items, as_json=options["json"])
            elif action == "print":
                self._print(options)
            else:
                staff = acting_staff(options["as_user"])
                taken = take_arrears_step(account_no=options["account"], request=request_of(action, options),
                                          by=staff.actor, roles=staff.roles, at=clock.now(), note=options["note"])
                show(taken, describe_taken, as_json=options["json"])


    @staticmethod
    def _print(options: dict[str, Any]) -> None:
        staff = acting_staff(options["as_user"])
        with output_file(options["out"]) as out:
            printed = print_arrears_documents(
                papers=Papers(options["papers"]), at=clock.now(), village=options["village"],
                account_no=options["account"], by=staff.actor, pay_by=options["pay_by"],
                planned_at=local_instant(options["planned"]) if options["planned"] else None,
                day=options["date"] or date.fromordinal(clock.today().toordinal() + 1),
            )
            if printed.pdf is None:
                console.print("没有要打印的。")
                return
            out.write(printed.pdf)
        console.print(f"已打印 {printed.count} 份：{options['out']}")


def show(value: Any, describe: Any, *, as_json: bool) -> None:
    if as_json:
        print_json(value)
    else:
        console.print(describe(value))


def request_of(action: str, options: dict[str, Any]) -> StepRequest:
    if action in ("yellow", "red"):
        amount = owed_now(options["account"]) if options["yuan"] is None else fen_from_yuan_text(options["yuan"])
        planned = local_instant(options["planned"])
        if action == "yellow":
            return ServeYellowNotice(amount_fen=amount, pay_by=options["pay_by"], planned_disconnection_at=planned)
        return DeliverRedNotice(amount_fen=amount, pay_by=options["pay_by"], planned_disconnection_at=planned,
                                signed=options["signed"], refusal_note=options["refused"] or "")
    requests: dict[str, StepRequest] = {
        "acknowledge": AcknowledgeRefusal(),
        "phone": GivePhoneNotice(),
    }
    if action in requests:
        return requests[action]
    if action == "approve":
        return Approve(filing_ref=options["filing_ref"])
    if action == "ticket":
        return IssueTicket(for_day=options["for_day"])
    if action == "execute":
        return Execute(remote=options["remote"], meter_verified=options["meter_verified"])
    if action == "reconnect-request":
        return RaiseReconnection(source=ReconnectionSource.CALL_95598, request_no=options["request_no"])
    return CompleteReconnection(remote=False, explanation_to_customer=options["explain_customer"],
                                explanation_to_supervisor=options["explain_supervisor"])


def owed_now(account_no: str) -> int:
    return arrears_timeline(account_no=account_no, at=clock.now()).owed_fen


def local_instant(text: str) -> datetime:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=clock.zone())
    except ValueError:
        raise CommandError(f"--planned 应为本地时间 'YYYY-MM-DD HH:MM'：{text!r}") from None


def describe_taken(taken: StepTaken) -> str:
    text = f"户号 {taken.account_no}：已记录，当前阶段 {label_of_stage(taken.stage)}"
    if taken.command_id is not None:
        text += f"；已下发远程命令 #{taken.command_id}（gridpay supply commands 查看）"
    return text


def label_of_stage(stage: str) -> str:
    return Stage(stage).label


def describe_timeline(timeline: Timeline) -> str:
    lines = [f"户号 {timeline.account_no} {timeline.customer_name}：当前欠费 {format_yuan(timeline.owed_fen)} 元"]
    if timeline.case is None:
        lines.append("没有停电催费案件。")
        return "\n".join(lines)
    lines.append(f"阶段：{timeline.case.stage.label}" + (f"（此前已有 {timeline.earlier_cases} 件）"
                                                         if timeline.earlier_cases else ""))
    for event in timeline.events:
        detail = f"：{event.detail}" if event.detail else ""
        lines.append(f"  {event.at.astimezone(clock.zone()):%Y-%m-%d %H:%M}  {event.what}（{event.by}）{detail}")
    lines += next_lines(timeline.case)
    return "\n".join(lines)


def next_lines(item: WorkItem) -> list[str]:
    lines = []
    for step in item.next:
        who = "、".join(role.label for role in Role if role in step.roles) or "—"
        who += "；系统自动" if step.system else ""
        line = f"  下一步：{step.step.label}（可办：{who}）"
        if step.not_before is not None:
            line += f"，不早于 {step.not_before.astimezone(clock.zone()):%Y-%m-%d %H:%M}"
        if step.deadline is not None:
            line += f"，须在 {step.deadline.astimezone(clock.zone()):%Y-%m-%d %H:%M} 前"
        if step.blocked_because:
            line += f"。暂不能办：{step.blocked_because}"
        lines.append(line)
    if item.late_reconnection:
        lines.append("  复电已超过 24 小时：须向客户和主管说明原因")
    return lines


def describe_items(items: list[WorkItem]) -> str:
    if not items:
        return "没有待办的停电催费案件。"
    lines = [f"共 {len(items)} 件："]
    for item in items:
        lines.append(f"{item.account_no} {item.customer_name} {item.village} 欠费 {format_yuan(item.owed_fen)} 元 "
                     f"— {item.stage.label}")
        lines += next_lines(item)
    return "\n".join(lines)
