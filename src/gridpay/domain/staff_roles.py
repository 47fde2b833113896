"""Who at a power supply station may do what (DESIGN "Who uses it"; RULES §5–12): roles and their actions."""

from collections.abc import Iterable
from enum import StrEnum

from gridpay.domain.texts import gettext_noop


class Role(StrEnum):
    CASHIER = "cashier"  # 营业员: counter payments, customer data
    GRID_STAFF = "grid_staff"  # 网格员: calls, arrears follow-up, the village rollout
    SUPERVISOR = "supervisor"  # 班长: protected accounts, reconnect now, work lists
    STATION_HEAD = "station_head"  # 所长: everything a supervisor does but the arrears paperwork, and approvals
    ADMIN = "admin"  # 系统管理员
    COMPANY = "company"  # 公司营销部: approves disconnecting an important user, and files it with the authority
    METERING = "metering"  # 计量班: carries out disconnections and reconnections in the field, replaces meters
    ACCOUNTANT = "accountant"  # 核算员: reconciles the channels' statements against the payments, reads the reports

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.CASHIER: gettext_noop("营业员"),
    Role.GRID_STAFF: gettext_noop("网格员"),
    Role.SUPERVISOR: gettext_noop("班长"),
    Role.STATION_HEAD: gettext_noop("所长"),
    Role.ADMIN: gettext_noop("系统管理员"),
    Role.COMPANY: gettext_noop("公司营销部"),
    Role.METERING: gettext_noop("计量班"),
    Role.ACCOUNTANT: gettext_noop("核算员"),
}


