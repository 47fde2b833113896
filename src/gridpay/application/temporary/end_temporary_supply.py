"""Ends a temporary supply (临时用电结束: the planned end, or earlier): the final reading, the final settlement, the
remaining credit refunded in cash at the counter (or the shortfall left owed), the account closed and disconnected."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from gridpay.application.errors import NotFound
from gridpay.application.readings.record_readings import record_readings
from gridpay.application.settlement.settle_account import settle_account_through
from gridpay.application.temporary.access import check_may_manage
from gridpay.application.temporary.show_temporary_supply import TemporaryView, show_temporary_supply
from gridpay.data import ledger as ledger_store
from gridpay.data import meter_command_store
from gridpay.data.models import Account, AuditRecord, LedgerAccount, Meter, Reading, TemporarySupply, WorkOrder
from gridpay.data.models.accounts import AccountStatus
from gridpay.data.models.field_work import WorkOrderKind
from gridpay.data.settings import gridpay_settings
from gridpay.domain.ledger import LedgerAccountKind, Transfer, TransferKind
from gridpay.domain.meter_commands import CommandAction
from gridpay.domain.payments import PaymentChannel
from gridpay.domain.readings import MeterReading, Registers
from gridpay.domain.staff_roles import Role
from gridpay.domain.temporary_supply import (
    TemporaryStage,
    TemporarySupplyRefused,
    check_end_day,
    closing,
)
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.headend.wake import wake_gateway

DISCONNECT_REASON = "临时用电结束，已销户"


def end_temporary_supply(
    *, account_no: str, end_day: date, final_total_kwh: Decimal | None, actor: str, roles: set[Role], at: datetime,
    today: date,
) -> TemporaryView:
    """One transaction: a reading or a day that cannot be settled refuses the whole end, nothing written.

    ``final_total_kwh`` is the meter's total register at the end of ``end_day`` (拆表读数); without it the day's
    frozen reading must be there. A supply never connected used nothing: its credit is refunded whole. Asked again
    once ended, it returns the supply as it ended (nothing is refunded twice).
    """
    check_may_manage(roles)
    with transaction.atomic():
        # The balance's row first, then the account's, as a payment (and the nightly settlement) lock them: a payment
        # arriving meanwhile waits for the end, then finds the account closed.
        list(LedgerAccount.objects.select_for_update().filter(account__account_no=account_no.strip()))
        account = Account.objects.select_for_update().filter(account_no=account_no.strip()).first()
        row = None if account is None else TemporarySupply.objects.select_for_update().filter(account=account).first()
        if account is None or row is None:
            raise NotFound(gettext_noop("户号 {account_no} 不是临时用电户"), field="account_no",
                           params={"account_no": account_no})
        if row.stage == TemporaryStage.ENDED:
            return show_temporary_supply(account_no=account.account_no, today=today)
        assert account.prepaid_since is not None  # a temporary account is prepaid from its registration
        check_end_day(end_day=end_day, registered_on=account.prepaid_since, today=today)
        meter = Meter.objects.filter(account=account, removed_on__isnull=True).first()
        was_connected = row.stage == TemporaryStage.CONNECTED
        if was_connected:
            if meter is None:
                raise TemporarySupplyRefused(gettext_noop("临时用电户 {account_no} 没有在用的电能表，无法抄末次读数"),
                                             field="account_no", params={"account_no": account.account_no})
            _final_reading(meter, end_day=end_day, total_kwh=final_total_kwh, at=at)
            settle_account_through(account_id=account.id, first_day=account.prepaid_since, through=end_day, at=at)
        balance = LedgerAccount.objects.get(id=account.ledger_account_id).balance_fen
        ends = closing(balance_fen=balance)
        if ends.refund_fen:
            # Counter cash out of the drawer: the counter's clearing account pays it, as it took the payments in.
            counter = ledger_store.system_account(ledger_store.clearing_code(PaymentChannel.COUNTER.value),
                                                  LedgerAccountKind.CLEARING)
            (row.refund_transfer,) = ledger_store.post(
                [Transfer(debit=account.ledger_account_id, credit=counter.id, amount_fen=ends.refund_fen,
                          kind=TransferKind.REFUND)],
                business_day=today, at=at,
            )
        if was_connected:
            disconnect_supply(account, row, reason=DISCONNECT_REASON, at=at)
        Account.objects.filter(id=account.id).update(status=AccountStatus.CLOSED.value)
        row.stage = TemporaryStage.ENDED.value
        row.ended_on, row.ended_at, row.ended_by = end_day, at, actor[:100]
        row.final_total_kwh = (
            Reading.objects.filter(meter=meter, reading_date=end_day).values_list("total_kwh", flat=True).first()
            if meter is not None else None
        )
        row.refunded_fen, row.owed_fen = ends.refund_fen, ends.owed_fen
        row.save()
        AuditRecord.objects.create(
            at=at, actor=actor[:100], action="temporary.end", target=f"account:{account.account_no}",
            old={"stage": "connected" if was_connected else "registered", "status": AccountStatus.ACTIVE.value},
            new={"stage": TemporaryStage.ENDED.value, "ended_on": str(end_day), "refunded_fen": ends.refund_fen,
                 "owed_fen": ends.owed_fen, "status": AccountStatus.CLOSED.value},
        )
    return show_temporary_supply(account_no=account.account_no, today=today)


def _final_reading(meter: Meter, *, end_day: date, total_kwh: Decimal | None, at: datetime) -> None:
    """The reading of the last day: the one stored, or the one given (checked and stored by the readings' one check)."""
    stored = Reading.objects.filter(meter=meter, reading_date=end_day).values_list("total_kwh", flat=True).first()
    if total_kwh is None:
        if stored is None:
            raise TemporarySupplyRefused(
                gettext_noop("缺少表 {meter_no} {day} 的读数：请给出末次读数（拆表读数）"), field="final_reading",
                params={"meter_no": meter.meter_no, "day": end_day},
            )
        return
    if stored is not None:
        if stored != total_kwh:
            raise TemporarySupplyRefused(
                gettext_noop("表 {meter_no} {day} 已有读数 {stored}，与末次读数 {given} 不符"), field="final_reading",
                params={"meter_no": meter.meter_no, "day": end_day, "stored": stored, "given": total_kwh},
            )
        return
    report = record_readings(
        readings=[(1, MeterReading(meter_no=meter.meter_no, day=end_day, registers=Registers(total_kwh=total_kwh)))],
        received_at=at, max_daily_kwh=gridpay_settings().max_daily_kwh,
    )
    if report.rejected:
        raise TemporarySupplyRefused(gettext_noop("末次读数未通过校验：{why}"), field="final_reading",
                                     params={"why": report.rejected[0].message})


def disconnect_supply(account: Account, row: TemporarySupply, *, reason: str, at: datetime) -> None:
    """A disconnect through the outbox, or a field work order when the head-end cannot switch the meter; recorded on
    the row (the caller saves it)."""
    if row.remote_control:
        meter_id = Meter.objects.filter(account=account, removed_on__isnull=True).values_list("id", flat=True).first()
        if meter_id is None:
            return
        queued = meter_command_store.queue_command(
            meter_id=meter_id, account_id=account.id, action=CommandAction.DISCONNECT, reason=reason,
            at=at, valid_until=None,
        )
        if queued.queued:
            wake_gateway()  # at commit
        if queued.command is not None:
            row.disconnect_command = queued.command
        return
    order, _ = WorkOrder.objects.get_or_create(
        key=f"temporary_disconnect:{account.id}",
        defaults={"kind": WorkOrderKind.TEMPORARY_DISCONNECT, "account": account, "opened_at": at,
                  "detail": f"{reason}，请现场停电"},
    )
    row.disconnect_work_order = order
