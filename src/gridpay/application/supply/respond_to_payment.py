"""What a payment sets going at once (RULES §5, §7): alerts re-armed, arrears cleared, reconnection requested."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from gridpay.data import meter_command_store
from gridpay.data.alert_state import fired_from_column, fired_to_column
from gridpay.data.bulk import on_postgresql
from gridpay.data.models import Account, Meter
from gridpay.data.models.accounts import AccountStatus
from gridpay.data.queries.accounts import recent_daily_charges_fen
from gridpay.data.queries.supply import relay_may_be_open
from gridpay.data.reconnect_cases import track_reconnection
from gridpay.data.settings import gridpay_settings
from gridpay.data.supply_policy_store import load_policy
from gridpay.data.temporary_store import supply_withheld
from gridpay.domain import alerts
from gridpay.domain.account_figures import average_daily_charge_fen, days_left
from gridpay.domain.meter_commands import CommandAction, CommandPolicy
from gridpay.domain.supply_policy import SupplyPolicy, SupplyState, reconnect_due
from gridpay.integrations.headend.wake import wake_gateway

RECONNECT_REASON = "交费复电"


@dataclass(frozen=True)
class LockedAccount:
    row: Account  # the columns respond_to_payment reads
    temporary: bool  # the account is a temporary supply's (few are: the others need not look for one)


# Written out: a payment reads it, and building the ORM's statement (a join, a lock, deferred columns) cost several
# times what the database did.
_LOCKED_FOR_RESPONSE = """
    SELECT a.id, a.alerts_fired, a.arrears_since, a.supply_state, a.alert_first_fen, a.status,
           t.stage AS temporary_stage
    FROM gridpay_account a LEFT JOIN gridpay_temporarysupply t ON t.account_id = a.id
    WHERE a.id = %s{lock}
"""


def locked_for_response(account_id: int) -> LockedAccount:
    """The account's row as respond_to_payment reads it, locked: a meter's read-back confirming a disconnect meanwhile
    (it locks the account first too) either committed before, and is seen, or waits for the payment and its
    reconnect."""
    # What else the response may need (a disconnect under way, the meter) is read after the lock, not with it: on
    # PostgreSQL a read that waited for the row's lock sees the row as the lock's holder left it but the rest of the
    # statement as before; and subqueries cost as much to build as the queries they would save.
    rows = list(Account.objects.raw(_LOCKED_FOR_RESPONSE.format(lock=" FOR UPDATE OF a" if on_postgresql() else ""),
                                    [account_id]))
    if not rows:
        raise Account.DoesNotExist(f"no account {account_id}")
    row = rows[0]
    return LockedAccount(row=row, temporary=getattr(row, "temporary_stage", None) is not None)


def respond_to_payment(
    *, account_id: int, available_balance_fen: int, at: datetime, locked: LockedAccount | None = None
) -> int | None:
    """Runs in the payment's transaction, so the reconnect command exists exactly when the money does.

    Returns the id of the reconnect command queued or held, if one was needed. A payment to a connected account with
    no alert fired (most of them) costs two reads: what is not needed is not read. ``locked``: the
    account as locked_for_response read it in this transaction, if the caller has it.
    """
    locked = locked or locked_for_response(account_id)  # locked before its supply state is read
    account = locked.row
    policy: SupplyPolicy | None = None
    fired = fired_from_column(account.alerts_fired)
    if fired:
        policy = load_policy()
        # Only the days-left alert depends on the forecast: the recent charges are read when it has fired.
        left = days_left(available_balance_fen=available_balance_fen, average_daily_charge_fen=average_daily_charge_fen(
            recent_daily_charges_fen(account_id=account_id, days=gridpay_settings().average_days)
        )) if alerts.AlertKind.DAYS_LEFT in fired else None
        still = alerts.after_payment(
            levels=policy.alerts.with_own_first_level(account.alert_first_fen), fired=fired,
            available_balance_fen=available_balance_fen, days_left=left,
        )
        account.alerts_fired = fired_to_column(still)
    arrears_cleared = available_balance_fen >= 0 and account.arrears_since is not None
    if arrears_cleared:
        account.arrears_since = None
    if fired or arrears_cleared:
        account.save(update_fields=["alerts_fired", "arrears_since"])
    state = reconnect_standing(account_id=account_id, status=account.status, supply_state=account.supply_state,
                               temporary=locked.temporary)
    if state != SupplyState.DISCONNECTED or not reconnect_due(
        policy=policy or load_policy(), available_balance_fen=available_balance_fen, supply_state=state
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


def reconnect_standing(
    *, account_id: int, status: str, supply_state: str, temporary: bool | None = None
) -> SupplyState | None:
    """The supply state a payment's reconnect decision sees (a disconnect not yet finished counts as done: it may
    reach the meter yet; so does a relay reported open, or unknown since a command's outcome was); None for an account
    a payment never reconnects.

    A closed account (a temporary supply paying what it owed at its end) is never reconnected; a temporary supply
    not yet connected is connected by its prepaid estimate alone, and one past its term stays disconnected until it
    is ended (application.temporary). ``temporary``: whether the account has a temporary supply, when the caller
    read that with its row (None: looked for when it can matter).
    """
    if status == AccountStatus.CLOSED:
        return None
    # Each read only when it can matter (most payments are to connected accounts with nothing under way).
    state = SupplyState(supply_state)
    if state != SupplyState.DISCONNECTED and relay_may_be_open(account_id):
        state = SupplyState.DISCONNECTED  # a paid customer is never left in the dark on a guess (issue 20)
    if state == SupplyState.DISCONNECTED and temporary is not False and supply_withheld(account_id):
        return None
    return state
