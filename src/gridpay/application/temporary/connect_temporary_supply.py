"""Connects a temporary supply once its credit covers the estimate (预交电费后送电): the reconnect command through the
meter-command outbox, or a field work order when the head-end cannot switch the meter. Refused, naming the shortfall,
before; ordered by a staff member, or at once by the payment that completes the prepayment."""

from datetime import date, datetime, timedelta

from django.db import transaction

from gridpay.application.errors import NotFound
from gridpay.application.temporary.access import check_may_manage
from gridpay.application.temporary.show_temporary_supply import TemporaryView, show_temporary_supply
from gridpay.data import meter_command_store
from gridpay.data.models import Account, AuditRecord, Meter, TemporarySupply, WorkOrder
from gridpay.data.models.field_work import WorkOrderKind
from gridpay.data.reconnect_cases import track_reconnection
from gridpay.domain.meter_commands import CommandAction, CommandPolicy
from gridpay.domain.staff_roles import Role
from gridpay.domain.temporary_supply import TemporaryStage, TemporarySupplyRefused, require_prepaid, shortfall_fen
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.headend.wake import wake_gateway

CONNECT_REASON = "临时用电送电（预交电费已足额）"
SYSTEM = "系统（交费足额自动送电）"


def connect_temporary_supply(
    *, account_no: str, actor: str, roles: set[Role], at: datetime, today: date
) -> TemporaryView:
    """PrepaymentShort (nothing written) until the account's credit covers the estimate. Asked again once connected,
    it returns the supply as it stands (the connection is ordered once)."""
    check_may_manage(roles)
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(account_no=account_no.strip()).first()
        row = None if account is None else TemporarySupply.objects.select_for_update().filter(account=account).first()
        if account is None or row is None:
            raise NotFound(gettext_noop("户号 {account_no} 不是临时用电户"), field="account_no",
                           params={"account_no": account_no})
        if row.stage == TemporaryStage.ENDED:
            raise TemporarySupplyRefused(gettext_noop("临时用电户 {account_no} 已结束并销户，不能送电"),
                                         field="account_no", params={"account_no": account.account_no})
        if row.stage == TemporaryStage.REGISTERED:
            credit = account.ledger_account.balance_fen
            require_prepaid(account_no=account.account_no, estimate_fen=row.estimate_fen, credit_fen=credit)
            _order_connection(account, row, actor=actor, at=at)
    return show_temporary_supply(account_no=account.account_no, today=today)


def connect_when_covered(*, account_id: int, available_balance_fen: int, at: datetime) -> bool:
    """In a payment's transaction: the payment that brings a registered temporary supply's credit up to its estimate
    connects it at once. True when it did."""
    row = TemporarySupply.objects.select_for_update().filter(
        account_id=account_id, stage=TemporaryStage.REGISTERED.value).first()
    if row is None or shortfall_fen(estimate_fen=row.estimate_fen, credit_fen=available_balance_fen):
        return False
    account = Account.objects.select_for_update().get(id=account_id)
    _order_connection(account, row, actor=SYSTEM, at=at)
    return True


def _order_connection(account: Account, row: TemporarySupply, *, actor: str, at: datetime) -> None:
    """The one way a temporary supply is connected: under the account's and the row's locks."""
    if row.remote_control:
        meter_id = Meter.objects.filter(account=account, removed_on__isnull=True).values_list("id", flat=True).first()
        if meter_id is None:
            raise TemporarySupplyRefused(gettext_noop("临时用电户 {account_no} 没有在用的电能表，不能送电"),
                                         field="account_no", params={"account_no": account.account_no})
        queued = meter_command_store.queue_command(
            meter_id=meter_id, account_id=account.id, action=CommandAction.RECONNECT, reason=CONNECT_REASON,
            at=at, valid_until=None,
        )
        if queued.queued:
            wake_gateway()  # at commit
        if queued.command is not None:
            # Followed to the meter's read-back like a reconnection after payment (the 24-hour commitment).
            track_reconnection(account_id=account.id, command=queued.command, at=at,
                               within=timedelta(seconds=CommandPolicy().reconnect_commitment_s))
            row.connect_command = queued.command
    else:
        order, _ = WorkOrder.objects.get_or_create(
            key=f"temporary_connect:{account.id}",
            defaults={"kind": WorkOrderKind.TEMPORARY_CONNECT, "account": account, "opened_at": at,
                      "detail": "临时用电预交电费已足额，请现场送电"},
        )
        row.connect_work_order = order
    row.stage = TemporaryStage.CONNECTED.value
    row.connected_at = at
    row.connected_by = actor[:100]
    row.save(update_fields=["stage", "connected_at", "connected_by", "connect_command", "connect_work_order"])
    AuditRecord.objects.create(
        at=at, actor=actor[:100], action="temporary.connect", target=f"account:{account.account_no}",
        old={"stage": TemporaryStage.REGISTERED.value},
        new={"stage": TemporaryStage.CONNECTED.value, "command": row.connect_command_id,
             "work_order": row.connect_work_order_id, "credit_fen": account.ledger_account.balance_fen,
             "estimate_fen": row.estimate_fen},
    )


