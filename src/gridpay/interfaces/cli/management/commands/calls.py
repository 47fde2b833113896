"""`gridpay calls list | record`: the grid staff's phone-call tasks (三通电话) and their outcomes."""

from argparse import ArgumentParser
from datetime import date
from typing import Any

from gridpay.application.staff.acting_staff import acting_staff
from gridpay.application.supply.call_tasks import count_calls, list_call_tasks, record_call_outcome
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json


class Command(GridpayCommand):
    help = "电话任务（三通电话）：list 按网格员列出待拨打，record 记录通话结果"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出截至某日应拨打的电话任务")
        listing.add_argument("--staff", help="网格员姓名")
        listing.add_argument("--date", type=date.fromisoformat, help="截至日期，默认今天")
        listing.add_argument("--all", action="store_true", help="包括已有结果的任务")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        record = sub.add_parser("record", help="记录一次通话的结果")
        record.add_argument("task_id", type=int, help="电话任务编号（calls list 列出）")
        record.add_argument("--outcome", required=True, help="reached、not_reached、wrong_number 或 paid")
        record.add_argument("--note", default="", help="备注")
        record.add_argument("--as", dest="as_user", required=True,
                            help="记录人登录名（网格员只能记录自己的电话任务，班长、所长可记录任何任务）")

    def handle(self, *args: Any, **options: Any) -> None:
        with domain_errors_as_command_errors():
            if options["action"] == "record":
                acting = acting_staff(options["as_user"])
                record_call_outcome(task_id=options["task_id"], outcome=options["outcome"], note=options["note"],
                                    name=acting.name or acting.username, actor=acting.actor, roles=acting.roles,
                                    at=clock.now())
                console.print(f"已记录电话任务 {options['task_id']} 的结果。")
                return
            through = options["date"] or clock.today()
            lines = list_call_tasks(through=through, grid_staff=options["staff"], include_done=options["all"])
            counts = count_calls(through=through, grid_staff=options["staff"], include_done=options["all"])
        if options["json"]:
            print_json(lines)
            return
        if not lines:
            console.print("没有待拨打的电话任务。")
            return
        what = "电话任务" if options["all"] else "待拨打"
        urgent = f"，今日必打 {counts.urgent} 个" if counts.urgent else ""
        kinds = "；".join(f"{kind.label} {kind.calls}" for kind in counts.kinds)
        console.print(f"{what} {len(lines)} 个{urgent}（{kinds}）；今日必打的在前，其余由近及远：")
        for line in lines:
            staff = "" if options["staff"] else f"{line.grid_staff}  "
            mark = "【今日必打】" if line.urgent else ""
            console.print(
                f"  [{line.task_id}] {line.due_on} {mark}{line.reason}  {staff}{line.account_no} {line.customer_name} "
                f"{line.phone} {line.village}  {line.outcome} {line.note}".rstrip()
            )
