"""`gridpay temporary register|show|connect|end|expire|field-done`: temporary supply (临时用电), prepaid before
connection, settled up at its end."""

from argparse import ArgumentParser
from contextlib import nullcontext
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from gridpay.application.staff.acting_staff import acting_staff
from gridpay.application.tariffs.install_builtin_tariffs import install_builtin_tariffs
from gridpay.application.temporary.complete_field_work import DONE, complete_field_work
from gridpay.application.temporary.connect_temporary_supply import connect_temporary_supply
from gridpay.application.temporary.disconnect_expired import disconnect_expired_supplies
from gridpay.application.temporary.end_temporary_supply import end_temporary_supply
from gridpay.application.temporary.register_temporary_supply import (
    TemporaryRegistration,
    register_temporary_supply,
)
from gridpay.application.temporary.show_temporary_supply import TemporaryView, list_temporary_supplies
from gridpay.application.temporary.temporary_statement import statement_pdf, summary_lines, temporary_statement
from gridpay.data.models.field_work import WorkOrderKind
from gridpay.data.settings import gridpay_settings
from gridpay.domain.money import format_yuan
from gridpay.domain.temporary_supply import TemporaryPurpose
from gridpay.integrations.files.output_file import output_file
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json

PURPOSES = "、".join(f"{p.value}（{p.label}）" for p in TemporaryPurpose)


