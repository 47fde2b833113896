"""`gridpay collection areas|area-collector|area-assign|arrears`: collection areas and who answers for arrears."""


from datetime import date
from typing import Any

from gridpay.application.collection.arrears_assignments import ArrearsAssignment, arrears_assignments
from gridpay.application.collection.assign_to_area import assign_to_area
from gridpay.application.collection.list_areas import AreasOverview, list_areas
from gridpay.application.collection.set_area_collector import set_area_collector
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.domain.money import format_yuan
from gridpay.interfaces import clock
from gridpay.interfaces.output import console, print_json

ACTIONS = ("areas", "area-collector", "area-assign", "arrears")


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
        lines = arrears_assignments(day=options["date"] or clock.today(), collector=options["collector"])
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
