"""`gridpay green …`: the green channel (绿色通道): hardship households, home collection, the collectors' cash."""

import secrets
from argparse import ArgumentParser
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from gridpay.application.green_channel.collect_at_home import CollectionResult, Photo, collect_at_home
from gridpay.application.green_channel.flag_household import FlagView, flag_household, unflag_household
from gridpay.application.green_channel.green_lists import collectors_cash, discrepancies, flagged_households
from gridpay.application.green_channel.hand_in_cash import HandInResult, hand_in_cash
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.domain.green_channel import HardshipKind
from gridpay.domain.money import InvalidAmount, fen_from_yuan_text, format_yuan
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json

PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


class Command(GridpayCommand):
    help = ("绿色通道：flag 登记困难户、unflag 取消、list 名单；collect 上门收费入账；settle 收费员现金缴存；"
            "cash 收费员现金、discrepancies 差异清单")

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        kinds = "、".join(f"{k.value}（{k.label}）" for k in HardshipKind)
        flag = sub.add_parser("flag", help="登记绿色通道户（班长或所长批准）")
        flag.add_argument("--account", required=True, help="户号")
        flag.add_argument("--kind", required=True, choices=[k.value for k in HardshipKind], help=f"困难类别：{kinds}")
        flag.add_argument("--reason", default="", help="原因（类别为 other 时必填）")
        flag.add_argument("--as", dest="as_user", required=True, help="批准人登录名（班长或所长）")
        flag.add_argument("--json", action="store_true", help="以 JSON 输出")
        unflag = sub.add_parser("unflag", help="取消绿色通道户（登记记录保留）")
        unflag.add_argument("--account", required=True, help="户号")
        unflag.add_argument("--reason", required=True, help="取消原因")
        unflag.add_argument("--as", dest="as_user", required=True, help="班长或所长登录名")
        unflag.add_argument("--json", action="store_true", help="以 JSON 输出")
        listing = sub.add_parser("list", help="绿色通道户名单")
        listing.add_argument("--all", action="store_true", help="连同已取消的登记")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        collect = sub.add_parser("collect", help="上门收费：收费员登记收取的现金，立即入账（同一收据号只入账一次）")
        collect.add_argument("--account", required=True, help="户号（须为绿色通道户）")
        amount = collect.add_mutually_exclusive_group(required=True)
        amount.add_argument("--yuan", help="金额（元），如 100 或 100.50")
        amount.add_argument("--amount-fen", type=int, help="金额（整数分）")
        collect.add_argument("--receipt-no", required=True, help="收费员收据本上的收据号")
        collect.add_argument("--photo", type=Path, help="收据照片（JPEG 或 PNG，可选）")
        collect.add_argument("--as", dest="as_user", required=True, help="收费员登录名（网格员或班长）")
        collect.add_argument("--json", action="store_true", help="以 JSON 输出")
        settle = sub.add_parser("settle", help="营业员清点收费员缴存的上门收费现金，核销其未缴存的收费")
        settle.add_argument("--collector", required=True, help="收费员登录名")
        settle.add_argument("--amount-fen", required=True, type=int, help="实收现金（整数分）")
        settle.add_argument("--slip", default="", help="缴款单号（重复提交用同一个；不给则自动生成）")
        settle.add_argument("--as", dest="as_user", required=True, help="营业员登录名")
        settle.add_argument("--json", action="store_true", help="以 JSON 输出")
        cash = sub.add_parser("cash", help="各收费员上门收费：已收、已缴存、未缴存")
        cash.add_argument("--collector", default="", help="只看这一名收费员")
        cash.add_argument("--json", action="store_true", help="以 JSON 输出")
        late = sub.add_parser("discrepancies", help="差异清单：次一工作日结束前未缴存的收费、金额不符的缴存")
        late.add_argument("--date", type=date.fromisoformat, help="截至日期，默认今天")
        late.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        with domain_errors_as_command_errors():
            if action == "flag":
                flagged = flag_household(account_no=options["account"], kind=options["kind"],
                                         reason=options["reason"], staff=acting_staff(options["as_user"]),
                                         at=clock.now())
                self._show(flagged, options, _flag_line(flagged, "已登记为绿色通道户" if not flagged.replayed
                                                         else "已是绿色通道户（未重复登记）"))
            elif action == "unflag":
                ended = unflag_household(account_no=options["account"], reason=options["reason"],
                                         staff=acting_staff(options["as_user"]), at=clock.now())
                self._show(ended, options, _flag_line(ended, "已取消绿色通道（登记记录保留）"))
            elif action == "list":
                self._list(options)
            elif action == "collect":
                self._collect(options)
            elif action == "settle":
                slip = options["slip"] or f"JK{clock.today():%Y%m%d}{secrets.token_hex(4).upper()}"
                result = hand_in_cash(collector=options["collector"], amount_fen=options["amount_fen"], slip_no=slip,
                                      staff=acting_staff(options["as_user"]), at=clock.now(),
                                      business_day=clock.today())
                self._show(result, options, _hand_in_line(result))
            elif action == "cash":
                rows = collectors_cash(collector=options["collector"])
                if options["json"]:
                    print_json(rows)
                    return
                if not rows:
                    console.print("没有上门收费记录")
                for row in rows:
                    console.print(
                        f"{row.collector_name or row.collector}（{row.collector}）  {row.collections} 笔  "
                        f"已收 {format_yuan(row.collected_fen)} 元  已缴存核销 {format_yuan(row.settled_fen)} 元  "
                        f"未缴存 {format_yuan(row.outstanding_fen)} 元  实缴现金 {format_yuan(row.handed_in_fen)} 元"
                    )
            else:
                self._discrepancies(options)

    @staticmethod
    def _show(value: Any, options: dict[str, Any], line: str) -> None:
        if options["json"]:
            print_json(value)
        else:
            console.print(line)

    @staticmethod
    def _list(options: dict[str, Any]) -> None:
        rows = flagged_households(with_ended=options["all"])
        if options["json"]:
            print_json(rows)
            return
        if not rows:
            console.print("没有绿色通道户")
        for row in rows:
            ended = (f"  已于 {_local(row.unflagged_at):%Y-%m-%d} 由 {row.unflagged_by} 取消：{row.unflag_reason}"
                     if row.unflagged_at else "")
            console.print(f"{row.account_no} {row.customer_name}  {row.kind_label}"
                          f"{'：' + row.reason if row.reason else ''}  {_local(row.approved_at):%Y-%m-%d} "
                          f"{row.approved_by} 批准{ended}")

    @staticmethod
    def _collect(options: dict[str, Any]) -> None:
        if options["yuan"] is not None:
            try:
                amount_fen = fen_from_yuan_text(options["yuan"])
            except InvalidAmount as error:
                raise CommandError(f"--yuan：{error.message}") from None
        else:
            amount_fen = options["amount_fen"]
        photo = _photo(options["photo"]) if options["photo"] else None
        result = collect_at_home(account_no=options["account"], amount_fen=amount_fen,
                                 receipt_no=options["receipt_no"], staff=acting_staff(options["as_user"]),
                                 at=clock.now(), business_day=clock.today(), photo=photo)
        if options["json"]:
            print_json(result)
        else:
            console.print(_collection_line(result))

    @staticmethod
    def _discrepancies(options: dict[str, Any]) -> None:
        found = discrepancies(today=options["date"] or clock.today())
        if options["json"]:
            print_json(found)
            return
        if not found.late and not found.differing:
            console.print("没有差异：上门收费均已按时缴存，缴存金额均相符")
            return
        for late in found.late:
            state = f"{late.settled_on} 才缴存" if late.settled_on else "仍未缴存"
            console.print(f"逾期未缴存  {late.collector_name or late.collector}（{late.collector}）  "
                          f"收据 {late.receipt_no}  {late.account_no} {late.customer_name}  "
                          f"{format_yuan(late.amount_fen)} 元  {_local(late.collected_at):%Y-%m-%d} 收取，"
                          f"应于 {late.settle_by} 前缴存，{state}")
        for hand_in in found.differing:
            kind = "短款" if hand_in.difference_fen < 0 else "长款"
            console.print(f"金额不符  缴款单 {hand_in.slip_no}  {hand_in.collector_name or hand_in.collector}"
                          f"（{hand_in.collector}）  {hand_in.business_day}  "
                          f"应缴 {format_yuan(hand_in.expected_fen)} 元  "
                          f"实缴 {format_yuan(hand_in.handed_in_fen)} 元  {kind} "
                          f"{format_yuan(abs(hand_in.difference_fen))} 元")


