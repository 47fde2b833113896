"""Arrears cases to and from the database: a row is a CaseFile's records, and its stage is kept with them."""

from typing import TypeVar

from gridpay.data.bulk import on_postgresql
from gridpay.data.models import Account
from gridpay.data.models.arrears import ArrearsCase
from gridpay.domain.arrears_procedure import (
    Approval,
    CaseFile,
    Closure,
    DisconnectionTicket,
    Execution,
    PhoneNotice,
    ReconnectionDone,
    ReconnectionSource,
    ReconnectionTicket,
    RedNotice,
    RefusalAcknowledgement,
    YellowNotice,
    stage,
)
from gridpay.domain.staff_roles import Role

T = TypeVar("T")


# Written out: every step of the procedure reads the case with its account, and building the ORM's statement (the
# two tables' seventy columns, a lock) cost several times what the database did.
_OPEN_CASE = (
    f"SELECT * FROM {ArrearsCase._meta.db_table} WHERE account_id = %s AND closed_at IS NULL AND reconnected_at IS NULL"
    " ORDER BY id LIMIT 1"
)
_ACCOUNT = f"SELECT * FROM {Account._meta.db_table} WHERE id = %s"


def open_case_with_account(account_id: int, *, lock: bool) -> ArrearsCase | None:
    """The account's open case (neither closed nor reconnected: there is one at most), with its account; ``lock``: the
    case's row locked (the caller holds the account's)."""
    cases = list(ArrearsCase.objects.raw(_OPEN_CASE + (" FOR UPDATE" if lock and on_postgresql() else ""),
                                         [account_id]))
    if not cases:
        return None
    (row,) = cases
    (row.account,) = Account.objects.raw(_ACCOUNT, [account_id])
    return row


def case_file(row: ArrearsCase) -> CaseFile:
    """What is recorded on ``row``, as the domain reads it."""
    acks = []
    if row.supervisor_ack_at is not None:
        acks.append(RefusalAcknowledgement(at=row.supervisor_ack_at, by=row.supervisor_ack_by, role=Role.SUPERVISOR))
    if row.head_ack_at is not None:
        acks.append(RefusalAcknowledgement(at=row.head_ack_at, by=row.head_ack_by, role=Role.STATION_HEAD))
    return CaseFile(
        residential=row.residential,
        important=row.important,
        opened_at=row.opened_at,
        yellow_notice=None if row.yellow_at is None else YellowNotice(
            at=row.yellow_at, by=row.yellow_by, amount_fen=_required(row.yellow_amount_fen),
            pay_by=_required(row.yellow_pay_by), planned_disconnection_at=_required(row.yellow_planned_at)),
        red_notice=None if row.red_at is None else RedNotice(
            at=row.red_at, by=row.red_by, amount_fen=_required(row.red_amount_fen), pay_by=_required(row.red_pay_by),
            planned_disconnection_at=_required(row.red_planned_at), signed=bool(row.red_signed),
            refusal_note=row.red_refusal_note),
        refusal_acks=tuple(sorted(acks, key=lambda ack: ack.at)),
        approval=None if row.approved_at is None else Approval(
            at=row.approved_at, by=row.approved_by, role=Role(row.approved_role),
            company_level=bool(row.company_level), filing_ref=row.filing_ref),
        ticket=None if row.ticket_at is None else DisconnectionTicket(
            at=row.ticket_at, by=row.ticket_by, for_day=_required(row.ticket_for_day)),
        phone_notice=None if row.phone_at is None else PhoneNotice(at=row.phone_at, by=row.phone_by),
        execution=None if row.executed_at is None else Execution(
            at=row.executed_at, by=row.executed_by, remote=bool(row.executed_remote),
            meter_verified=bool(row.meter_verified)),
        closure=None if row.closed_at is None else Closure(at=row.closed_at, by=row.closed_by, arrears_fen=0),
        reconnection_ticket=None if row.reconnection_at is None else ReconnectionTicket(
            at=row.reconnection_at, by=row.reconnection_by, source=ReconnectionSource(row.reconnection_source),
            request_no=row.reconnection_request_no, due_by=_required(row.reconnection_due_by)),
        reconnection=None if row.reconnected_at is None else ReconnectionDone(
            at=row.reconnected_at, by=row.reconnected_by, remote=bool(row.reconnected_remote),
            explanation_to_customer=row.explanation_to_customer,
            explanation_to_supervisor=row.explanation_to_supervisor),
    )


def record(row: ArrearsCase, case: CaseFile) -> list[str]:
    """Set ``row``'s columns to ``case``'s records and its stage; the names of the columns that changed."""
    values: dict[str, object] = {"stage": stage(case).value}
    if (y := case.yellow_notice) is not None:
        values |= {"yellow_at": y.at, "yellow_by": y.by[:100], "yellow_amount_fen": y.amount_fen,
                   "yellow_pay_by": y.pay_by, "yellow_planned_at": y.planned_disconnection_at}
    if (r := case.red_notice) is not None:
        values |= {"red_at": r.at, "red_by": r.by[:100], "red_amount_fen": r.amount_fen, "red_pay_by": r.pay_by,
                   "red_planned_at": r.planned_disconnection_at, "red_signed": r.signed,
                   "red_refusal_note": r.refusal_note[:500]}
    for ack in case.refusal_acks:
        prefix = "supervisor" if ack.role is Role.SUPERVISOR else "head"
        values |= {f"{prefix}_ack_at": ack.at, f"{prefix}_ack_by": ack.by[:100]}
    if (a := case.approval) is not None:
        values |= {"approved_at": a.at, "approved_by": a.by[:100], "approved_role": a.role.value,
                   "company_level": a.company_level, "filing_ref": a.filing_ref[:100]}
    if (t := case.ticket) is not None:
        values |= {"ticket_at": t.at, "ticket_by": t.by[:100], "ticket_for_day": t.for_day}
    if (p := case.phone_notice) is not None:
        values |= {"phone_at": p.at, "phone_by": p.by[:100]}
    if (e := case.execution) is not None:
        values |= {"executed_at": e.at, "executed_by": e.by[:100], "executed_remote": e.remote,
                   "meter_verified": e.meter_verified}
    if (c := case.closure) is not None:
        values |= {"closed_at": c.at, "closed_by": c.by[:100]}
    if (rt := case.reconnection_ticket) is not None:
        values |= {"reconnection_at": rt.at, "reconnection_by": rt.by[:100], "reconnection_source": rt.source.value,
                   "reconnection_request_no": rt.request_no[:40], "reconnection_due_by": rt.due_by}
    if (rd := case.reconnection) is not None:
        values |= {"reconnected_at": rd.at, "reconnected_by": rd.by[:100], "reconnected_remote": rd.remote,
                   "explanation_to_customer": rd.explanation_to_customer[:500],
                   "explanation_to_supervisor": rd.explanation_to_supervisor[:500]}
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    return changed


def _required(value: T | None) -> T:
    if value is None:
        raise ValueError("a recorded step is missing one of its values")
    return value
