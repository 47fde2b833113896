"""`gridpay payments record`: records a payment taken at the counter (or reported by another channel)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from gridpay.application.record_payment import PaymentResult, record_payment
from gridpay.domain.money import format_yuan
from gridpay.domain.payments import PaymentChannel
from gridpay.interfaces.cli import clock
from gridpay.interfaces.cli.output import console, domain_errors_as_command_errors, print_json


class Command(BaseCommand):
    help = "交费：record 记录一笔交费并立即入账；同一渠道流水号只入账一次"

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

    def handle(self, *args: Any, **options: Any) -> None:
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


def describe(result: PaymentResult) -> str:
    status = "重复请求，未重复入账" if result.replayed else "已入账"
    channel = PaymentChannel(result.channel).label
    return (
        f"{status}：户号 {result.account_no} 交费 {format_yuan(result.amount_fen)} 元"
        f"（{channel}，流水号 {result.channel_txn_id}，交费编号 {result.payment_id}）；"
        f"可用余额 {format_yuan(result.available_balance_fen)} 元"
    )
