"""Who may do what at the station: the role table read as rules."""

import pytest

from gridpay.domain.staff_roles import ALLOWED, MONEY_AND_APPROVALS, Action, Role, may

HEAD_ALONE = (Action.WAIVE_LATE_FEE, Action.APPROVE_CREDIT_REPORT, Action.APPROVE_ARREARS_NOTICE)


def test_no_role_may_do_nothing_and_the_admin_may_do_everything_but_the_station_heads_own_approvals() -> None:
    assert not any(may([], action) for action in Action)
    assert all(may([Role.ADMIN], action) for action in Action
               if action not in HEAD_ALONE and action not in MONEY_AND_APPROVALS)
    # RULES §10: a late fee is waived by the station head alone; so are the credit report and the public notice
    # (seeds 000 and 003).
    for action in HEAD_ALONE:
        assert [role for role in Role if may([role], action)] == [Role.STATION_HEAD]


def test_the_green_channel_is_the_stations_staff_work_not_the_administrators() -> None:
    # A supervisor or the station head approves a hardship household; grid staff (the collectors) or a supervisor
    # take cash at the door; the counter (a cashier, or the head) counts it in.
    assert {r for r in Role if may([r], Action.FLAG_HARDSHIP)} == {Role.SUPERVISOR, Role.STATION_HEAD}
    assert {r for r in Role if may([r], Action.COLLECT_AT_HOME)} == {Role.GRID_STAFF, Role.SUPERVISOR}
    assert {r for r in Role if may([r], Action.SETTLE_HOME_COLLECTIONS)} == {Role.CASHIER, Role.STATION_HEAD}


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (Role.CASHIER, Action.TAKE_COUNTER_PAYMENT, True),
        (Role.CASHIER, Action.SET_PROTECTED, False),
        (Role.CASHIER, Action.RECONNECT_NOW, False),
        (Role.GRID_STAFF, Action.TAKE_COUNTER_PAYMENT, False),
        (Role.GRID_STAFF, Action.WORK_CALLS, True),
        (Role.GRID_STAFF, Action.EDIT_ROLLOUT, True),
        (Role.SUPERVISOR, Action.SET_PROTECTED, True),
        (Role.SUPERVISOR, Action.RECONNECT_NOW, True),
        (Role.SUPERVISOR, Action.MANAGE_STAFF, False),
        (Role.STATION_HEAD, Action.MANAGE_STAFF, False),
        (Role.STATION_HEAD, Action.RECONCILE, True),
        # The arrears procedure: the collector serves the notices, the head (the company for an important user)
        # approves, the metering team carries it out; who approves does not carry out.
        (Role.GRID_STAFF, Action.WORK_ARREARS, True),
        (Role.GRID_STAFF, Action.APPROVE_DISCONNECTION, False),
        (Role.SUPERVISOR, Action.ACKNOWLEDGE_REFUSAL, True),
        (Role.SUPERVISOR, Action.APPROVE_DISCONNECTION, False),
        (Role.STATION_HEAD, Action.APPROVE_DISCONNECTION, True),
        (Role.STATION_HEAD, Action.EXECUTE_DISCONNECTION, False),
        (Role.COMPANY, Action.APPROVE_DISCONNECTION, True),
        (Role.COMPANY, Action.TAKE_COUNTER_PAYMENT, False),
        (Role.METERING, Action.EXECUTE_DISCONNECTION, True),
        (Role.METERING, Action.COMPLETE_RECONNECTION, True),
        (Role.METERING, Action.WORK_ARREARS, False),
        (Role.CASHIER, Action.WORK_ARREARS, False),
        # 临时用电 is registered, connected and ended at the counter; the field and the collectors do not.
        (Role.CASHIER, Action.MANAGE_TEMPORARY_SUPPLY, True),
        (Role.SUPERVISOR, Action.MANAGE_TEMPORARY_SUPPLY, True),
        (Role.STATION_HEAD, Action.MANAGE_TEMPORARY_SUPPLY, True),
        (Role.GRID_STAFF, Action.MANAGE_TEMPORARY_SUPPLY, False),
        (Role.METERING, Action.MANAGE_TEMPORARY_SUPPLY, False),
        (Role.ADMIN, Action.MANAGE_TEMPORARY_SUPPLY, False),
        (Role.GRID_STAFF, Action.KEEP_CHRONIC_FILE, True),
        (Role.CASHIER, Action.KEEP_CHRONIC_FILE, False),
    ],
)
def test_the_role_table(role: Role, action: Action, allowed: bool) -> None:
    assert may([role], action) is allowed


def test_every_role_sees_the_dashboard_and_customers_and_roles_add_up() -> None:
    for role in Role:
        assert {Action.VIEW_DASHBOARD, Action.VIEW_CUSTOMER} <= ALLOWED[role]
    assert may([Role.CASHIER, Role.GRID_STAFF], Action.WORK_CALLS)  # a person may hold two roles


def test_a_payment_received_before_the_apis_window_is_recorded_by_a_supervisor_or_the_head_only() -> None:
    assert {r for r in Role if may([r], Action.BACKDATE_PAYMENT)} == {Role.SUPERVISOR, Role.STATION_HEAD}
