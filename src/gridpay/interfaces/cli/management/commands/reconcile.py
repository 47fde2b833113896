"""`gridpay reconcile`: a channel's statement against our payments, its differences listed and resolved."""

from argparse import ArgumentParser
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from gridpay.application.errors import NotAllowed
from gridpay.application.payments.reconciliation.list_differences import DifferenceLine, list_differences
from gridpay.application.payments.reconciliation.reconcile_channel import ReconciliationReport, reconcile_channel
from gridpay.application.payments.reconciliation.resolve_difference import resolve_difference
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.data.settings import gridpay_settings
from gridpay.domain.money import format_yuan
from gridpay.domain.payments import PaymentChannel
from gridpay.domain.staff_roles import Action, may
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.channels.factory import ONLINE_CHANNELS, build_online_channel
from gridpay.integrations.channels.online import ChannelNotConfigured, ChannelRejected, ChannelUnavailable
from gridpay.integrations.files.output_file import output_file
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json


class Command(GridpayCommand):
    help = (
        "对账：reconcile --channel C --date D FILE 核对渠道对账单与本系统交费，列出每一处差异；"
        "--download 从微信支付/支付宝下载对账单；--differences 列出差异；--resolve ID 处理一处差异"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="渠道对账单文件")
        parser.add_argument(
            "--channel", help="渠道：" + "、".join(f"{c.value} {c.label}" for c in PaymentChannel)
        )
        parser.add_argument("--date", type=date.fromisoformat, help="对账日期，例如 2025-03-10")
        parser.add_argument("--download", action="store_true", help="从渠道下载该日对账单（wechat、alipay）")
        parser.add_argument("--save", type=Path, help="下载的对账单另存为此文件")
        parser.add_argument("--differences", action="store_true", help="列出对账差异")
        parser.add_argument("--open", action="store_true", help="只列未处理的差异")
        parser.add_argument("--resolve", type=int, metavar="ID", help="处理编号为 ID 的差异")
        parser.add_argument("--action", help="credit（核实后补记入账）、reverse（冲正）或 write-off（核销）")
        parser.add_argument("--account", default="", help="补记入账的户号（对账单没有户号时必填）")
        parser.add_argument("--note", default="", help="核实情况")
        parser.add_argument("--as", dest="as_user", help="经办人登录名（对账与处理差异：核算员或所长）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        with domain_errors_as_command_errors():
            if options["differences"]:
                lines = list_differences(channel=options["channel"], day=options["date"], open_only=options["open"])
                self._print_differences(lines, as_json=options["json"])
                return
            by = reconciler(options["as_user"])
            if options["resolve"] is not None:
                if not options["action"]:
                    raise CommandError("处理差异需要 --action credit|reverse|write-off")
                done = resolve_difference(
                    difference_id=options["resolve"], action=options["action"], actor=by, note=options["note"],
                    account_no=options["account"], at=clock.now(), business_day=clock.today(),
                )
                if options["json"]:
                    print_json(done)
                    return
                replay = "（此前已处理，未重复动账）" if done.replayed else ""
                moved = format_yuan(done.moved_fen)
                console.print(f"差异 {done.difference_id} 已处理：{done.resolution}，动账 {moved} 元{replay}")
                return
            if not options["channel"] or not options["date"]:
                raise CommandError("对账需要 --channel 和 --date，以及对账单文件（或 --download）")
            name, content = self._statement(options)
            report = reconcile_channel(
                channel=options["channel"], day=options["date"], file_name=name, content=content, run_by=by,
                at=clock.now(), zone=gridpay_settings().business_time_zone,
            )
            lines = list_differences(ids=report.difference_ids)
        if options["json"]:
            print_json({"report": report, "differences": lines})
            return
        console.print(describe(report))
        self._print_differences(lines, as_json=False)

    def _statement(self, options: dict[str, Any]) -> tuple[str, bytes]:
        path: Path | None = options["file"]
        if options["download"]:
            if options["channel"] not in ONLINE_CHANNELS:
                raise CommandError("只有 wechat、alipay 可以下载对账单；其他渠道请给出对账单文件")
            # Where the statement is kept is checked before it is downloaded, and it is kept before it is reconciled;
            # a later download of the same day replaces it (the channel's statement of that day, again).
            with output_file(options["save"], overwrite=True) if options["save"] else nullcontext() as out:
                try:
                    channel = build_online_channel(options["channel"], settings.PAYMENT_CHANNELS_CONFIG)
                    content = channel.statement(day=options["date"])
                # OSError, ValueError: what the download or its unpacking may still raise.
                except (ChannelNotConfigured, ChannelRejected, ChannelUnavailable, OSError, ValueError) as error:
                    raise CommandError(str(error)) from error
                if out:
                    out.write(content)
            return f"{options['channel']}-{options['date']}（下载）", content
        if path is None:
            raise CommandError("请给出对账单文件，或用 --download 从渠道下载")
        if not path.is_file():
            raise CommandError(f"找不到对账单文件 {path}")
        return path.name, path.read_bytes()

    def _print_differences(self, lines: list[DifferenceLine], *, as_json: bool) -> None:
        if as_json:
            print_json(lines)
            return
        if not lines:
            console.print("没有差异。")
            return
        for line in lines:
            statement = "—" if line.statement_amount_fen is None else format_yuan(line.statement_amount_fen)
            ours = "—" if line.our_amount_fen is None else format_yuan(line.our_amount_fen)
            what = f"退款 {line.refund_id}" if line.line_kind == "refund" else "交费"
            state = "待处理" if line.status == "open" else f"已处理：{line.resolution}（{line.resolved_by}）"
            account = line.statement_account_no or line.our_account_no or "—"
            if line.kind == "account_mismatch":
                account = f"渠道 {line.statement_account_no} / 本系统 {line.our_account_no}"
            console.print(
                f"  [{line.difference_id}] {line.kind_label}  {what} {line.channel_txn_id}  户号 {account}  "
                f"渠道 {statement} 元 / 本系统 {ours} 元  {state}"
            )


def reconciler(username: str | None) -> str:
    """The audit trail's name of the member of staff reconciling: the station's accountant (核算员) or its head, as
    the seeds divide the work; whoever takes the money does not reconcile it."""
    if not username:
        raise CommandError("对账与处理差异需要 --as 经办人登录名（核算员或所长）")
    staff = acting_staff(username)
    if not may(staff.roles, Action.RECONCILE):
        raise NotAllowed(gettext_noop("只有核算员或所长可以对账与处理差异：{actor} 不是"), field="as",
                         params={"actor": staff.actor})
    return staff.actor


def describe(report: ReconciliationReport) -> str:
    again = "（同一文件此前已对账，结果如下）" if report.replayed else ""
    return (
        f"{PaymentChannel(report.channel).label} {report.day} 对账{again}：对账单 {report.lines} 行，"
        f"相符 {report.matched}，差异 {len(report.difference_ids)}。\n"
        f"  交费：渠道 {format_yuan(report.statement_payments_fen)} 元，"
        f"本系统 {format_yuan(report.our_payments_fen)} 元；"
        f"退款：渠道 {format_yuan(report.statement_refunds_fen)} 元，本系统 {format_yuan(report.our_refunds_fen)} 元"
    )
