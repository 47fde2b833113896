"""`gridpay collection campaign|bundle|follow-up|untouched`: the monthly campaign and what follows it (seed 003)."""

from argparse import ArgumentTypeError
from datetime import date
from pathlib import Path
from typing import Any

from gridpay.application.collection.bill_bundle import bill_bundle
from gridpay.application.collection.campaign_plan import CampaignPlan, plan_campaign
from gridpay.application.collection.campaign_rounds import RoundView, campaign_rounds
from gridpay.application.collection.follow_up_list import FollowUpLine, follow_up_csv, follow_up_list
from gridpay.application.collection.queue_campaign_sms import queue_campaign_sms
from gridpay.application.collection.record_follow_up import record_follow_up
from gridpay.application.collection.record_round_done import record_round_done
from gridpay.application.collection.untouched_accounts import UntouchedReport, untouched_accounts
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.data.settings import gridpay_settings
from gridpay.domain.collection_campaign import ContactOutcome, ContactWay, follow_up_date
from gridpay.domain.money import format_yuan
from gridpay.integrations.files.output_file import output_file
from gridpay.interfaces import clock
from gridpay.interfaces.output import console, print_json

ACTIONS = ("campaign", "bundle", "follow-up", "untouched")


def month_argument(text: str) -> date:
    try:
        return date.fromisoformat(f"{text.strip()}-01")
    except ValueError:
        raise ArgumentTypeError(f"月份应为 YYYY-MM，而不是 {text!r}") from None


def add_campaign_arguments(sub: Any) -> None:
    campaign = sub.add_parser("campaign", help="每月催费宣传（默认 12–18 日）：plan 安排，show 查看，done 记录完成，"
                                               "sms 当日短信")
    steps = campaign.add_subparsers(dest="campaign_action", required=True)
    plan = steps.add_parser("plan", help="按片区收费员安排本月宣传路线（已完成的轮次保留）")
    plan.add_argument("--month", required=True, type=month_argument, help="月份 YYYY-MM")
    plan.add_argument("--as", dest="as_user", required=True, help="操作人登录名（班长或所长）")
    show = steps.add_parser("show", help="宣传轮次：村、日期、路线顺序、广播词和微信群文字")
    show.add_argument("--collector", default="", help="只看这位收费员")
    show.add_argument("--date", type=date.fromisoformat, help="只看这一天 YYYY-MM-DD")
    show.add_argument("--month", type=month_argument, help="月份 YYYY-MM（不给日期时默认本月）")
    show.add_argument("--json", action="store_true", help="以 JSON 输出")
    done = steps.add_parser("done", help="记录一个宣传轮次已完成")
    done.add_argument("--round", dest="round_id", required=True, type=int, help="轮次编号（show 中的 #）")
    done.add_argument("--as", dest="as_user", required=True, help="完成人登录名")
    done.add_argument("--note", default="", help="备注")
    sms = steps.add_parser("sms", help="为当日宣传的村里仍欠费/余额不足的户排发短信（每户每月一次）")
    sms.add_argument("--date", type=date.fromisoformat, help="宣传日 YYYY-MM-DD，默认今天")
    bundle = sub.add_parser("bundle", help="宣传结束后：收费员的电费通知单（A4 PDF，按路线顺序，每户一张）")
    bundle.add_argument("--collector", required=True, help="收费员姓名")
    bundle.add_argument("--month", type=month_argument, help="月份 YYYY-MM，默认本月")
    bundle.add_argument("--date", type=date.fromisoformat, help="以该日未交的电费为准，默认今天")
    bundle.add_argument("--out", required=True, type=Path, help="PDF 文件（不覆盖已有文件）")
    follow = sub.add_parser("follow-up", help="催费跟进：list 跟进清单，record 记录一次联系")
    follow_steps = follow.add_subparsers(dest="follow_up_action", required=True)
    listing = follow_steps.add_parser("list", help="收费员负责的欠费户（按路线顺序），本月是否已有人联系")
    listing.add_argument("--collector", required=True, help="收费员姓名")
    listing.add_argument("--date", type=date.fromisoformat, help="日期，默认今天")
    listing.add_argument("--csv", type=Path, help="另存为 CSV 文件（不覆盖已有文件）")
    listing.add_argument("--json", action="store_true", help="以 JSON 输出")
    record = follow_steps.add_parser("record", help="记录一次催费联系")
    record.add_argument("--account", required=True, help="户号")
    record.add_argument("--how", required=True, choices=[w.value for w in ContactWay],
                        help="visit 上门、phone 电话、notice 送达通知、broadcast 广播（不计为已联系）")
    record.add_argument("--outcome", required=True, choices=[o.value for o in ContactOutcome],
                        help="promised 承诺交费、paid 已交费、refused 拒交、not_home 未见到人、other 其他")
    record.add_argument("--promised", type=date.fromisoformat, help="承诺交费日期 YYYY-MM-DD（promised 必填）")
    record.add_argument("--date", type=date.fromisoformat, help="联系日期，默认今天")
    record.add_argument("--note", default="", help="备注")
    record.add_argument("--as", dest="as_user", required=True, help="联系人登录名")
    untouched = sub.add_parser("untouched", help="本月欠费却无人联系过的户，及其负责收费员（月底给所长看）")
    untouched.add_argument("--month", type=month_argument, help="月份 YYYY-MM，默认本月")
    untouched.add_argument("--json", action="store_true", help="以 JSON 输出")


