"""The field team reports a temporary supply's work order done (现场送电 / 现场停电) on a meter the head-end cannot
switch: the order is closed and the account's supply state is what the field made it."""

from datetime import datetime

from django.db import transaction

from gridpay.application.errors import NotFound
from gridpay.application.temporary.access import NotAllowed
from gridpay.data.models import Account, AuditRecord, Meter, WorkOrder
from gridpay.data.models.field_work import WorkOrderKind
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.supply_policy import SupplyState
from gridpay.domain.texts import gettext_noop

DONE = {WorkOrderKind.TEMPORARY_CONNECT: "已现场送电", WorkOrderKind.TEMPORARY_DISCONNECT: "已现场停电"}


def complete_field_work(*, account_no: str, note: str, actor: str, roles: set[Role], at: datetime) -> str:
    """Closes the account's open temporary work order (the disconnection's when both are open: it came last); the
    WorkOrderKind value of the one closed."""
    if not (may(roles, Action.MANAGE_TEMPORARY_SUPPLY) or may(roles, Action.COMPLETE_RECONNECTION)):
        raise NotAllowed(gettext_noop("只有计量班或营业厅人员可以回填临时用电现场工单"), field="as")
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(account_no=account_no.strip()).first()
        order = None if account is None else (
            WorkOrder.objects.select_for_update().filter(
                account=account, closed_at__isnull=True,
                kind__in=[WorkOrderKind.TEMPORARY_CONNECT.value, WorkOrderKind.TEMPORARY_DISCONNECT.value],
            ).order_by("-opened_at", "-id").first()
        )
        if account is None or order is None:
            raise NotFound(gettext_noop("户号 {account_no} 没有未完成的临时用电现场工单"), field="account_no",
                           params={"account_no": account_no})
        kind = WorkOrderKind(order.kind)
        connected = kind is WorkOrderKind.TEMPORARY_CONNECT
        order.closed_at = at
        order.outcome = f"{DONE[kind]}（{actor}）{('：' + note.strip()) if note.strip() else ''}"[:200]
        order.save(update_fields=["closed_at", "outcome"])
        state = SupplyState.CONNECTED if connected else SupplyState.DISCONNECTED
        Account.objects.filter(id=account.id).update(supply_state=state.value)
        Meter.objects.filter(account=account, removed_on__isnull=True).update(relay_open_desired=not connected)
        AuditRecord.objects.create(
            at=at, actor=actor[:100], action="temporary.field_done", target=f"account:{account.account_no}",
            old={"supply_state": account.supply_state}, new={"supply_state": state.value, "work_order": order.id},
            note=note.strip()[:500],
        )
    return kind.value
