"""`gridpay late-fee quote`: the late fee calculator (电费违约金试算) of a postpaid bill paid after its due date."""

import re
from argparse import ArgumentParser
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.management.base import CommandError

from gridpay.data.settings import gridpay_settings
from gridpay.domain.late_fees import (
    InvalidLateFeeInput,
    LateFeeQuote,
    LateFeeRates,
    late_fee_for_payment,
    parse_category,
)
from gridpay.domain.money import format_yuan
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, exact_yuan, print_json

# The option each of the domain's fields comes from, so that a refusal names what to retype.
OPTIONS = {"category": "--category", "principal_fen": "--principal-fen", "bill_month": "--bill-month",
           "due": "--due", "paid_on": "--paid-on"}


class Command(GridpayCommand):
    help = "电费违约金：quote 违约金试算（后付费电费逾期缴纳）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        quote = sub.add_parser("quote", help="违约金试算：一笔电费在到期日之后全额缴清时的违约金（费率取自设置）")
        quote.add_argument("--category", required=True, help="用户类别：residential（居民）或 other（非居民）")
        quote.add_argument("--principal-fen", required=True, help="欠缴电费本金（分）")
        quote.add_argument("--bill-month", required=True, help="电费所属月份 YYYY-MM（决定非居民跨年部分）")
        quote.add_argument("--due", required=True, help="缴费到期日 YYYY-MM-DD（次日起计违约金）")
        quote.add_argument("--paid-on", required=True, help="缴费日 YYYY-MM-DD（计到当日）")
        quote.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        rates = gridpay_settings().late_fee_rates
        bill_month = _month(options["bill_month"], option="--bill-month")
        due = _day(options["due"], option="--due")
        paid_on = _day(options["paid_on"], option="--paid-on")
        principal_fen = _fen(options["principal_fen"], option="--principal-fen")
        with domain_errors_as_command_errors(), _refusals_naming_the_option():
            category = parse_category(text=options["category"])
            quote = late_fee_for_payment(category=category, bill_month=bill_month, due=due, paid_on=paid_on,
                                         principal_fen=principal_fen, rates=rates)
        if options["json"]:
            print_json({
                "category": category.value,
                "bill_month": f"{bill_month:%Y-%m}",
                "due": due,
                "paid_on": paid_on,
                "principal_fen": principal_fen,
                "days": quote.days,
                "exact_fen_e5": quote.exact_fen_e5,
                "exact_yuan": exact_yuan(quote.exact_yuan),
                "rounded_fen": quote.rounded_fen,
                "late_fee_fen": quote.fee_fen,
                "minimum_applied": quote.minimum_applied,
                "rates": {
                    "residential_per_mille": rates.residential_per_mille,
                    "other_per_mille": rates.other_per_mille,
                    "other_later_year_per_mille": rates.other_later_year_per_mille,
                    "minimum_fen": rates.minimum_fen,
                },
                "lines": [
                    {
                        "first_day": line.first_day,
                        "last_day": line.last_day,
                        "days": line.days,
                        "base_fen": line.base_fen,
                        "per_mille": line.per_mille,
                        "exact_fen_e5": line.exact_fen_e5,
                        "exact_yuan": exact_yuan(line.exact_yuan),
                    }
                    for line in quote.lines
                ],
            })
            return
        console.print(
            f"{category.label}电费违约金试算：{bill_month:%Y-%m} 电费，本金 {format_yuan(principal_fen)} 元，"
            f"到期日 {due}，缴费日 {paid_on}"
        )
        if not quote.days:
            console.print("缴费日不晚于到期日：逾期 0 天，不收违约金")
            console.print(f"违约金 {format_yuan(0)} 元（0 分）")
            return
        console.print(f"逾期 {quote.days} 天")
        for line in quote.lines:
            console.print(
                f"{line.first_day} 至 {line.last_day}  {line.days} 天 × {format_yuan(line.base_fen)} 元 × "
                f"{_per_mille(line.per_mille)}‰ = {exact_yuan(line.exact_yuan)} 元"
            )
        console.print(
            f"精确合计 {exact_yuan(quote.exact_yuan)} 元，按分四舍五入 {format_yuan(quote.rounded_fen)} 元"
        )
        console.print(f"违约金 {format_yuan(quote.fee_fen)} 元（{quote.fee_fen} 分）")
        console.print(_minimum(quote, rates))


def _minimum(quote: LateFeeQuote, rates: LateFeeRates) -> str:
    if not rates.minimum_fen:
        return "最低收取额：未启用（GRIDPAY_LATE_FEE_MINIMUM_ONE_YUAN）"
    minimum = format_yuan(rates.minimum_fen)
    if quote.minimum_applied:
        return f"最低收取额 {minimum} 元：已适用（不足 {minimum} 元按 {minimum} 元收取）"
    return f"最低收取额 {minimum} 元：未适用"


@contextmanager
def _refusals_naming_the_option() -> Iterator[None]:
    """The domain names its fields; the person at the command line typed options."""
    try:
        yield
    except InvalidLateFeeInput as error:
        option = OPTIONS.get(error.field or "")
        raise CommandError(f"{option}：{error.message} [{error.code}]" if option else
                           f"{error.message} [{error.code}]") from None


def _day(text: str, *, option: str) -> date:
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
            return date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise CommandError(f"{option} 应为日期 YYYY-MM-DD，而不是 {text!r}")


def _month(text: str, *, option: str) -> date:
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}", text.strip()):
            return date.fromisoformat(f"{text.strip()}-01")
    except ValueError:
        pass
    raise CommandError(f"{option} 应为月份 YYYY-MM，而不是 {text!r}")


def _fen(text: str, *, option: str) -> int:
    # A sign is let through: the rule itself refuses a negative principal, in its words.
    if not re.fullmatch(r"-?[0-9]+", text.strip()):
        raise CommandError(f"{option} 应为整数分（如 10000 即 100.00 元），而不是 {text!r}")
    return int(text.strip())


def _per_mille(rate: Decimal) -> str:
    return f"{rate.normalize():f}"

