"""`gridpay bill --account N --month YYYY-MM`: one account's bill of a month, postpaid (shown) or prepaid (issued);
without --account, every prepaid account's bill of the month is issued (月度电费发行)."""

from argparse import ArgumentParser
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.management.base import CommandError

from gridpay.application.postpaid.show_bill import PostpaidBillView, postpaid_bill_of
from gridpay.application.settlement.issue_monthly_bill import issue_monthly_bill, issue_monthly_bills
from gridpay.domain.energy import TOU_LABELS, TouPeriod
from gridpay.domain.money import format_yuan
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, exact_yuan, print_json, progress


def parse_month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise CommandError(f"月份格式应为 YYYY-MM：{text!r}") from None


class Command(GridpayCommand):
    help = ("一户一个月的电费：后付费户显示电费单；智能交费户发行月度电费，与日结算合计比较，差额记为调整；"
            "不给 --account 则发行所有智能交费户这个月的月度电费")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--account", help="户号（不给：所有智能交费户）")
        parser.add_argument("--month", required=True, help="月份 YYYY-MM")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["account"]:
            self._issue_all(month=parse_month(options["month"]), as_json=options["json"])
            return
        with domain_errors_as_command_errors():
            postpaid = postpaid_bill_of(account_no=options["account"], month=parse_month(options["month"]))
            if postpaid is not None:
                if options["json"]:
                    print_json(postpaid)
                else:
                    console.print(describe_postpaid(postpaid))
                return
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


    def _issue_all(self, *, month: date, as_json: bool) -> None:
        with domain_errors_as_command_errors(), progress("月度电费发行", total=None) as advance:
            run = issue_monthly_bills(month=month, today=clock.today(), at=clock.now(), on_progress=advance)
        if as_json:
            print_json(run)
            return
        console.print(f"{run.month:%Y-%m} 月度电费发行 {run.issued} 户，电费 {format_yuan(run.amount_fen)} 元；"
                      f"与日结算合计不符而调整 {run.adjusted} 户，共 {format_yuan(run.adjustment_fen)} 元")
        if run.unsettled:
            console.print(f"{run.unsettled} 户这个月还有未结算的日期，未发行：补齐读数并结算后再运行一次")


def describe_postpaid(bill: PostpaidBillView) -> str:
    lines = [
        f"电费单 {bill.bill_no}（后付费）户号 {bill.account_no}，{bill.month:%Y-%m}："
        f"{bill.period_from} 至 {bill.reading_date} 电量 {bill.energy_kwh} kWh，电价 {bill.tariff_code}",
    ]
    for line in bill.lines:
        amount = exact_yuan(Decimal(line.amount_micro_yuan).scaleb(-6))
        lines.append(f"  第 {line.tier} 档 {TOU_LABELS[TouPeriod(line.period)]}：{line.energy_kwh} kWh × "
                     f"{line.price} 元/kWh = {amount} 元")
    lines.append(f"电费 {format_yuan(bill.amount_fen)} 元，{bill.issued_on} 发行，交费期限 {bill.due_on}；"
                 f"已交 {format_yuan(bill.principal_paid_fen)} 元")
    if bill.late_fee_fen:
        waived = f"，减免 {format_yuan(bill.late_fee_waived_fen)} 元" if bill.late_fee_waived_fen else ""
        lines.append(f"违约金 {format_yuan(bill.late_fee_fen)} 元（计至 {bill.late_fee_through}），"
                     f"已交 {format_yuan(bill.late_fee_paid_fen)} 元{waived}")
    lines.append(f"已于 {bill.paid_off_on} 结清" if bill.paid_off_on else f"尚欠 {format_yuan(bill.owed_fen)} 元")
    return "\n".join(lines)
