"""What clearing a postpaid account's arrears (a payment, a waiver) sets going: the case closes, or its reconnection."""

from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q

from gridpay.application.postpaid.take_arrears_step import open_case, take_on_locked
from gridpay.data import postpaid_store
from gridpay.data.models import ArrearsCase
from gridpay.domain.arrears_procedure import (
    BEFORE_EXECUTION,
    SYSTEM,
    ClosePaid,
    RaiseReconnection,
    ReconnectionSource,
    Stage,
)
from gridpay.domain.staff_roles import Role


def respond_to_cleared_arrears(
    *, account_id: int, business_day: date, at: datetime, case_open: bool | None = None
) -> str | None:
    """In the payment's transaction, which holds the account's locks: when nothing is owed any more, a case before
    execution closes (nothing is executed), and a disconnected one gets its reconnection ticket at once (seed 002:
    复电工作票; a smart meter's reconnect is queued with it). The stage it reached, if it moved.

    ``case_open``: whether any_open_case() found one, when the caller read that with the account's locked row
    (most accounts have none: nothing more is read); None to look."""
    if case_open is False:
        return None
    row = open_case(account_id)
    if row is None or postpaid_store.arrears_of(account_id, day=business_day) > 0:
        return None
    account = row.account
    none: frozenset[Role] = frozenset()
    if Stage(row.stage) in BEFORE_EXECUTION:
        return take_on_locked(account, row, ClosePaid(), by=SYSTEM, roles=none, at=at).stage
    if Stage(row.stage) == Stage.EXECUTED:
        request = RaiseReconnection(source=ReconnectionSource.PAYMENT)
        return take_on_locked(account, row, request, by=SYSTEM, roles=none, at=at).stage
    return None


def any_open_case(account_id: int | OuterRef) -> Exists:
    """Whether the account has an open case (open_case's test), to read with another row."""
    return Exists(ArrearsCase.objects.filter(Q(account_id=account_id), closed_at__isnull=True,
                                             reconnected_at__isnull=True))
