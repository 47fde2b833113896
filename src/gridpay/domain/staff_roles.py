"""Who at a power supply station may do what (DESIGN "Who uses it"; RULES §5–12): roles and their actions."""

from collections.abc import Iterable
from enum import StrEnum

from gridpay.domain.texts import gettext_noop


class Role(StrEnum):
    CASHIER = "cashier"  # 营业员: counter payments, customer data
    GRID_STAFF = "grid_staff"  # 网格员: calls, arrears follow-up, the village rollout
    SUPERVISOR = "supervisor"  # 班长: protected accounts, reconnect now, work lists
    STATION_HEAD = "station_head"  # 所长: everything but the staff list
    ADMIN = "admin"  # 系统管理员

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.CASHIER: gettext_noop("营业员"),
    Role.GRID_STAFF: gettext_noop("网格员"),
    Role.SUPERVISOR: gettext_noop("班长"),
    Role.STATION_HEAD: gettext_noop("所长"),
    Role.ADMIN: gettext_noop("系统管理员"),
}


class Action(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_CUSTOMER = "view_customer"
    TAKE_COUNTER_PAYMENT = "take_counter_payment"
    SET_PROTECTED = "set_protected"
    RECONNECT_NOW = "reconnect_now"
    REPLACE_METER = "replace_meter"
    WORK_CALLS = "work_calls"
    VIEW_WORK_LISTS = "view_work_lists"
    EDIT_ROLLOUT = "edit_rollout"
    VIEW_REPORTS = "view_reports"
    RECONCILE = "reconcile"
    MANAGE_STAFF = "manage_staff"
    WAIVE_LATE_FEE = "waive_late_fee"  # 违约金减免: the station head alone (RULES §10)


_EVERYONE = {Action.VIEW_DASHBOARD, Action.VIEW_CUSTOMER}
_SUPERVISOR = {
    *_EVERYONE, Action.TAKE_COUNTER_PAYMENT, Action.SET_PROTECTED, Action.RECONNECT_NOW, Action.REPLACE_METER,
    Action.WORK_CALLS, Action.VIEW_WORK_LISTS, Action.EDIT_ROLLOUT, Action.VIEW_REPORTS,
}
ALLOWED: dict[Role, frozenset[Action]] = {
    Role.CASHIER: frozenset({*_EVERYONE, Action.TAKE_COUNTER_PAYMENT, Action.REPLACE_METER, Action.RECONCILE}),
    Role.GRID_STAFF: frozenset({*_EVERYONE, Action.WORK_CALLS, Action.VIEW_WORK_LISTS, Action.EDIT_ROLLOUT}),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.STATION_HEAD: frozenset({*_SUPERVISOR, Action.RECONCILE, Action.WAIVE_LATE_FEE}),
    # The system administrator runs the system, not the station's money: a waiver is the station head's alone.
    Role.ADMIN: frozenset(Action) - {Action.WAIVE_LATE_FEE},
}


def may(roles: Iterable[Role], action: Action) -> bool:
    """Whether anyone holding ``roles`` may take ``action``; no role, no action."""
    return any(action in ALLOWED[role] for role in roles)
