"""`gridpay bill --account N --month YYYY-MM`: the official monthly bill of one account."""

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import CommandError

from gridpay.application.settlement.issue_monthly_bill import issue_monthly_bill
from gridpay.domain.money import format_yuan
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json


def parse_month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise CommandError(f"月份格式应为 YYYY-MM：{text!r}") from None


class Command(GridpayCommand):
    help = "发行一户的月度电费，与日结算合计比较，差额记为调整"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--account", required=True, help="户号")
        parser.add_argument("--month", required=True, help="月份 YYYY-MM")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        with domain_errors_as_command_errors():
            result = issue_monthly_bill(
                account_no=options["account"],
                month=parse_month(options["month"]),
                today=clock.today(),
                at=clock.now(),
            )
        if options["json"]:
            print_json(result)
            return
        status = "（已发行过，未重复记账）" if result.already_issued else ""
        console.print(
            f"户号 {result.account_no} {result.month:%Y-%m} 月度电费{status}：电量 {result.energy_kwh} kWh，"
            f"电费 {format_yuan(result.amount_fen)} 元；日结算合计 {format_yuan(result.daily_charges_fen)} 元；"
            f"调整 {format_yuan(result.adjustment_fen)} 元"
        )
