"""What the arrears procedure reads for one account at one instant: the arrears, 保电, the window and its rules."""

from datetime import datetime

from gridpay.data import postpaid_store
from gridpay.data.calendar_store import load_calendar
from gridpay.data.models import Account
from gridpay.data.settings import gridpay_settings
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.arrears_procedure import Circumstances, ProcedureRules
from gridpay.domain.business_time import business_day
from gridpay.domain.calendar import Calendar
from gridpay.domain.supply_policy import SupplyPolicy


def procedure_rules() -> ProcedureRules:
    settings = gridpay_settings()
    return ProcedureRules(
        red_notice_days_residential=settings.red_notice_days_residential,
        red_notice_days_other=settings.red_notice_days_other,
        phone_notice_minutes_residential=settings.phone_notice_minutes_residential,
        phone_notice_minutes_other=settings.phone_notice_minutes_other,
        reconnect_hours=settings.reconnect_ticket_hours,
    )


def window_context(at: datetime) -> tuple[SupplyPolicy, Calendar]:
    """The disconnection window's policy and calendar at ``at``, for one case or a whole queue of them."""
    policy = load_policy()
    year = business_day(instant=at, zone=policy.zone).year
    # The planned disconnection may be in the next year (a red notice delivered in late December).
    return policy, load_calendar(years=range(year, year + 2))


def circumstances_of(account: Account, *, at: datetime) -> Circumstances:
    """Read in the caller's transaction, after the account's locks: the re-check sees what the step will act on."""
    policy, calendar = window_context(at)
    today = business_day(instant=at, zone=policy.zone)
    return Circumstances(
        at=at,
        zone=policy.zone,
        arrears_fen=postpaid_store.arrears_of(account.id, day=today),
        protected=account.protected,
        policy=policy,
        calendar=calendar,
    )
