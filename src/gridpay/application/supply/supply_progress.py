"""What a payment has done for an account's supply, as the cashier and the customer follow it: what is still owed
before reconnection, or how far the reconnection got (queued, sent, close permitted, restored)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from gridpay.application.errors import UnknownAccount
from gridpay.application.postpaid.accrue_late_fees import late_fees_owed, overdue
from gridpay.application.supply.respond_to_payment import reconnect_standing
from gridpay.data import postpaid_store
from gridpay.data.models import Account, AccountMode, Meter, MeterCommand, ReconnectCase, WorkOrder
from gridpay.data.models.meter_commands import UNDER_WAY
from gridpay.data.queries.accounts import arrears_stage, bills_owed_fen
from gridpay.data.settings import gridpay_settings
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.arrears_procedure import Stage
from gridpay.domain.meter_commands import CommandAction, CommandStatus
from gridpay.domain.meter_models import UNKNOWN, RelayKind
from gridpay.domain.reconnection_progress import OpenReconnection, ReconnectStage, reconnect_stage
from gridpay.domain.supply_policy import SupplyState, reconnect_shortfall_fen
from gridpay.domain.texts import gettext_noop

# A reconnection the meter confirmed is still told this long after: the cashier who took the payment, and the
# customer who paid online, see the end of what they started.
RESTORED_TOLD_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class SupplyProgress:
    account_no: str
    supply_state: str  # SupplyState value, as the meter last confirmed it
    stage: ReconnectStage
    owed_fen: int  # OWED: what a payment must still bring before the account is reconnected
    # When the reconnection's steps were taken (None: not yet, or no reconnection to tell).
    queued_at: datetime | None  # the payment (or the order) that queued the reconnect
    sent_at: datetime | None
    permitted_at: datetime | None  # close permitted (1B): the customer's press awaited
    restored_at: datetime | None  # the relay read closed
    relay: RelayKind  # CLOSE_PERMITTED: the customer presses the meter's button (internal) or closes the breaker
    disconnect_under_way: bool  # a disconnect command not yet finished: the supply state may change any moment

    @property
    def watch(self) -> bool:
        """Whether the page should look again by itself: the meter or the customer will move it."""
        return self.stage.moving or self.disconnect_under_way


def supply_progress(*, account_no: str, now: datetime, today: date) -> SupplyProgress:
    account = (Account.objects.filter(account_no=account_no.strip()).select_related("ledger_account")
               .only("id", "account_no", "mode", "status", "supply_state", "ledger_account__balance_fen").first())
    if account is None:
        raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account_no",
                             params={"account_no": account_no})
    case = (ReconnectCase.objects.filter(account_id=account.id).select_related("command")
            .order_by("-opened_at", "-id").first())
    open_case = case if case is not None and case.confirmed_at is None else None
    restored_lately = (case is not None and case.confirmed_at is not None
                       and now - case.confirmed_at < RESTORED_TOLD_FOR
                       and account.supply_state == SupplyState.CONNECTED)
    reconnection = None
    if open_case is not None and open_case.command is not None:
        reconnection = OpenReconnection(
            command_status=CommandStatus(open_case.command.status),
            close_permitted=open_case.close_permitted_at is not None,
            field_work=WorkOrder.objects.filter(key=f"reconnect_case:{open_case.id}").exists(),
        )
    shortfall = _shortfall(account, today=today)
    stage = reconnect_stage(reconnection=reconnection, restored_lately=restored_lately, shortfall_fen=shortfall)
    return SupplyProgress(
        account_no=account.account_no, supply_state=account.supply_state, stage=stage,
        owed_fen=(shortfall or 0) if stage == ReconnectStage.OWED else 0, **_times(stage, case),
        relay=_relay(account.id) if stage == ReconnectStage.CLOSE_PERMITTED else UNKNOWN.relay,
        disconnect_under_way=MeterCommand.objects.filter(
            account_id=account.id, action=CommandAction.DISCONNECT, status__in=UNDER_WAY).exists(),
    )


def _shortfall(account: Account, *, today: date) -> int | None:
    """What a payment must still bring to reconnect the account, by the rule its payment applies; None when it is
    supplied or no payment reconnects it."""
    if account.mode == AccountMode.PREPAID:
        state = reconnect_standing(account_id=account.id, status=account.status, supply_state=account.supply_state)
        if state != SupplyState.DISCONNECTED:
            return None
        # A payment pays the account's open postpaid bills first (a converted account), with the late fees it charges
        # through its day: what it leaves counts.
        owed = bills_owed_fen(account_id=account.id)
        available = account.ledger_account.balance_fen - owed - (_late_fees_due(account.id, today=today) if owed else 0)
        return reconnect_shortfall_fen(policy=load_policy(), available_balance_fen=available)
    # Postpaid (respond_to_cleared_arrears): an executed disconnection is reconnected once its arrears are paid.
    if arrears_stage(account_id=account.id) != Stage.EXECUTED:
        return None
    return postpaid_store.arrears_of(account.id, day=today)


def _late_fees_due(account_id: int, *, today: date) -> int:
    """The late fees a payment today would charge before paying the bills (pay_bills_from_credit's first step)."""
    bills = list(overdue(today).filter(account_id=account_id).select_related("account"))
    return sum(late_fees_owed(bills, through=today, rates=gridpay_settings().late_fee_rates))


def _times(stage: ReconnectStage, case: ReconnectCase | None) -> dict[str, datetime | None]:
    if case is None or stage in (ReconnectStage.NONE, ReconnectStage.OWED):
        return dict.fromkeys(("queued_at", "sent_at", "permitted_at", "restored_at"))
    return {"queued_at": case.opened_at, "sent_at": case.command.sent_at if case.command else None,
            "permitted_at": case.close_permitted_at, "restored_at": case.confirmed_at}


def _relay(account_id: int) -> RelayKind:
    relay = (Meter.objects.filter(account_id=account_id, removed_on__isnull=True)
             .values_list("model__relay", flat=True).first())
    return RelayKind(relay) if relay else UNKNOWN.relay
