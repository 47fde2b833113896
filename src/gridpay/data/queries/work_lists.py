"""Work lists of the station: accounts in arrears, by village and grid staff."""

from dataclasses import dataclass
from datetime import datetime

from gridpay.data.models import Account, GridStaff, MeterCommand, Village, WorkOrder
from gridpay.data.models.accounts import AccountStatus


@dataclass(frozen=True)
class ArrearsLine:
    village: str
    grid_staff: str
    account_no: str
    customer_name: str
    phone: str
    address: str
    balance_fen: int
    arrears_since: datetime | None
    supply_state: str
    protected: bool


def arrears(*, village: str = "", grid_staff: str = "") -> list[ArrearsLine]:
    rows = Account.objects.filter(status=AccountStatus.ACTIVE, ledger_account__balance_fen__lt=0)
    if village:
        rows = rows.filter(village__name=village)
    if grid_staff:
        rows = rows.filter(village__grid_staff__name=grid_staff)
    return [
        ArrearsLine(v or "", s or "", no, name, phone, address, balance, since, state, protected)
        for v, s, no, name, phone, address, balance, since, state, protected in rows.order_by(
            "village__name", "ledger_account__balance_fen"
        ).values_list(
            "village__name", "village__grid_staff__name", "account_no", "customer__name", "customer__phone",
            "address", "ledger_account__balance_fen", "arrears_since", "supply_state", "protected",
        )
    ]


def villages_and_staff() -> tuple[list[str], list[str]]:
    return (
        list(Village.objects.order_by("name").values_list("name", flat=True)),
        list(GridStaff.objects.order_by("name").values_list("name", flat=True).distinct()),
    )


@dataclass(frozen=True)
class CommandRow:
    command_id: int
    created_at: datetime
    account_no: str
    customer_name: str
    village: str
    action: str
    status: str
    attempts: int
    last_error: str


def meter_commands(*, statuses: list[str], limit: int) -> list[CommandRow]:
    rows = (
        MeterCommand.objects.filter(status__in=statuses)
        .order_by("created_at", "id")
        .values_list("id", "created_at", "account__account_no", "account__customer__name", "account__village__name",
                     "action", "status", "attempts", "last_error")[:limit]
    )
    return [CommandRow(i, at, no, name, village or "", action, status, attempts, error)
            for i, at, no, name, village, action, status, attempts, error in rows]


@dataclass(frozen=True)
class WorkOrderRow:
    opened_at: datetime
    kind: str
    account_no: str
    customer_name: str
    village: str
    detail: str


def open_work_orders(*, kinds: list[str]) -> list[WorkOrderRow]:
    rows = (
        WorkOrder.objects.filter(closed_at__isnull=True, kind__in=kinds)
        .order_by("opened_at", "id")
        .values_list("opened_at", "kind", "account__account_no", "account__customer__name", "account__village__name",
                     "detail")
    )
    return [WorkOrderRow(at, kind, no, name, village or "", detail) for at, kind, no, name, village, detail in rows]
