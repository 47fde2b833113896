"""What a payment sets going at once (RULES §5, §7): alerts re-armed, arrears cleared, reconnection requested."""

from datetime import datetime, timedelta

from gridpay.data import meter_command_store
from gridpay.data.alert_state import fired_from_column, fired_to_column
from gridpay.data.models import Account, Meter, MeterCommand
from gridpay.data.models.accounts import AccountStatus
from gridpay.data.models.meter_commands import UNDER_WAY
from gridpay.data.queries.accounts import recent_daily_charges_fen
from gridpay.data.reconnect_cases import track_reconnection
from gridpay.data.settings import gridpay_settings
from gridpay.data.supply_policy_store import load_policy
from gridpay.data.temporary_store import supply_withheld
from gridpay.domain import alerts
from gridpay.domain.account_figures import average_daily_charge_fen, days_left
from gridpay.domain.meter_commands import CommandAction, CommandPolicy
from gridpay.domain.supply_policy import SupplyState, reconnect_due
from gridpay.integrations.headend.wake import wake_gateway

RECONNECT_REASON = "交费复电"


def respond_to_payment(*, account_id: int, available_balance_fen: int, at: datetime) -> int | None:
    """Runs in the payment's transaction, so the reconnect command exists exactly when the money does.

    Returns the id of the reconnect command queued or held, if one was needed.
    """
    policy = load_policy()
    # Locked before its supply state is read: a meter's read-back confirming a disconnect meanwhile (it locks the
    # account first too) either committed before, and is seen, or waits for this payment and its reconnect.
    account = Account.objects.select_for_update().only(
        "id", "alerts_fired", "arrears_since", "supply_state", "alert_first_fen", "status").get(id=account_id)
    fired = fired_from_column(account.alerts_fired)
    average = average_daily_charge_fen(
        recent_daily_charges_fen(account_id=account_id, days=gridpay_settings().average_days)
    )
    still = alerts.after_payment(
        levels=policy.alerts.with_own_first_level(account.alert_first_fen), fired=fired,
        available_balance_fen=available_balance_fen,
        days_left=days_left(available_balance_fen=available_balance_fen, average_daily_charge_fen=average),
    )
    account.alerts_fired = fired_to_column(still)
    if available_balance_fen >= 0:
        account.arrears_since = None
    account.save(update_fields=["alerts_fired", "arrears_since"])
    state = reconnect_standing(account_id=account_id, status=account.status, supply_state=account.supply_state)
    if state is None or not reconnect_due(
        policy=policy, available_balance_fen=available_balance_fen, supply_state=state
    ):
        return None
    meter_id = Meter.objects.filter(account_id=account_id, removed_on__isnull=True).values_list("id", flat=True).first()
    if meter_id is None:
        return None
    queued = meter_command_store.queue_command(
        meter_id=meter_id, account_id=account_id, action=CommandAction.RECONNECT, reason=RECONNECT_REASON,
        at=at, valid_until=None,
    )
    if queued.queued:
        wake_gateway()  # at the payment's commit
    command = queued.command
    if command is None:
        return None  # the disconnect was never sent: cancelling it was enough
    track_reconnection(account_id=account_id, command=command, at=at,
                       within=timedelta(seconds=CommandPolicy().reconnect_commitment_s))
    return command.id


def reconnect_standing(*, account_id: int, status: str, supply_state: str) -> SupplyState | None:
    """The supply state a payment's reconnect decision sees (a disconnect not yet finished counts as done: it may
    reach the meter yet); None for an account a payment never reconnects.

    A closed account (a temporary supply paying what it owed at its end) is never reconnected; a temporary supply
    not yet connected is connected by its prepaid estimate alone, and one past its term stays disconnected until it
    is ended (application.temporary).
    """
    if status == AccountStatus.CLOSED or supply_withheld(account_id):
        return None
    disconnect_under_way = MeterCommand.objects.filter(
        account_id=account_id, action=CommandAction.DISCONNECT, status__in=UNDER_WAY,
    ).exists()
    return SupplyState.DISCONNECTED if disconnect_under_way else SupplyState(supply_state)