def handle_campaign(options: dict[str, Any]) -> None:
    action = options["action"]
    if action == "campaign":
        _campaign(options)
    elif action == "bundle":
        _bundle(options)
    elif action == "follow-up":
        _follow_up(options)
    else:
        report = untouched_accounts(month=options["month"] or clock.today(), today=clock.today())
        if options["json"]:
            print_json(report)
        else:
            console.print(describe_untouched(report))


def _campaign(options: dict[str, Any]) -> None:
    step = options["campaign_action"]
    if step == "plan":
        staff = acting_staff(options["as_user"])
        plan = plan_campaign(month=options["month"], today=clock.today(), actor=staff.actor, roles=staff.roles,
                             at=clock.now())
        console.print(describe_plan(plan))
    elif step == "show":
        day = options["date"]
        month = options["month"] or (None if day else clock.today())
        rounds = campaign_rounds(today=clock.today(), month=month, day=day, collector=options["collector"])
        if options["json"]:
            print_json(rounds)
        else:
            console.print(describe_rounds(rounds))
    elif step == "done":
        staff = acting_staff(options["as_user"])
        done = record_round_done(round_id=options["round_id"], actor=staff.actor, roles=staff.roles, at=clock.now(),
                                 note=options["note"])
        when = done.done_at.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")
        already = "（此前已记录，未更改）" if done.already else ""
        console.print(f"#{done.round_id} {done.village}（{done.day}）：{done.done_by} 于 {when} 完成{already}")
    else:
        sent = queue_campaign_sms(day=options["date"] or clock.today(), at=clock.now())
        console.print(f"{sent.day}：宣传 {sent.villages} 个村，{sent.households} 户有手机，新排发短信 {sent.queued} 条"
                      "（gridpay sms send 发送）")


def _bundle(options: dict[str, Any]) -> None:
    today = clock.today()
    day = options["date"] or today
    if options["date"] is None:
        follow_up = follow_up_date(month=today.replace(day=1), follow_up_day=gridpay_settings().follow_up_day)
        if today < follow_up:
            console.print(f"提示：本月宣传尚未结束，电费通知单通常在 {follow_up} 起打印。")
    with output_file(options["out"]) as out:
        bundle = bill_bundle(collector=options["collector"], month=options["month"] or day, day=day)
        if bundle.pdf is None:
            console.print(f"{bundle.collector} 负责的户没有未交的后付费电费单，没有要打印的。")
            return
        out.write(bundle.pdf)
    console.print(f"已打印 {bundle.collector} 的电费通知单 {len(bundle.account_nos)} 份，"
                  f"合计 {format_yuan(bundle.total_fen)} 元：{options['out']}")


