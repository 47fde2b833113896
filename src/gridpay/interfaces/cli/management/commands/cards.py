"""`gridpay cards issue | redeem | void`: recharge cards (电费充值卡), their PINs printed once."""

import csv
import io
from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from gridpay.application.payments.cards.issue_card_batch import PrintedCard, issue_card_batch
from gridpay.application.payments.cards.redeem_card import redeem_card
from gridpay.application.payments.cards.void_cards import void_cards
from gridpay.domain.money import format_yuan
from gridpay.integrations.files.output_file import output_file
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors


class Command(GridpayCommand):
    help = "电费充值卡：issue 制卡（卡号与密码只导出这一次），redeem 充值到户号，void 作废批次或单张卡"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="制一批卡，卡号与密码写入 CSV 供印制")
        issue.add_argument("--batch", required=True, help="批次号，例如 2025A")
        issue.add_argument("--count", type=int, required=True, help="制卡张数")
        issue.add_argument("--face-value-fen", type=int, required=True, help="面值，整数分")
        issue.add_argument("--expires", type=date.fromisoformat, required=True, help="有效期至，例如 2026-12-31")
        issue.add_argument("--out", type=Path, required=True, help="卡号与密码的 CSV（只此一份，印制后请销毁）")
        issue.add_argument("--by", required=True, help="制卡人")
        redeem = sub.add_parser("redeem", help="用充值卡为户号充值")
        redeem.add_argument("--account", required=True, help="充值到的户号")
        redeem.add_argument("--serial", required=True, help="卡号")
        redeem.add_argument("--pin", required=True, help="密码（可带空格）")
        void = sub.add_parser("void", help="作废整批或单张未使用的卡")
        void.add_argument("--batch", default="", help="作废整批：批次号")
        void.add_argument("--serial", default="", help="作废单张：卡号")
        void.add_argument("--reason", required=True, help="作废原因")
        void.add_argument("--by", required=True, help="经办人")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        with domain_errors_as_command_errors():
            if action == "issue":
                with output_file(options["out"]) as out:
                    cards = issue_card_batch(
                        batch_code=options["batch"], count=options["count"], face_value_fen=options["face_value_fen"],
                        expires_on=options["expires"], by=options["by"], at=clock.now(), today=clock.today(),
                        deliver=lambda printed: out.write(cards_csv(printed)),
                    )
                console.print(f"已制卡 {len(cards)} 张（面值 {format_yuan(options['face_value_fen'])} 元），"
                              f"卡号与密码已写入 {out.path}；系统只保存密码的摘要。")
            elif action == "redeem":
                paid = redeem_card(account_no=options["account"], serial=options["serial"], pin=options["pin"],
                                   at=clock.now(), business_day=clock.today())
                console.print(f"已充值：户号 {paid.account_no} {format_yuan(paid.amount_fen)} 元，"
                              f"可用余额 {format_yuan(paid.available_balance_fen)} 元")
            else:
                if bool(options["batch"]) == bool(options["serial"]):
                    raise CommandError("请给出 --batch 或 --serial 之一")
                count = void_cards(batch_code=options["batch"], serial=options["serial"], by=options["by"],
                                   reason=options["reason"], at=clock.now())
                console.print(f"已作废 {count} 张卡。")


def cards_csv(cards: list[PrintedCard]) -> str:
    """The printer's file: serial, PIN (grouped as printed), face value, expiry."""
    lines = io.StringIO()
    writer = csv.writer(lines)
    writer.writerow(["serial", "pin", "face_value_yuan", "expires_on"])
    writer.writerows((c.serial, c.pin, format_yuan(c.face_value_fen), c.expires_on) for c in cards)
    return lines.getvalue()
