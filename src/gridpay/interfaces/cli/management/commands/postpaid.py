"""`gridpay postpaid bill|accrue|waive`: postpaid bills on the reading day, daily late fees, and waivers."""

from argparse import ArgumentParser
from datetime import date
from typing import Any

from gridpay.application.postpaid.accrue_late_fees import AccrualReport, accrue_late_fees
from gridpay.application.postpaid.issue_bills import BillRunReport, issue_bills
from gridpay.application.postpaid.set_reading_day import set_reading_day
from gridpay.application.postpaid.waive_late_fee import waive_late_fee
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.domain.money import fen_from_yuan_text, format_yuan
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json, progress


class Command(GridpayCommand):
    help = "后付费：bill 抄表例日发行电费，accrue 计收违约金，waive 所长减免违约金，reading-day 设置抄表例日"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        bill = sub.add_parser("bill", help="发行抄表例日为该日的后付费户电费（重复运行不会重复发行）")
        bill.add_argument("--date", type=date.fromisoformat, help="抄表日 YYYY-MM-DD，默认今天")
        bill.add_argument("--json", action="store_true", help="以 JSON 输出")
        accrue = sub.add_parser("accrue", help="计收逾期电费的违约金，计至该日（含）")
        accrue.add_argument("--date", type=date.fromisoformat, help="计至日期 YYYY-MM-DD，默认今天")
        accrue.add_argument("--json", action="store_true", help="以 JSON 输出")
        waive = sub.add_parser("waive", help="减免一张电费单的违约金（仅所长，须写明原因）")
        waive.add_argument("--bill", required=True, help="电费单号")
        waive.add_argument("--yuan", help="减免金额（元），默认全部未交违约金")
        waive.add_argument("--reason", required=True, help="减免原因")
        waive.add_argument("--as", dest="as_user", required=True, help="操作人登录名（须为所长）")
        waive.add_argument("--json", action="store_true", help="以 JSON 输出")
        reading = sub.add_parser("reading-day", help="设置村/社区或台区的抄表例日（每月 1–28 日）")
        where = reading.add_mutually_exclusive_group(required=True)
        where.add_argument("--village", help="村/社区名称")
        where.add_argument("--area", help="台区名称（优先于所在村的抄表例日）")
        reading.add_argument("--day", type=int, required=True, help="每月几日抄表")
        reading.add_argument("--as", dest="as_user", required=True, help="操作人登录名")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        with domain_errors_as_command_errors():
            if action == "bill":
                with progress("发行电费", total=None) as advance:
                    bills = issue_bills(day=options["date"] or clock.today(), at=clock.now(), on_progress=advance)
                self._show(bills, options, describe_bills)
            elif action == "accrue":
                with progress("计收违约金", total=None) as advance:
                    accrual = accrue_late_fees(through=options["date"] or clock.today(), at=clock.now(),
                                               on_progress=advance)
                self._show(accrual, options, describe_accrual)
            elif action == "reading-day":
                staff = acting_staff(options["as_user"])
                what = set_reading_day(day=options["day"], village=options["village"] or "",
                                       area=options["area"] or "", actor=staff.actor, at=clock.now())
                console.print(f"{what} 的抄表例日：每月 {options['day']} 日")
            else:
                staff = acting_staff(options["as_user"])
                amount = None if options["yuan"] is None else fen_from_yuan_text(options["yuan"])
                bill = waive_late_fee(bill_no=options["bill"], amount_fen=amount, reason=options["reason"],
                                      actor=staff.actor, roles=set(staff.roles), at=clock.now(),
                                      business_day=clock.today())
                if options["json"]:
                    print_json(bill)
                    return
                console.print(f"电费单 {bill.bill_no}：已减免违约金合计 {format_yuan(bill.late_fee_waived_fen)} 元，"
                              f"尚欠 {format_yuan(bill.owed_fen)} 元")

    @staticmethod
    def _show(report: Any, options: dict[str, Any], describe: Any) -> None:
        if options["json"]:
            print_json(report)
        else:
            console.print(describe(report))


def describe_bills(report: BillRunReport) -> str:
    if not report.due:
        return f"{report.day} 抄表例日：没有待发行的后付费户（本月的电费单都已发行，或没有以该日为抄表例日的户）"
    lines = [
        f"{report.day} 抄表例日：应发行 {report.due} 户，已发行 {report.issued} 张电费单，"
        f"电量 {report.energy_kwh} kWh，电费 {format_yuan(report.amount_fen)} 元"
    ]
    if report.without_reading:
        shown = "、".join(report.without_reading[:10]) + ("等" if len(report.without_reading) > 10 else "")
        lines.append(f"缺当日读数未发行 {len(report.without_reading)} 户：{shown}"
                     "（补录读数 gridpay readings import 后重新运行）")
    for account_no, why in list(report.refused.items())[:10]:
        lines.append(f"户号 {account_no} 未能计费：{why}")
    return "\n".join(lines)


def describe_accrual(report: AccrualReport) -> str:
    return (f"违约金计至 {report.through}：逾期电费单 {report.bills} 张，本次计收 {report.charged_bills} 张，"
            f"合计 {format_yuan(report.charged_fen)} 元")