def kwh(text: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise CommandError(f"不是电量（千瓦时）：{text}") from None


class Command(GridpayCommand):
    help = "临时用电：register 登记，connect 预交足额后送电，end 结束（结算、退款或记欠费、销户），expire 期满停电"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        register = sub.add_parser("register", help="登记临时用电户：装表不送电，预交预计电费后送电")
        register.add_argument("--account", required=True, help="户号")
        register.add_argument("--name", required=True, help="客户名称")
        register.add_argument("--purpose", required=True, help=f"用电性质：{PURPOSES}")
        register.add_argument("--description", default="", help="用电事由，例如“村委会办公楼施工”")
        register.add_argument("--start", type=date.fromisoformat, required=True, help="计划开始日期 YYYY-MM-DD")
        register.add_argument("--end", type=date.fromisoformat, required=True, help="计划结束日期 YYYY-MM-DD")
        register.add_argument("--estimate-kwh", type=kwh, required=True, help="整个期限的预计用电量（千瓦时）")
        register.add_argument("--tariff", required=True, help="电价代码，例如 zj-resident-2024")
        register.add_argument("--meter", required=True, help="表号")
        register.add_argument("--address-645", dest="dlt645_address", required=True, help="表计通信地址（12 位）")
        register.add_argument("--meter-model", default="", help="表计型号代码")
        register.add_argument("--start-reading", type=kwh, default=Decimal(0), help="装表起始读数（千瓦时）")
        register.add_argument("--phone", default="", help="联系电话")
        register.add_argument("--address", default="", help="用电地址")
        register.add_argument("--village", default="", help="所在村/社区")
        register.add_argument("--no-remote", action="store_true",
                              help="表计不能远程拉合闸：送电、停电改为现场工单")
        register.add_argument("--as", dest="as_user", required=True, help="经办人登录名")
        register.add_argument("--json", action="store_true", help="以 JSON 输出")
        show = sub.add_parser("show", help="查看一户临时用电（预计、已交、已用、已退或欠费）；不给户号则列出未结束的")
        show.add_argument("--account", help="户号")
        show.add_argument("--all", action="store_true", help="列表包括已结束的")
        show.add_argument("--pdf", type=Path, help="把结算单写成 PDF（须给户号）")
        show.add_argument("--json", action="store_true", help="以 JSON 输出")
        connect = sub.add_parser("connect", help="预交电费足额后送电（远程合闸命令，或现场送电工单）")
        connect.add_argument("--account", required=True, help="户号")
        connect.add_argument("--as", dest="as_user", required=True, help="经办人登录名")
        connect.add_argument("--json", action="store_true", help="以 JSON 输出")
        end = sub.add_parser("end", help="结束临时用电：末次读数、末次结算、退还余额（柜台现金）或记欠费、销户并停电")
        end.add_argument("--account", required=True, help="户号")
        end.add_argument("--date", type=date.fromisoformat, help="最后用电日 YYYY-MM-DD，默认今天（可提前结束）")
        end.add_argument("--final-reading", type=kwh, help="末次读数（拆表读数，千瓦时）；不给则用该日的日冻结读数")
        end.add_argument("--pdf", type=Path, help="把结算单写成 PDF")
        end.add_argument("--as", dest="as_user", required=True, help="经办人登录名")
        end.add_argument("--json", action="store_true", help="以 JSON 输出")
        expire = sub.add_parser("expire", help="期满停电：计划结束日已过而未办理结束的临时用电户（每日定时运行）")
        expire.add_argument("--date", type=date.fromisoformat, help="按该日判断期满，默认今天")
        field = sub.add_parser("field-done", help="回填现场工单：不能远程拉合闸的表计已现场送电或停电")
        field.add_argument("--account", required=True, help="户号")
        field.add_argument("--note", default="", help="现场情况")
        field.add_argument("--as", dest="as_user", required=True, help="计量班或营业厅人员登录名")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "field-done":
            with domain_errors_as_command_errors():
                staff = acting_staff(options["as_user"])
                kind = complete_field_work(account_no=options["account"], note=options["note"], actor=staff.actor,
                                           roles=set(staff.roles), at=clock.now())
            console.print(f"户号 {options['account'].strip()}：{DONE[WorkOrderKind(kind)]}，工单已关闭")
            return
        if action == "expire":
            report = disconnect_expired_supplies(today=options["date"] or clock.today(), at=clock.now())
            shown = "、".join(report.disconnected)
            console.print(f"期满停电 {len(report.disconnected)} 户" + (f"：{shown}" if shown else ""))
            return
        pdf: Path | None = options.get("pdf")
        if action == "show" and pdf and not options["account"]:
            raise CommandError("--pdf 须与 --account 一起给出")
        with domain_errors_as_command_errors(), output_file(pdf) if pdf else nullcontext() as out:
            if action == "show" and not options["account"]:
                self._list(options)
                return
            if action == "register":
                install_builtin_tariffs()  # what a new installation registers its first accounts on
                staff = acting_staff(options["as_user"])
                view = register_temporary_supply(
                    registration=TemporaryRegistration(
                        account_no=options["account"], customer_name=options["name"], tariff_code=options["tariff"],
                        meter_no=options["meter"], dlt645_address=options["dlt645_address"],
                        purpose=options["purpose"], description=options["description"],
                        planned_start=options["start"], planned_end=options["end"],
                        estimate_kwh=options["estimate_kwh"], phone=options["phone"], address=options["address"],
                        village=options["village"], meter_model=options["meter_model"],
                        start_total_kwh=options["start_reading"], remote_control=not options["no_remote"],
                    ),
                    actor=staff.actor, roles=set(staff.roles), at=clock.now(), business_day=clock.today(),
                )
                said = f"已登记临时用电户 {view.account_no}：须预交 {format_yuan(view.estimate_fen)} 元后送电"
            elif action == "connect":
                staff = acting_staff(options["as_user"])
                view = connect_temporary_supply(account_no=options["account"], actor=staff.actor,
                                                roles=set(staff.roles), at=clock.now(), today=clock.today())
                said = f"临时用电户 {view.account_no} 已下达送电：" + (
                    f"远程合闸命令 {view.connect_command_id}" if view.connect_command_id
                    else f"现场送电工单 {view.connect_work_order_id}" if view.connect_work_order_id
                    else "表计已在供电状态")
            elif action == "end":
                staff = acting_staff(options["as_user"])
                view = end_temporary_supply(
                    account_no=options["account"], end_day=options["date"] or clock.today(),
                    final_total_kwh=options["final_reading"], actor=staff.actor, roles=set(staff.roles),
                    at=clock.now(), today=clock.today(),
                )
                said = f"临时用电户 {view.account_no} 已结束并销户：" + (
                    f"退还余额 {format_yuan(view.refunded_fen)} 元（柜台现金）" if view.refunded_fen
                    else f"欠费 {format_yuan(view.owed_fen)} 元，请补交" if view.owed_fen else "无余额可退，无欠费")
            else:
                said = ""
            statement = temporary_statement(account_no=options["account"], today=clock.today())
            if out is not None:
                out.write(statement_pdf(statement, utility=gridpay_settings().utility_name))
        if options["json"]:
            print_json(statement.supply)
            return
        if said:
            console.print(said)
        console.print("\n".join(summary_lines(statement.supply)))
        if pdf:
            console.print(f"临时用电结算单：{pdf}")

    @staticmethod
    def _list(options: dict[str, Any]) -> None:
        views = list_temporary_supplies(today=clock.today(), ended_too=options["all"])
        if options["json"]:
            print_json(views)
            return
        if not views:
            console.print("没有未结束的临时用电户")
            return
        for v in views:
            console.print(_line(v))


def _line(v: TemporaryView) -> str:
    owes = (f"还差 {format_yuan(v.shortfall_fen)} 元" if v.shortfall_fen else
            f"欠费 {format_yuan(v.owed_fen)} 元" if v.owed_fen else f"余额 {format_yuan(v.balance_fen)} 元")
    late = "，已过计划结束日" if v.overdue else ""
    return (f"{v.account_no} {v.customer_name} {v.purpose_label} {v.planned_start}—{v.planned_end} "
            f"{v.stage_label}：预计 {format_yuan(v.estimate_fen)} 元，已交 {format_yuan(v.paid_fen)} 元，"
            f"已用 {format_yuan(v.used_fen)} 元，{owes}{late}")
