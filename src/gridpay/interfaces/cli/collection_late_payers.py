"""`gridpay collection chronic|credit-report|notice`: the chronic late payers' file and its reminders, the credit report
list (征信) and the public arrears notice (欠费公示).

Each group names its own second level (chronic_action, credit_action, notice_action)."""


from argparse import ArgumentParser, _SubParsersAction
from datetime import date
from pathlib import Path
from typing import Any

from gridpay.application.collection.approve_arrears_notice import approve_arrears_notice
from gridpay.application.collection.approve_credit_report import approve_credit_report
from gridpay.application.collection.arrears_notices import ArrearsNoticeView, arrears_notice, arrears_notices
from gridpay.application.collection.chronic_file import ChronicEntry, chronic_file
from gridpay.application.collection.credit_reports import CreditReportView, credit_report, credit_reports
from gridpay.application.collection.draft_arrears_notice import draft_arrears_notice
from gridpay.application.collection.draft_credit_report import draft_credit_report
from gridpay.application.collection.export_credit_report import export_credit_report
from gridpay.application.collection.keep_chronic_entry import EntryChange, keep_chronic_entry
from gridpay.application.collection.print_arrears_notice import print_arrears_notice
from gridpay.application.collection.rebuild_chronic_file import RebuildReport, rebuild_chronic_file
from gridpay.application.collection.send_reminders import ReminderLine, ReminderRun, send_reminders
from gridpay.application.collection.set_payment_reminder import set_payment_reminder
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.domain.chronic_payers import ReminderMethod
from gridpay.domain.money import format_yuan
from gridpay.domain.texts import label_of
from gridpay.integrations.files.output_file import output_file
from gridpay.interfaces import clock
from gridpay.interfaces.output import console, print_json

# --- chronic: the chronic late payers' file (长期延时交费档案) and the reminders ------------------------------------


def add_chronic_arguments(sub: "_SubParsersAction[ArgumentParser]") -> None:
    chronic = sub.add_parser("chronic", help="长期延时交费档案：rebuild 重建，list 查看，set 维护提醒方式，"
                                                "remind 当日提醒，monthly 每月交费提醒登记")
    actions = chronic.add_subparsers(dest="chronic_action", required=True)
    rebuild = actions.add_parser("rebuild", help="按交费记录重建档案（保留工作人员的备注和提醒方式）")
    rebuild.add_argument("--date", type=date.fromisoformat, help="截至日期 YYYY-MM-DD，默认今天")
    rebuild.add_argument("--json", action="store_true", help="以 JSON 输出")
    listing = actions.add_parser("list", help="列出档案")
    listing.add_argument("--village", default="", help="只列此村/社区")
    listing.add_argument("--all", action="store_true", help="包括已出档的户")
    listing.add_argument("--json", action="store_true", help="以 JSON 输出")
    keep = actions.add_parser("set", help="登记一户的提醒方式、亲友或邻居的姓名与手机、每月交费日、备注")
    keep.add_argument("--account", required=True, help="户号")
    keep.add_argument("--method", choices=[m.value for m in ReminderMethod],
                      help="call 电话、sms_contact 短信提醒亲友邻居、visit 上门")
    keep.add_argument("--contact-name", help="亲友或邻居的姓名")
    keep.add_argument("--contact-phone", help="亲友或邻居的手机号")
    keep.add_argument("--relation", choices=["relative", "neighbour"], help="relative 亲属、neighbour 邻居")
    keep.add_argument("--due-day", type=int, help="智能交费户的每月交费日（1–28）")
    keep.add_argument("--note", help="备注")
    keep.add_argument("--as", dest="as_user", required=True, help="操作人登录名")
    remind = actions.add_parser("remind", help="当日到期的提醒：短信进短信发送队列，电话进电话任务，上门列出清单")
    remind.add_argument("--date", type=date.fromisoformat, help="日期 YYYY-MM-DD，默认今天")
    remind.add_argument("--json", action="store_true", help="以 JSON 输出")
    monthly = actions.add_parser("monthly", help="登记或停止每月交费短信提醒（用户自愿）")
    monthly.add_argument("--account", required=True, help="户号")
    monthly.add_argument("--day", type=int, help="每月几日提醒（1–28）")
    monthly.add_argument("--phone", default="", help="接收提醒的手机号，默认该户的短信号码")
    monthly.add_argument("--stop", action="store_true", help="停止提醒")
    monthly.add_argument("--as", dest="as_user", required=True, help="操作人登录名")


