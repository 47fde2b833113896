"""`gridpay tariff quote|list`: the tariff calculator (电费试算) and the installed tariffs."""

from argparse import ArgumentParser
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.management.base import CommandError

from gridpay.application.tariffs.install_builtin_tariffs import install_builtin_tariffs
from gridpay.application.tariffs.quote_tariff import quote_tariff
from gridpay.domain.energy import TOU_LABELS, TouPeriod, parse_kwh
from gridpay.domain.money import format_yuan
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, exact_yuan, print_json


class Command(GridpayCommand):
    help = "电价：quote 电费试算"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        quote = sub.add_parser("quote", help="电费试算：本期已用 X kWh 后再用 Y kWh 的电费")
        quote.add_argument("--tariff", required=True, help="电价代码，例如 zj-resident-2024")
        quote.add_argument("--used-kwh", default="0", help="本阶梯周期内已用电量 kWh")
        quote.add_argument("--kwh", required=True, help="本次电量 kWh")
        quote.add_argument("--peak-kwh", help="其中峰段电量 kWh（给出则按峰谷计价）")
        quote.add_argument("--valley-kwh", help="其中谷段电量 kWh")
        quote.add_argument("--sharp-kwh", help="其中尖峰电量 kWh")
        quote.add_argument("--on", type=date.fromisoformat, help="计价日期（默认今天）")
        quote.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        install_builtin_tariffs()
        with domain_errors_as_command_errors():
            tou = {
                period: parse_kwh(options[f"{period.value}_kwh"], field=f"--{period.value}-kwh")
                for period in (TouPeriod.SHARP, TouPeriod.PEAK, TouPeriod.VALLEY)
                if options.get(f"{period.value}_kwh") is not None
            }
            quote = quote_tariff(
                tariff_code=options["tariff"],
                on=options["on"] or clock.today(),
                used_kwh=parse_kwh(options["used_kwh"], field="--used-kwh"),
                energy_kwh=parse_kwh(options["kwh"], field="--kwh"),
                tou_kwh=tou,
            )
        if options["json"]:
            print_json(
                {
                    "tariff": options["tariff"],
                    "charge_fen": quote.charge_fen,
                    "energy_kwh": quote.energy_kwh,
                    "lines": [
                        {
                            "tier": line.tier,
                            "period": line.period,
                            "energy_kwh": line.energy_kwh,
                            "price": line.price,
                            "amount_yuan": Decimal(line.amount_micro_yuan).scaleb(-6),
                        }
                        for line in quote.lines
                    ],
                }
            )
            return
        if not quote.lines:
            raise CommandError("电量为 0，无需试算")
        for line in quote.lines:
            amount = Decimal(line.amount_micro_yuan).scaleb(-6)
            period = f" {TOU_LABELS[line.period]}段" if tou else ""
            console.print(
                f"第{line.tier}阶梯{period}  {line.energy_kwh} kWh × {line.price} 元/kWh = {exact_yuan(amount)} 元"
            )
        console.print(
            f"合计 {quote.energy_kwh} kWh，电费 {format_yuan(quote.charge_fen)} 元（{quote.charge_fen} 分）"
        )

