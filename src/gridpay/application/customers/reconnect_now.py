"""A supervisor orders a disconnected account reconnected before its arrears are paid (hardship, a mistake)."""

from datetime import datetime, timedelta

from django.db import transaction

from gridpay.application.errors import InvalidInput, UnknownAccount
from gridpay.data import meter_command_store
from gridpay.data.models import Account, AuditRecord, Meter
from gridpay.data.models.accounts import AccountStatus
from gridpay.data.reconnect_cases import track_reconnection
from gridpay.data.temporary_store import supply_withheld
from gridpay.domain.meter_commands import CommandAction, CommandPolicy
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.headend.wake import wake_gateway


def reconnect_now(*, account_no: str, reason: str, actor: str, at: datetime) -> int | None:
    """Queues the reconnect (behind any live command, never overtaking it) and opens its 24-hour case.

    Returns the command id, or None when a disconnect not yet sent was simply cancelled.
    """
    reason = reason.strip()
    if not reason:
        raise InvalidInput(gettext_noop("指令复电必须写明原因"), field="reason")
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(account_no=account_no.strip()).first()
        if account is None:
            raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account_no",
                                 params={"account_no": account_no})
        if account.status == AccountStatus.CLOSED or supply_withheld(account.id):
            raise InvalidInput(gettext_noop("户号 {account_no} 已销户，或是未送电、已期满的临时用电户：预交足额后"
                                            "由 gridpay temporary connect 送电，期满的办理结束"), field="account_no",
                               params={"account_no": account.account_no})
        meter_id = Meter.objects.filter(account=account, removed_on__isnull=True).values_list("id", flat=True).first()
        if meter_id is None:
            raise InvalidInput(gettext_noop("这一户没有在用的电能表"), field="account_no")
        queued = meter_command_store.queue_command(
            meter_id=meter_id, account_id=account.id, action=CommandAction.RECONNECT,
            reason=f"班长指令复电：{reason}"[:100], at=at, valid_until=None,
        )
        if queued.queued:
            wake_gateway()  # at commit
        command = queued.command
        if command is not None:
            track_reconnection(account_id=account.id, command=command, at=at,
                               within=timedelta(seconds=CommandPolicy().reconnect_commitment_s))
        AuditRecord.objects.create(
            at=at, actor=actor[:100], action="supply.reconnect_now", target=f"account:{account.account_no}",
            old={"supply_state": account.supply_state}, new={"command": command.id if command else None},
            note=reason[:500],
        )
    return command.id if command else None
