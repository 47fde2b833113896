"""Shows one account as staff and customers see it: particulars, balances, recent usage and days left."""

from dataclasses import dataclass
from datetime import date

from gridpay.application.errors import UnknownAccount
from gridpay.data.queries import accounts as queries
from gridpay.data.settings import gridpay_settings
from gridpay.domain.account_figures import account_figures
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class AccountView:
    account_no: str
    customer_name: str
    mode: str  # AccountMode value: prepaid | postpaid
    status: str  # AccountStatus value: active | closed
    supply_state: str  # SupplyState value: connected | disconnected
    protected: bool
    protected_reason: str
    village: str | None
    transformer_area: str
    tariff_code: str
    meter_no: str | None
    balance_fen: int  # 账户余额
    available_balance_fen: int  # 可用余额
    last_settled_day: date | None
    average_daily_charge_fen: int | None
    days_left: int | None
    unbilled_charges_fen: int  # 账户余额 − 可用余额: charges settled daily since the last official bill, not yet billed
    unbilled_since: date | None  # the first day of those charges
    last_bill_month: date | None  # the month of the last official bill (月度电费发行), None before the first
    bills_owed_fen: int  # postpaid bills and their late fees not yet paid (a converted account may still have some)
    arrears_stage: str | None  # the arrears case under way (Stage value), if any


def show_account(*, account_no: str) -> AccountView:
    particulars = queries.account_particulars(account_no=account_no.strip())
    if particulars is None:
        raise UnknownAccount(
            gettext_noop("没有户号 {account_no}"), field="account_no", params={"account_no": account_no},
        )
    account_id = particulars.account_id
    unbilled = queries.unbilled_charges(account_id=account_id)
    figures = account_figures(
        ledger_balance_fen=particulars.ledger_balance_fen,
        unbilled_charges_fen=unbilled.total_fen,
        recent_daily_charges_fen=queries.recent_daily_charges_fen(
            account_id=account_id, days=gridpay_settings().average_days
        ),
    )
    return AccountView(
        account_no=particulars.account_no,
        customer_name=particulars.customer_name,
        mode=particulars.mode,
        status=particulars.status,
        supply_state=particulars.supply_state,
        protected=particulars.protected,
        protected_reason=particulars.protected_reason,
        village=particulars.village,
        transformer_area=particulars.transformer_area,
        tariff_code=particulars.tariff_code,
        meter_no=particulars.meter_no,
        balance_fen=figures.balance_fen,
        available_balance_fen=figures.available_balance_fen,
        last_settled_day=queries.last_settled_day(account_id=account_id),
        average_daily_charge_fen=figures.average_daily_charge_fen,
        days_left=figures.days_left,
        unbilled_charges_fen=unbilled.total_fen,
        unbilled_since=unbilled.first_day,
        last_bill_month=unbilled.last_bill_month,
        bills_owed_fen=queries.bills_owed_fen(account_id=account_id),
        arrears_stage=queries.arrears_stage(account_id=account_id),
    )
