"""Takes one step of an account's arrears procedure (停电催费): the domain decides, the case and the audit record it.

One transaction: the account's balances, the account and its case are locked (a payment's order), what the step
needs is read (the arrears re-check, 保电, the disconnection window), `domain.arrears_procedure.take_step` records it
or refuses, and what the step sets going happens with it: a remote disconnection or reconnection is queued through
the command outbox, a field one changes the supply state.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from gridpay.application.errors import NotFound
from gridpay.application.postpaid.procedure_circumstances import circumstances_of, procedure_rules
from gridpay.data import arrears_store, meter_command_store, postpaid_store
from gridpay.data.models import Account, ArrearsCase, AuditRecord, Meter
from gridpay.data.reconnect_cases import track_reconnection
from gridpay.domain.arrears_procedure import CaseFile, StepRequest, take_step
from gridpay.domain.business_time import business_day, day_bounds
from gridpay.domain.meter_commands import CommandAction
from gridpay.domain.staff_roles import Role
from gridpay.domain.supply_policy import SupplyState
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.headend.wake import wake_gateway

DISCONNECT_REASON = "停电催费（后付费，已履行通知与审批）"
RECONNECT_REASON = "交清欠费复电（后付费）"


class NoOpenCase(NotFound):
    code = "no_open_arrears_case"


@dataclass(frozen=True)
class StepTaken:
    account_no: str
    case_id: int
    stage: str
    case: CaseFile
    command_id: int | None  # the meter command the step queued, if any


def take_arrears_step(
    *, account_no: str, request: StepRequest, by: str, roles: frozenset[Role], at: datetime, note: str = ""
) -> StepTaken:
    """Record ``request`` on the account's open case, taken by ``by`` holding ``roles`` (``by=SYSTEM``, no roles,
    for what a payment or a meter sets going). ProcedureRefused when the procedure does not allow it now."""
    with transaction.atomic():
        account_id = Account.objects.filter(account_no=account_no.strip()).values_list("id", flat=True).first()
        if account_id is None:
            raise NoOpenCase(gettext_noop("没有户号 {account_no}"), field="account", params={"account_no": account_no})
        postpaid_store.lock_accounts([account_id])
        # The case with its account in one read: the account's row is locked already, the case's is locked with it.
        row = arrears_store.open_case_with_account(account_id, lock=True)
        if row is None:
            found = Account.objects.filter(id=account_id).values_list("account_no", flat=True).get()
            raise NoOpenCase(gettext_noop("户号 {account_no} 没有进行中的停电催费案件"), field="account",
                             params={"account_no": found})
        return _take(row.account, row, request, by=by, roles=roles, at=at, note=note)


def take_on_locked(
    account: Account, row: ArrearsCase, request: StepRequest, *, by: str, roles: frozenset[Role], at: datetime,
) -> StepTaken:
    """The same, for a caller that already holds the account's locks in its transaction (a payment)."""
    return _take(account, row, request, by=by, roles=roles, at=at, note="")


def open_case(account_id: int) -> ArrearsCase | None:
    """The account's open case, locked, with its account (the caller holds the account's locks)."""
    return arrears_store.open_case_with_account(account_id, lock=True)


def _take(account: Account, row: ArrearsCase, request: StepRequest, *, by: str, roles: frozenset[Role],
          at: datetime, note: str) -> StepTaken:
    before = arrears_store.case_file(row)
    old_stage = row.stage
    circumstances = circumstances_of(account, at=at)
    case = take_step(case=before, step=request, by=by, roles=roles, circumstances=circumstances,
                     rules=procedure_rules())
    changed = arrears_store.record(row, case)
    command_id = _set_going(account, row, case, before, at=at, zone=circumstances.zone)
    if command_id is not None:
        changed += ["disconnect_command" if case.reconnection_ticket is None else "reconnect_command"]
    row.save(update_fields=changed)
    AuditRecord.objects.create(
        at=at, actor=by[:100], action=f"arrears.{request.step.value}", target=f"arrears_case:{row.id}",
        old={"stage": old_stage}, new={"stage": row.stage, "account_no": account.account_no,
                                       "roles": sorted(r.value for r in roles)},
        note=note[:500],
    )
    return StepTaken(account_no=account.account_no, case_id=row.id, stage=row.stage, case=case,
                     command_id=command_id)


def _set_going(account: Account, row: ArrearsCase, case: CaseFile, before: CaseFile, *, at: datetime,
               zone: str) -> int | None:
    """A disconnection carried out, or a reconnection asked for: the meter or the supply state follows."""
    if case.execution is not None and before.execution is None:
        if not case.execution.remote:
            Account.objects.filter(id=account.id).update(supply_state=SupplyState.DISCONNECTED.value)
            return None
        # Valid until the end of the planned day: a command the gateway could not send that day is not sent later.
        _, day_end = day_bounds(day=business_day(instant=at, zone=zone), zone=zone)
        return _queue(account, CommandAction.DISCONNECT, DISCONNECT_REASON, at=at, valid_until=day_end, row=row)
    if case.reconnection_ticket is not None and before.reconnection_ticket is None:
        if case.execution is not None and not case.execution.remote:
            return None  # disconnected in the field: the metering team reconnects there, on its ticket
        return _queue(account, CommandAction.RECONNECT, RECONNECT_REASON, at=at, valid_until=None, row=row)
    if case.reconnection is not None and before.reconnection is None and not case.reconnection.remote:
        Account.objects.filter(id=account.id).update(supply_state=SupplyState.CONNECTED.value)
    return None


def _queue(account: Account, action: CommandAction, reason: str, *, at: datetime, valid_until: datetime | None,
           row: ArrearsCase) -> int | None:
    meter_id = Meter.objects.filter(account_id=account.id, removed_on__isnull=True).values_list(
        "id", flat=True).first()
    if meter_id is None:
        return None
    queued = meter_command_store.queue_command(meter_id=meter_id, account_id=account.id, action=action,
                                               reason=reason, at=at, valid_until=valid_until)
    if queued.queued:
        wake_gateway()  # at the commit
    if queued.command is None:
        return None
    if action == CommandAction.DISCONNECT:
        row.disconnect_command = queued.command
    else:
        row.reconnect_command = queued.command
        # Followed to the read-back like any remote reconnection: the sweep polls a meter that only permits closing.
        assert row.reconnection_due_by is not None
        track_reconnection(account_id=account.id, command=queued.command, at=at,
                           within=row.reconnection_due_by - at)
    return queued.command.id