def handle_chronic(options: dict[str, Any]) -> None:
    action = options["chronic_action"]
    if action == "rebuild":
        report = rebuild_chronic_file(day=options["date"] or clock.today(), at=clock.now())
        show(report, describe_rebuild, as_json=options["json"])
    elif action == "list":
        entries = chronic_file(day=clock.today(), village=options["village"], include_left=options["all"])
        show(entries, describe_file, as_json=options["json"])
    elif action == "set":
        staff = acting_staff(options["as_user"])
        change = EntryChange(method=options["method"], contact_name=options["contact_name"],
                             contact_phone=options["contact_phone"], contact_relation=options["relation"],
                             due_day=options["due_day"], note=options["note"])
        keep_chronic_entry(account_no=options["account"], change=change, actor=staff.actor, roles=set(staff.roles),
                           at=clock.now())
        console.print(f"户号 {options['account']} 的档案已更新")
    elif action == "remind":
        run = send_reminders(day=options["date"] or clock.today(), at=clock.now())
        show(run, describe_reminders, as_json=options["json"])
    else:
        staff = acting_staff(options["as_user"])
        reminder = set_payment_reminder(account_no=options["account"], day_of_month=options["day"],
                                        phone=options["phone"], stop=options["stop"], actor=staff.actor,
                                        roles=set(staff.roles), at=clock.now())
        if reminder.active:
            to = reminder.phone or "该户的短信号码"
            console.print(f"户号 {options['account']}：每月 {reminder.day_of_month} 日短信提醒交费（{to}）")
        else:
            console.print(f"户号 {options['account']}：已停止每月交费提醒")


def describe_rebuild(report: RebuildReport) -> str:
    return (f"长期延时交费档案（{report.window_start} 至 {report.day}）：在档 {report.current} 户，"
            f"新入档 {report.added} 户，出档 {report.left} 户")


def describe_file(entries: list[ChronicEntry]) -> str:
    if not entries:
        return "档案中没有户"
    lines = []
    for e in entries:
        contact = f" {e.contact_relation}{e.contact_name} {e.contact_phone}".rstrip() if e.contact_name else ""
        state = "" if e.current else f"（{e.left_on} 出档）"
        due = f"；{e.reminder_on} 提醒（{e.next_due_on} 交费期限）" if e.current and e.next_due_on else ""
        lines.append(f"{e.account_no} {e.customer_name} {e.village} {e.reason}{state}；{e.method_label}{contact}{due}"
                     + (f"；备注：{e.note}" if e.note else ""))
    return "\n".join(lines)


def describe_reminders(run: ReminderRun) -> str:
    lines = [f"{run.day} 提醒：短信转告亲友邻居 {len(run.sms)} 户（新入短信队列 {run.contact_sms} 条），"
             f"电话 {len(run.calls)} 户（新建电话任务 {run.calls_opened} 个），上门 {len(run.visits)} 户；"
             f"每月交费提醒短信 {run.monthly_sms} 条"]
    for title, shown in (("电话提醒", run.calls), ("上门提醒", run.visits)):
        if shown:
            lines.append(f"{title}：")
            lines.extend(_reminder_line(line) for line in shown)
    if run.without_phone:
        lines.append(f"没有手机号、未能发送每月提醒：{'、'.join(run.without_phone)}")
    return "\n".join(lines)


def _reminder_line(line: ReminderLine) -> str:
    owed = f"，应交 {format_yuan(line.owed_fen)} 元" if line.owed_fen else ""
    staff = line.grid_staff or "（未分配网格员）"
    return (f"  {staff}：{line.account_no} {line.customer_name} {line.village} {line.address} {line.phone}"
            f" — {line.due_on} 前交费{owed}（{label_of(ReminderMethod, line.method)}）")


# --- credit-report: the list for the credit system (征信报送名单) ---------------------------------------------------