def _local(instant: datetime) -> datetime:
    return instant.astimezone(clock.zone())


def _photo(path: Path) -> Photo:
    content_type = PHOTO_TYPES.get(path.suffix.lower())
    if content_type is None:
        raise CommandError(f"--photo：照片只能是 JPEG 或 PNG 图片（.jpg、.png），而不是 {path.name}")
    try:
        return Photo(data=path.read_bytes(), content_type=content_type)
    except OSError as error:
        raise CommandError(f"--photo：无法读取 {path}：{error.strerror}") from None


def _flag_line(flag: FlagView, what: str) -> str:
    reason = f"：{flag.reason}" if flag.reason else ""
    return f"{flag.account_no} {flag.customer_name} {what}（{flag.kind_label}{reason}）"


def _collection_line(result: CollectionResult) -> str:
    head = "重复提交，未重复入账" if result.replayed else "已入账"
    return (f"{head}：{result.account_no} {result.customer_name} 上门收费 {format_yuan(result.amount_fen)} 元，"
            f"收据号 {result.receipt_no}，可用余额 {format_yuan(result.available_balance_fen)} 元")


def _hand_in_line(result: HandInResult) -> str:
    head = "重复提交，未重复登记" if result.replayed else "已登记缴存"
    line = (f"{head}：缴款单 {result.slip_no}，收费员 {result.collector_name or result.collector}，"
            f"核销 {len(result.receipt_nos)} 笔，应缴 {format_yuan(result.expected_fen)} 元，"
            f"实缴 {format_yuan(result.handed_in_fen)} 元")
    if result.difference_fen:
        kind = "短款" if result.difference_fen < 0 else "长款"
        line += f"，{kind} {format_yuan(abs(result.difference_fen))} 元（列入差异清单）"
    return line