def _follow_up(options: dict[str, Any]) -> None:
    if options["follow_up_action"] == "record":
        staff = acting_staff(options["as_user"])
        recorded = record_follow_up(
            account_no=options["account"], how=options["how"], outcome=options["outcome"],
            day=options["date"] or clock.today(), promised_on=options["promised"], note=options["note"],
            actor=staff.actor, roles=staff.roles, at=clock.now(),
        )
        promised = f"，承诺 {recorded.promised_on} 前交费" if recorded.promised_on else ""
        console.print(f"户号 {recorded.account_no}：已记录{ContactWay(recorded.how).label}联系，"
                      f"结果 {ContactOutcome(recorded.outcome).label}{promised}")
        return
    lines = follow_up_list(collector=options["collector"], day=options["date"] or clock.today())
    if options["csv"]:
        with output_file(options["csv"]) as out:
            out.write(follow_up_csv(lines))
        console.print(f"已保存 {len(lines)} 户：{options['csv']}")
    elif options["json"]:
        print_json(lines)
    else:
        console.print(describe_follow_ups(lines))


def describe_plan(plan: CampaignPlan) -> str:
    out = [f"{plan.month:%Y-%m} 宣传安排：{plan.days[0]} 至 {plan.days[-1]}，涉及 {plan.accounts} 户"
           + (f"；保留已完成的轮次 {plan.kept_done} 个" if plan.kept_done else "")]
    out.extend(f"  {p.collector}：{p.villages} 个村，{p.days} 天" for p in plan.collectors)
    if not plan.collectors:
        out.append("  没有需要宣传的村（没有未交电费或余额不足的户）")
    if plan.nobody:
        out.append(f"  另有 {plan.nobody} 户所在村没有负责人（未划片区也没有网格员），未安排：请先划分片区")
    out.append("gridpay collection campaign show 查看路线和广播词")
    return "\n".join(out)


def describe_rounds(rounds: list[RoundView]) -> str:
    if not rounds:
        return "没有宣传轮次（gridpay collection campaign plan --month YYYY-MM 安排）"
    out: list[str] = []
    for r in rounds:
        state = f"已完成（{r.done_by}）" if r.done_at else "待完成"
        out.append(f"#{r.round_id} {r.day} {r.collector} 第{r.position}站 {r.village}（{r.households} 户）{state}")
        out.append(f"    广播：{r.broadcast}")
        out.append("    微信群：" + r.wechat.replace("\n", " "))
    return "\n".join(out)


def describe_follow_ups(lines: list[FollowUpLine]) -> str:
    if not lines:
        return "没有欠费户"
    out = [f"欠费户 {len(lines)} 户，本月尚未联系 {sum(not line.asked for line in lines)} 户"]
    out.extend(f"{i}\t{line.village}\t{line.address}\t{line.account_no}\t{line.customer_name}\t{line.phone}\t"
               f"{format_yuan(line.owed_fen)} 元\t{'已联系' if line.asked else '未联系'}"
               for i, line in enumerate(lines, start=1))
    return "\n".join(out)


def describe_untouched(report: UntouchedReport) -> str:
    head = (f"{report.month:%Y-%m}（至 {report.through}）：欠费 {report.in_arrears} 户，"
            f"无人联系 {len(report.lines)} 户")
    if not report.lines:
        return head + "。每一户都有人问、有人管。"
    out = [head + "："]
    out.extend(f"{line.collector or '（无人负责）'}\t{line.area or '（未划片区）'}\t{line.village}\t{line.account_no}\t"
               f"{line.customer_name}\t{_owed(line.owed_fen)}" for line in report.lines)
    return "\n".join(out)


def _owed(owed_fen: int) -> str:
    return f"现欠 {format_yuan(owed_fen)} 元" if owed_fen > 0 else "已交清"