def add_credit_report_arguments(sub: "_SubParsersAction[ArgumentParser]") -> None:
    report = sub.add_parser("credit-report", help="征信报送名单：draft 拟定，approve 所长批准，export 导出 CSV，"
                                                     "list 列出，show 查看")
    actions = report.add_subparsers(dest="credit_action", required=True)
    draft = actions.add_parser("draft", help="按持续欠费标准拟定名单（截至今天）")
    draft.add_argument("--as", dest="as_user", required=True, help="操作人登录名")
    draft.add_argument("--json", action="store_true", help="以 JSON 输出")
    approve = actions.add_parser("approve", help="批准名单（仅所长）")
    approve.add_argument("--id", type=int, required=True, help="名单编号")
    approve.add_argument("--as", dest="as_user", required=True, help="所长登录名")
    export = actions.add_parser("export", help="把已批准的名单导出为 CSV 文件（不覆盖已有文件）")
    export.add_argument("--id", type=int, required=True, help="名单编号")
    export.add_argument("--out", type=Path, required=True, help="CSV 文件")
    export.add_argument("--as", dest="as_user", required=True, help="操作人登录名")
    listing = actions.add_parser("list", help="列出名单")
    listing.add_argument("--json", action="store_true", help="以 JSON 输出")
    one = actions.add_parser("show", help="查看一份名单")
    one.add_argument("--id", type=int, required=True, help="名单编号")
    one.add_argument("--json", action="store_true", help="以 JSON 输出")


def handle_credit_report(options: dict[str, Any]) -> None:
    action = options["credit_action"]
    if action == "list":
        show(credit_reports(), describe_credit_reports, as_json=options["json"])
        return
    if action == "show":
        show(credit_report(report_id=options["id"]), describe_credit_report, as_json=options["json"])
        return
    staff = acting_staff(options["as_user"])
    if action == "draft":
        drafted = draft_credit_report(day=clock.today(), actor=staff.actor, roles=set(staff.roles), at=clock.now())
        show(drafted, describe_credit_report, as_json=options["json"])
    elif action == "approve":
        approved = approve_credit_report(report_id=options["id"], actor=staff.actor, roles=set(staff.roles),
                                         at=clock.now())
        console.print(f"征信报送名单 {approved.report_id} 已批准：{approved.accounts} 户，"
                      f"合计 {format_yuan(approved.total_fen)} 元")
    else:
        with output_file(options["out"]) as out:
            exported = export_credit_report(report_id=options["id"], actor=staff.actor, roles=set(staff.roles),
                                            at=clock.now(), deliver=out.write)
        console.print(f"征信报送名单 {exported.report_id} 已导出：{exported.accounts} 户 → {options['out']}")


def describe_credit_reports(reports: list[CreditReportView]) -> str:
    if not reports:
        return "还没有征信报送名单"
    return "\n".join(f"{r.report_id} 截至 {r.as_of} {r.status_label} {r.accounts} 户 "
                     f"{format_yuan(r.total_fen)} 元 拟定：{r.created_by}"
                     + (f" 批准：{r.approved_by}" if r.approved_by else "")
                     + (" 已导出" if r.exported_at else "") for r in reports)


def describe_credit_report(report: CreditReportView) -> str:
    lines = [f"征信报送名单 {report.report_id}（{report.status_label}）：截至 {report.as_of}，"
             f"欠费 {report.min_days} 天以上、{format_yuan(report.min_fen)} 元以上，"
             f"共 {report.accounts} 户，合计 {format_yuan(report.total_fen)} 元"]
    lines.extend(f"  {line.account_no} {line.customer_name} {line.village} {format_yuan(line.owed_fen)} 元 "
                 f"自 {line.since} 起 {line.days} 天" for line in report.lines)
    return "\n".join(lines)


# --- notice: the public arrears notice (欠费公示) -----------------------------------------------------------------


