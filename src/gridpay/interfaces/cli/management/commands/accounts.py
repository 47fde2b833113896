"""`gridpay accounts import FILE.csv | show ACCOUNT_NO | convert`: enrols accounts from a CSV file, shows one account,
converts a postpaid account to smart payment."""

from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from rich.table import Table

from gridpay.application.customers.convert_to_prepaid import convert_to_prepaid
from gridpay.application.customers.import_accounts import COLUMNS, import_accounts_file
from gridpay.application.customers.show_account import AccountView, show_account
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.application.tariffs.install_builtin_tariffs import install_builtin_tariffs
from gridpay.data.models.accounts import AccountMode, AccountStatus
from gridpay.domain.arrears_procedure import Stage
from gridpay.domain.money import format_yuan
from gridpay.domain.supply_policy import SupplyState
from gridpay.domain.texts import label_of
from gridpay.interfaces import clock
from gridpay.interfaces.cli.import_output import (
    import_progress,
    show_import_report,
    unusable_file_exits,
)
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json

NOT_YET = "—"


class Command(GridpayCommand):
    help = "用电户：import 从 CSV 建户，show 查看一户，convert 后付费户转为智能交费"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        enrol = sub.add_parser("import", help=f"从 CSV 建户（户、表、期初余额），列：{','.join(COLUMNS)}")
        enrol.add_argument("file", type=Path, help="CSV 文件（UTF-8）")
        enrol.add_argument("--json", action="store_true", help="以 JSON 输出")
        show = sub.add_parser("show", help="查看一户：余额、可用余额、日均电费、预计可用天数")
        show.add_argument("account_no", help="户号")
        show.add_argument("--json", action="store_true", help="以 JSON 输出")
        convert = sub.add_parser("convert", help="后付费户转为智能交费（自最近一次抄表日次日起；未交的电费单保留）")
        convert.add_argument("--account", required=True, help="户号")
        convert.add_argument("--since", type=date.fromisoformat, help="智能交费起始日（没有电费单的户须给出）")
        convert.add_argument("--as", dest="as_user", required=True, help="经办人登录名")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self.import_file(options["file"], as_json=options["json"])
        elif options["action"] == "convert":
            with domain_errors_as_command_errors():
                staff = acting_staff(options["as_user"])
                done = convert_to_prepaid(account_no=options["account"], since=options["since"], actor=staff.actor,
                                          at=clock.now(), today=clock.today())
            kept = f"；未交清的后付费电费单 {done.open_bills} 张保留，交费时先行冲抵" if done.open_bills else ""
            console.print(f"户号 {done.account_no} 自 {done.prepaid_since} 起为智能交费户，本阶梯周期已计电量 "
                          f"{done.opening_period_used_kwh} kWh{kept}")
        else:
            self.show(options["account_no"], as_json=options["json"])

    def import_file(self, path: Path, *, as_json: bool) -> None:
        # The built-in tariffs are what a new installation enrols its first accounts on.
        install_builtin_tariffs()
        with unusable_file_exits(), import_progress("导入用电户", path=path) as advance:
            report = import_accounts_file(path=path, at=clock.now(), business_day=clock.today(), on_progress=advance)
        show_import_report(report, as_json=as_json, what="用电户")

    def show(self, account_no: str, *, as_json: bool) -> None:
        with domain_errors_as_command_errors():
            view = show_account(account_no=account_no)
        if as_json:
            print_json(view)
            return
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for label, value in describe(view):
            table.add_row(label, value)
        console.print(table)


def describe(view: AccountView) -> list[tuple[str, str]]:
    def yuan(fen: int | None) -> str:
        return NOT_YET if fen is None else f"{format_yuan(fen)} 元"

    return [
        ("户号", view.account_no),
        ("客户", view.customer_name),
        ("交费方式", label_of(AccountMode, view.mode)),
        ("状态", label_of(AccountStatus, view.status)),
        ("供电状态", label_of(SupplyState, view.supply_state)),
        ("保电", f"是（{view.protected_reason}）" if view.protected else "否"),
        ("村/社区", view.village or NOT_YET),
        ("台区", view.transformer_area or NOT_YET),
        ("电价", view.tariff_code),
        ("表号", view.meter_no or NOT_YET),
        ("账户余额", yuan(view.balance_fen)),
        ("可用余额", yuan(view.available_balance_fen)),
        *balance_difference(view),
        ("最后结算日", "尚未结算" if view.last_settled_day is None else view.last_settled_day.isoformat()),
        ("日均电费", yuan(view.average_daily_charge_fen)),
        ("预计可用天数", NOT_YET if view.days_left is None else f"{view.days_left} 天"),
        *postpaid_rows(view),
    ]


def balance_difference(view: AccountView) -> list[tuple[str, str]]:
    """Why 账户余额 and 可用余额 differ: the daily charges not yet in an official monthly bill (RULES §4)."""
    if view.mode != AccountMode.PREPAID and not view.unbilled_charges_fen:
        return []
    if not view.unbilled_charges_fen or view.unbilled_since is None:
        return [("两者差额", "无：没有待发行月度电费的每日电费")]
    billed = "尚未发行过" if view.last_bill_month is None else f"上次发行 {view.last_bill_month:%Y-%m}"
    return [("两者差额", f"{format_yuan(view.unbilled_charges_fen)} 元：{view.unbilled_since} 起的日结电费，"
                       f"待月度电费发行（{billed}）")]


def postpaid_rows(view: AccountView) -> list[tuple[str, str]]:
    """What a postpaid account (or one converted with bills unpaid) owes on its bills, and its arrears case."""
    if view.mode != AccountMode.POSTPAID and not view.bills_owed_fen:
        return []
    rows = [("电费单欠费", f"{format_yuan(view.bills_owed_fen)} 元（含违约金）")]
    if view.arrears_stage is not None:
        stage = Stage(view.arrears_stage).label
        rows.append(("停电催费", f"{stage}（gridpay arrears show --account {view.account_no}）"))
    return rows
