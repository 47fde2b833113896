"""`gridpay payments record`: records a payment taken at the counter (or reported by another channel)."""

from argparse import ArgumentParser
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from gridpay.application.payments.channels.list_refusals import list_refusals
from gridpay.application.payments.channels.refund_through_channel import refund_through_channel
from gridpay.application.payments.record_payment import PaymentResult, record_payment
from gridpay.application.payments.take_counter_payment import print_receipt, take_counter_payment
from gridpay.application.payments.void_counter_payment import ARREARS_AFTER_VOID, void_counter_payment
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.application.staff.counter_authorisation import NAME_THE_AUTHORISER, Authoriser
from gridpay.data.settings import gridpay_settings
from gridpay.domain.business_time import day_bounds
from gridpay.domain.channel_refunds import refund_status
from gridpay.domain.counter_desk import NEEDS_AUTHORISATION, TYPE_IT_AGAIN
from gridpay.domain.errors import DomainError
from gridpay.domain.money import format_yuan
from gridpay.domain.payments import PaymentChannel
from gridpay.integrations.channels.factory import ONLINE_CHANNELS, build_online_channel
from gridpay.integrations.channels.online import ChannelNotConfigured
from gridpay.integrations.files.output_file import output_file
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json


class Command(GridpayCommand):
    help = (
        "交费：record 记录一笔交费并立即入账（同一渠道流水号只入账一次）；counter 柜台收费并打印凭证；"
        "receipt 打印或补打凭证；void 当日作废本人的柜台收费；refund 经在线渠道原路退款；refusals 被拒绝的渠道通知"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        record = sub.add_parser("record", help="记录一笔交费并立即入账")
        record.add_argument("--account", required=True, help="户号（任何人都可为任何户号交费）")
        record.add_argument("--amount-fen", required=True, type=int, help="金额，整数分，例如 10000 即 100.00 元")
        record.add_argument(
            "--channel",
            default=PaymentChannel.COUNTER.value,
            help="交费渠道（默认 counter）："
            + "、".join(f"{channel.value} {channel.label}" for channel in PaymentChannel),
        )
        record.add_argument("--txn-id", required=True, help="渠道流水号（柜台为收据号）；重复提交不会重复入账")
        record.add_argument("--idempotency-key", help="幂等键（可选）")
        record.add_argument("--json", action="store_true", help="以 JSON 输出")
        counter = sub.add_parser("counter", help="营业厅柜台收费，打印交费凭证（PDF）")
        counter.add_argument("--account", required=True, help="户号")
        counter.add_argument("--amount-fen", required=True, type=int, help="金额，整数分")
        counter.add_argument("--receipt-no", required=True, help="收据号；重复提交不会重复入账")
        counter.add_argument("--cashier", required=True, help="收费员（登录名或姓名）")
        counter.add_argument("--confirm-amount-fen", type=int,
                             help="再次输入金额（整数分）：超过 GRIDPAY_COUNTER_TYPED_TWICE_ABOVE_YUAN"
                             "（默认 1000 元）时必填")
        counter.add_argument("--authorised-by", "--approved-by", dest="authorised_by",
                             help="授权的班长或所长登录名：超过 GRIDPAY_COUNTER_LIMIT_YUAN（默认 5000 元）时必填")
        counter.add_argument("--pdf", type=Path, help="交费凭证 PDF 保存到此文件")
        counter.add_argument("--json", action="store_true", help="以 JSON 输出")
        reprint = sub.add_parser("receipt", help="打印柜台交费凭证（PDF）：第一次打印为原件，之后为补打")
        reprint.add_argument("--receipt-no", required=True, help="收据号")
        reprint.add_argument("--pdf", type=Path, required=True, help="交费凭证 PDF 保存到此文件")
        void = sub.add_parser("void", help="作废本人当日的柜台收费（须班长或所长授权），从账户冲回全额，打印作废凭证")
        void.add_argument("--receipt-no", required=True, help="收据号")
        void.add_argument("--reason", required=True, help="作废原因")
        void.add_argument("--as", dest="as_user", required=True, help="收费员登录名（只能作废本人收的交费）")
        void.add_argument("--authorised-by", "--approved-by", dest="authorised_by", required=True,
                          help="授权的班长或所长登录名")
        void.add_argument("--pdf", type=Path, help="作废凭证 PDF 保存到此文件")
        void.add_argument("--json", action="store_true", help="以 JSON 输出")
        refusals = sub.add_parser("refusals", help="列出被拒绝的渠道通知与代收请求（伪造、篡改、重放、过期…）")
        refusals.add_argument("--channel", help="只看某个渠道")
        refusals.add_argument("--date", type=date.fromisoformat, help="只看某一天")
        refusals.add_argument("--json", action="store_true", help="以 JSON 输出")
        refund = sub.add_parser("refund", help="经微信支付或支付宝原路退款")
        refund.add_argument("--channel", required=True, choices=ONLINE_CHANNELS, help="原交费的在线渠道")
        refund.add_argument("--txn-id", required=True, help="原交费的渠道流水号")
        refund.add_argument("--amount-fen", required=True, type=int, help="退款金额，整数分")
        refund.add_argument("--refund-no", required=True, help="退款单号；重试用同一个")
        refund.add_argument("--reason", default="", help="退款原因")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action in ("counter", "receipt"):
            self._counter(options)
            return
        if action == "refund":
            self._refund(options)
            return
        if action == "void":
            self._void(options)
            return
        if action == "refusals":
            self._refusals(options)
            return
        with domain_errors_as_command_errors():
            result = record_payment(
                account_no=options["account"],
                amount_fen=options["amount_fen"],
                channel=options["channel"],
                channel_txn_id=options["txn_id"],
                received_at=clock.now(),
                business_day=clock.today(),
                idempotency_key=options["idempotency_key"],
            )
        if options["json"]:
            print_json(result)
            return
        console.print(describe(result))


    def _counter(self, options: dict[str, Any]) -> None:
        reprint = options["action"] == "receipt"
        pdf: Path | None = options["pdf"]
        with domain_errors_as_command_errors(), _refusals_naming_the_options(), \
                output_file(pdf) if pdf else nullcontext() as out:
            deliver = out.write if out else None
            if reprint:
                assert deliver is not None  # --pdf is required for a reprint
                receipt = print_receipt(receipt_no=options["receipt_no"], deliver_pdf=deliver)
            else:
                authoriser = Authoriser(options["authorised_by"]) if options["authorised_by"] else None
                receipt = take_counter_payment(
                    account_no=options["account"], amount_fen=options["amount_fen"], receipt_no=options["receipt_no"],
                    cashier=options["cashier"], at=clock.now(), business_day=clock.today(), deliver_pdf=deliver,
                    confirmed_fen=options["confirm_amount_fen"], authoriser=authoriser,
                )
        if options.get("json"):
            print_json(receipt)
            return
        status = "重复提交，未重复入账" if receipt.replayed else "已入账"
        if reprint:
            status = "已打印原件" if receipt.copy == 1 else f"补打第 {receipt.copy} 次"
        if receipt.void is not None:
            status += "（已作废）"
        console.print(
            f"{status}：收据号 {receipt.receipt_no}，户号 {receipt.account_no} {receipt.customer_name}，"
            f"{format_yuan(receipt.amount_fen)} 元（{receipt.amount_in_words}），可用余额 "
            f"{format_yuan(receipt.available_balance_fen)} 元，收费员 {receipt.cashier}"
        )
        if pdf:
            console.print(f"交费凭证：{pdf}")

    def _void(self, options: dict[str, Any]) -> None:
        pdf: Path | None = options["pdf"]
        with domain_errors_as_command_errors(), _refusals_naming_the_options(), \
                output_file(pdf) if pdf else nullcontext() as out:
            result = void_counter_payment(
                receipt_no=options["receipt_no"], reason=options["reason"], cashier=acting_staff(options["as_user"]),
                authoriser=Authoriser(options["authorised_by"]), at=clock.now(), business_day=clock.today(),
                deliver_pdf=out.write if out else None,
            )
        if options["json"]:
            print_json(result)
            return
        status = "此前已作废，未重复冲正" if result.replayed else "已作废"
        console.print(
            f"{status}：收据号 {result.receipt_no}，户号 {result.account_no}，"
            f"冲回 {format_yuan(result.amount_fen)} 元，可用余额 {format_yuan(result.available_balance_fen)} 元；"
            f"作废人 {result.voided_by}，授权人 {result.authorised_by}，原因：{result.reason}"
        )
        if result.available_balance_fen < 0 and not result.replayed:
            console.print(ARREARS_AFTER_VOID)
        if pdf:
            console.print(f"作废凭证：{pdf}")

    def _refusals(self, options: dict[str, Any]) -> None:
        since = until = None
        if options["date"]:
            since, until = day_bounds(day=options["date"], zone=gridpay_settings().business_time_zone)
        lines = list_refusals(channel=options["channel"], since=since, until=until)
        if options["json"]:
            print_json(lines)
            return
        if not lines:
            console.print("没有被拒绝的通知。")
        for line in lines:
            what = " ".join(x for x in (line.order_no, line.channel_txn_id, line.remote_addr) if x)
            console.print(f"  {line.received_at.astimezone(clock.zone()):%Y-%m-%d %H:%M:%S} {line.channel} "
                          f"{line.reason_label}：{line.detail} {what}")

    def _refund(self, options: dict[str, Any]) -> None:
        try:
            channel = build_online_channel(options["channel"], settings.PAYMENT_CHANNELS_CONFIG)
        except ChannelNotConfigured as error:
            raise CommandError(error.message) from error
        with domain_errors_as_command_errors():
            result = refund_through_channel(
                channel=channel, channel_txn_id=options["txn_id"], refund_no=options["refund_no"],
                amount_fen=options["amount_fen"], reason=options["reason"], at=clock.now(),
                business_day=clock.today(),
            )
        again = "（此前已退，未重复退款）" if result.replayed else ""
        status = f"；渠道：{refund_status(result.channel_status).label}" if result.channel_status else ""
        console.print(
            f"已退款{again}：户号 {result.account_no} {format_yuan(result.amount_fen)} 元，"
            f"可用余额 {format_yuan(result.available_balance_fen)} 元{status}"
        )


def describe(result: PaymentResult) -> str:
    status = "重复请求，未重复入账" if result.replayed else "已入账"
    channel = PaymentChannel(result.channel).label
    return (
        f"{status}：户号 {result.account_no} 交费 {format_yuan(result.amount_fen)} 元"
        f"（{channel}，流水号 {result.channel_txn_id}，交费编号 {result.payment_id}）；"
        f"可用余额 {format_yuan(result.available_balance_fen)} 元"
    )


# The console's refusals name its fields (“再次输入金额”, the authoriser's login and password); at the command line
# staff type options, and the refusal names those.
OPTIONS_FOR = {
    TYPE_IT_AGAIN: "金额超过 {threshold} 元，请用 --confirm-amount-fen 再输入一遍金额（分）",
    NEEDS_AUTHORISATION: "金额 {amount} 元超过柜台单笔限额 {limit} 元：须由班长或所长授权，"
                         "请用 --authorised-by 给出授权人的登录名，否则不能收费",
    NAME_THE_AUTHORISER: "须由班长或所长授权：请用 --authorised-by 给出授权人的登录名",
}


@contextmanager
def _refusals_naming_the_options() -> Iterator[None]:
    try:
        yield
    except DomainError as error:
        if error.template not in OPTIONS_FOR:
            raise
        said = OPTIONS_FOR[error.template].format(**error.params)
        raise CommandError(f"{said} [{error.code}]") from None