def add_notice_arguments(sub: "_SubParsersAction[ArgumentParser]") -> None:
    notice = sub.add_parser("notice", help="欠费公示：draft 拟定，approve 所长批准，print 打印 PDF，list 列出，"
                                              "show 查看")
    actions = notice.add_subparsers(dest="notice_action", required=True)
    draft = actions.add_parser("draft", help="拟定一个村/社区的欠费公示（截至今天）")
    draft.add_argument("--village", required=True, help="村/社区名称")
    draft.add_argument("--as", dest="as_user", required=True, help="操作人登录名")
    draft.add_argument("--json", action="store_true", help="以 JSON 输出")
    approve = actions.add_parser("approve", help="批准公示（仅所长）")
    approve.add_argument("--id", type=int, required=True, help="公示编号")
    approve.add_argument("--as", dest="as_user", required=True, help="所长登录名")
    printing = actions.add_parser("print", help="打印已批准的公示（A4 PDF，不覆盖已有文件）")
    printing.add_argument("--id", type=int, required=True, help="公示编号")
    printing.add_argument("--out", type=Path, required=True, help="PDF 文件")
    printing.add_argument("--as", dest="as_user", required=True, help="操作人登录名")
    listing = actions.add_parser("list", help="列出公示")
    listing.add_argument("--drafts", action="store_true", help="只列待批准的草稿")
    listing.add_argument("--json", action="store_true", help="以 JSON 输出")
    one = actions.add_parser("show", help="查看一份公示")
    one.add_argument("--id", type=int, required=True, help="公示编号")
    one.add_argument("--json", action="store_true", help="以 JSON 输出")


def handle_notice(options: dict[str, Any]) -> None:
    action = options["notice_action"]
    if action == "list":
        notices = arrears_notices(status="draft" if options["drafts"] else "")
        show(notices, describe_notices, as_json=options["json"])
        return
    if action == "show":
        show(arrears_notice(notice_id=options["id"]), describe_notice, as_json=options["json"])
        return
    staff = acting_staff(options["as_user"])
    if action == "draft":
        drafted = draft_arrears_notice(village=options["village"], day=clock.today(), actor=staff.actor,
                                       roles=set(staff.roles), at=clock.now())
        show(drafted, describe_notice, as_json=options["json"])
    elif action == "approve":
        approved = approve_arrears_notice(notice_id=options["id"], actor=staff.actor, roles=set(staff.roles),
                                          at=clock.now())
        console.print(f"欠费公示 {approved.notice_id}（{approved.village}）已批准：{approved.accounts} 户，"
                      f"合计 {format_yuan(approved.total_fen)} 元")
    else:
        with output_file(options["out"]) as out:
            printed = print_arrears_notice(notice_id=options["id"], actor=staff.actor, at=clock.now(),
                                           deliver=out.write)
        console.print(f"欠费公示 {printed.notice_id}（{printed.village}）已打印：{options['out']}")


def describe_notices(notices: list[ArrearsNoticeView]) -> str:
    if not notices:
        return "没有欠费公示"
    return "\n".join(f"{n.notice_id} {n.village} 截至 {n.as_of} {n.status_label} {n.accounts} 户 "
                     f"{format_yuan(n.total_fen)} 元" + (f" 批准：{n.approved_by}" if n.approved_by else "")
                     for n in notices)


def describe_notice(notice: ArrearsNoticeView) -> str:
    lines = [f"欠费公示 {notice.notice_id}（{notice.status_label}）：{notice.village}，截至 {notice.as_of}，"
             f"欠费 {notice.min_days} 天以上 {notice.accounts} 户，合计 {format_yuan(notice.total_fen)} 元"]
    lines.extend(f"  {line.masked_name} {line.masked_account_no} {format_yuan(line.owed_fen)} 元 {line.days} 天"
                 for line in notice.lines)
    return "\n".join(lines)


LATE_PAYER_GROUPS = {"chronic": handle_chronic, "credit-report": handle_credit_report, "notice": handle_notice}


def show(value: Any, describe: Any, *, as_json: bool) -> None:
    if as_json:
        print_json(value)
    else:
        console.print(describe(value))

ACTIONS = tuple(LATE_PAYER_GROUPS)


def add_late_payer_arguments(sub: "_SubParsersAction[ArgumentParser]") -> None:
    add_chronic_arguments(sub)
    add_credit_report_arguments(sub)
    add_notice_arguments(sub)


def handle_late_payers(options: dict[str, Any]) -> None:
    LATE_PAYER_GROUPS[options["action"]](options)