class Action(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_CUSTOMER = "view_customer"
    TAKE_COUNTER_PAYMENT = "take_counter_payment"
    # 班长授权 at the counter: an amount above the counter's limit, a cashier's void of their own payment.
    AUTHORISE_AT_COUNTER = "authorise_at_counter"
    # A payment received before the API's window (GRIDPAY_PAYMENT_BACKDATE_DAYS): recorded with a supervisor's token.
    BACKDATE_PAYMENT = "backdate_payment"
    SET_PROTECTED = "set_protected"
    RECONNECT_NOW = "reconnect_now"
    REPLACE_METER = "replace_meter"
    WORK_CALLS = "work_calls"
    VIEW_WORK_LISTS = "view_work_lists"
    EDIT_ROLLOUT = "edit_rollout"
    VIEW_REPORTS = "view_reports"
    RECONCILE = "reconcile"
    MANAGE_STAFF = "manage_staff"
    # The green channel (绿色通道, RULES §9): a supervisor or the head approves a hardship household, a collector takes
    # cash at its door, the counter counts the collector's cash in.
    FLAG_HARDSHIP = "flag_hardship"
    COLLECT_AT_HOME = "collect_at_home"
    SETTLE_HOME_COLLECTIONS = "settle_home_collections"
    # The postpaid arrears procedure (domain.arrears_procedure names who takes each step; these gate the pages).
    WORK_ARREARS = "work_arrears"  # serve the notices, pass the work ticket, phone before the disconnection
    ACKNOWLEDGE_REFUSAL = "acknowledge_refusal"
    APPROVE_DISCONNECTION = "approve_disconnection"
    EXECUTE_DISCONNECTION = "execute_disconnection"
    COMPLETE_RECONNECTION = "complete_reconnection"
    WAIVE_LATE_FEE = "waive_late_fee"  # 违约金减免: the station head alone (RULES §10)
    ARRANGE_COLLECTION = "arrange_collection"  # draw the collection areas and name their collectors (seed 003)
    MANAGE_TEMPORARY_SUPPLY = "manage_temporary_supply"  # 临时用电: register, connect when prepaid, end and refund
    WORK_CAMPAIGN = "work_campaign"  # ride the campaign's rounds, record follow-ups, print one's bill bundle
    # Collection (seeds 000, 003): the chronic late payers' file, the credit report list, the public arrears notice.
    KEEP_CHRONIC_FILE = "keep_chronic_file"  # reminder methods and notes, monthly reminders, drafts
    APPROVE_CREDIT_REPORT = "approve_credit_report"  # 征信报送名单: the station head alone
    APPROVE_ARREARS_NOTICE = "approve_arrears_notice"  # 欠费公示: the station head alone
    VIEW_RISK_LIST = "view_risk_list"  # 电费风险预警: who follows the accounts up (RULES §12)


_EVERYONE = {Action.VIEW_DASHBOARD, Action.VIEW_CUSTOMER}
# What the system administrator may not do although they may do everything else (beside the late-fee waiver).
MONEY_AND_APPROVALS = frozenset({
    Action.FLAG_HARDSHIP, Action.COLLECT_AT_HOME, Action.SETTLE_HOME_COLLECTIONS, Action.MANAGE_TEMPORARY_SUPPLY,
    Action.AUTHORISE_AT_COUNTER, Action.BACKDATE_PAYMENT,
})
_SUPERVISOR = {
    *_EVERYONE, Action.TAKE_COUNTER_PAYMENT, Action.AUTHORISE_AT_COUNTER, Action.BACKDATE_PAYMENT,
    Action.SET_PROTECTED, Action.RECONNECT_NOW, Action.REPLACE_METER,
    Action.WORK_CALLS, Action.VIEW_WORK_LISTS, Action.EDIT_ROLLOUT, Action.VIEW_REPORTS, Action.ARRANGE_COLLECTION,
    Action.MANAGE_TEMPORARY_SUPPLY,
    Action.WORK_CAMPAIGN,
    Action.KEEP_CHRONIC_FILE,
    Action.VIEW_RISK_LIST,
}
ALLOWED: dict[Role, frozenset[Action]] = {
    # Who takes the money neither reconciles it (the accountant, or the head) nor changes the meter that measures what
    # is owed (the metering team, or a supervisor): issue 19 point 5.
    Role.CASHIER: frozenset({
        *_EVERYONE, Action.TAKE_COUNTER_PAYMENT, Action.SETTLE_HOME_COLLECTIONS, Action.MANAGE_TEMPORARY_SUPPLY,
    }),
    Role.GRID_STAFF: frozenset({
        *_EVERYONE, Action.WORK_CALLS, Action.VIEW_WORK_LISTS, Action.EDIT_ROLLOUT, Action.WORK_ARREARS,
        Action.COLLECT_AT_HOME, Action.WORK_CAMPAIGN, Action.KEEP_CHRONIC_FILE, Action.VIEW_RISK_LIST,
    }),
    Role.SUPERVISOR: frozenset({
        *_SUPERVISOR, Action.WORK_ARREARS, Action.ACKNOWLEDGE_REFUSAL, Action.EXECUTE_DISCONNECTION,
        Action.FLAG_HARDSHIP, Action.COLLECT_AT_HOME,
    }),
    # The head approves a disconnection; who approves neither serves its notices nor carries it out.
    Role.STATION_HEAD: frozenset({
        *_SUPERVISOR, Action.RECONCILE, Action.ACKNOWLEDGE_REFUSAL, Action.APPROVE_DISCONNECTION,
        Action.WAIVE_LATE_FEE, Action.FLAG_HARDSHIP, Action.SETTLE_HOME_COLLECTIONS, Action.APPROVE_CREDIT_REPORT,
        Action.APPROVE_ARREARS_NOTICE,
    }),
    # The system administrator runs the system, not the station's money: a waiver, a credit report and a public
    # notice are the station head's alone, a hardship household is approved by a supervisor or the head, cash is
    # collected and counted in by staff, a temporary supply (its prepayment, its refund in counter cash) is the
    # counter's, and what the counter may not do alone (a large amount, a void) a supervisor or the head authorises.
    Role.ADMIN: frozenset(Action) - {
        Action.WAIVE_LATE_FEE, Action.APPROVE_CREDIT_REPORT, Action.APPROVE_ARREARS_NOTICE, *MONEY_AND_APPROVALS,
    },
    Role.COMPANY: frozenset({*_EVERYONE, Action.VIEW_WORK_LISTS, Action.VIEW_REPORTS, Action.APPROVE_DISCONNECTION}),
    Role.METERING: frozenset({
        *_EVERYONE, Action.VIEW_WORK_LISTS, Action.REPLACE_METER, Action.EXECUTE_DISCONNECTION,
        Action.COMPLETE_RECONNECTION,
    }),
    Role.ACCOUNTANT: frozenset({*_EVERYONE, Action.RECONCILE, Action.VIEW_REPORTS}),
}


def may(roles: Iterable[Role], action: Action) -> bool:
    """Whether anyone holding ``roles`` may take ``action``; no role, no action."""
    return any(action in ALLOWED[role] for role in roles)
