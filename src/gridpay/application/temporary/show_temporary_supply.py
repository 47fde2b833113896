"""A temporary supply as the counter sees it: term, estimate, prepaid, used, refunded or owed; and the open ones."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import QuerySet

from gridpay.application.errors import NotFound
from gridpay.data.models import TemporarySupply
from gridpay.data.temporary_store import money_of_account
from gridpay.domain.supply_policy import SupplyState
from gridpay.domain.temporary_supply import (
    TemporaryFigures,
    TemporaryPurpose,
    TemporaryStage,
    shortfall_fen,
    stage_label,
)
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class TemporaryView:
    account_no: str
    customer_name: str
    address: str
    purpose: str  # TemporaryPurpose value
    purpose_label: str
    description: str
    tariff_code: str
    planned_start: date
    planned_end: date
    estimate_kwh: str
    estimate_fen: int
    remote_control: bool
    stage: str  # TemporaryStage value
    stage_label: str
    supply_state: str  # connected | disconnected (the meter's word once it answered)
    registered_at: datetime
    registered_by: str
    connected_at: datetime | None
    connected_by: str
    connect_command_id: int | None
    connect_work_order_id: int | None
    expired_at: datetime | None  # disconnected when its term ran out, not yet ended
    ended_on: date | None
    ended_by: str
    final_total_kwh: str | None
    disconnect_command_id: int | None
    disconnect_work_order_id: int | None
    balance_fen: int  # the account's credit now (0 once ended and refunded; negative: owed)
    paid_fen: int
    used_fen: int
    used_kwh: str
    refunded_fen: int
    owed_fen: int
    shortfall_fen: int  # still to prepay before connection (0 once covered, or connected)
    overdue: bool  # the planned end has passed and it is not ended: to be ended (final reading, refund)

    @property
    def figures(self) -> TemporaryFigures:
        return TemporaryFigures(estimate_fen=self.estimate_fen, paid_fen=self.paid_fen, used_fen=self.used_fen,
                                refunded_fen=self.refunded_fen)


def show_temporary_supply(*, account_no: str, today: date) -> TemporaryView:
    row = _rows().filter(account__account_no=account_no.strip()).first()
    if row is None:
        raise NotFound(gettext_noop("户号 {account_no} 不是临时用电户"), field="account_no",
                       params={"account_no": account_no})
    return view_of(row, today=today)


def list_temporary_supplies(*, today: date, ended_too: bool = False) -> list[TemporaryView]:
    """The temporary supplies not ended (all with ``ended_too``), those whose planned end is nearest first."""
    rows = _rows() if ended_too else _rows().exclude(stage=TemporaryStage.ENDED.value)
    return [view_of(row, today=today) for row in rows.order_by("planned_end", "account__account_no")]


def _rows() -> QuerySet[TemporarySupply]:
    return TemporarySupply.objects.select_related("account__customer", "account__ledger_account", "account__tariff")


def view_of(row: TemporarySupply, *, today: date) -> TemporaryView:
    account = row.account
    money = money_of_account(account_id=account.id, ledger_account_id=account.ledger_account_id)
    balance = account.ledger_account.balance_fen
    stage = TemporaryStage(row.stage)
    return TemporaryView(
        account_no=account.account_no, customer_name=account.customer.name, address=account.address,
        purpose=row.purpose, purpose_label=TemporaryPurpose(row.purpose).label, description=row.description,
        tariff_code=account.tariff.code, planned_start=row.planned_start, planned_end=row.planned_end,
        estimate_kwh=f"{row.estimate_kwh:.2f}", estimate_fen=row.estimate_fen, remote_control=row.remote_control,
        stage=stage.value, supply_state=account.supply_state,
        stage_label=stage_label(stage=stage, supply_connected=account.supply_state == SupplyState.CONNECTED.value),
        registered_at=row.registered_at, registered_by=row.registered_by, connected_at=row.connected_at,
        connected_by=row.connected_by, connect_command_id=row.connect_command_id,
        connect_work_order_id=row.connect_work_order_id, expired_at=row.expired_at, ended_on=row.ended_on,
        ended_by=row.ended_by,
        final_total_kwh=None if row.final_total_kwh is None else f"{row.final_total_kwh:.2f}",
        disconnect_command_id=row.disconnect_command_id, disconnect_work_order_id=row.disconnect_work_order_id,
        balance_fen=balance, paid_fen=money.paid_fen, used_fen=money.used_fen, used_kwh=f"{money.used_kwh:.2f}",
        refunded_fen=row.refunded_fen, owed_fen=max(0, -balance) if stage is TemporaryStage.ENDED else 0,
        shortfall_fen=shortfall_fen(estimate_fen=row.estimate_fen, credit_fen=balance)
        if stage is TemporaryStage.REGISTERED else 0,
        overdue=stage is not TemporaryStage.ENDED and row.planned_end < today,
    )
