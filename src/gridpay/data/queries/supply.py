"""Read queries of the control loop: what alerts and disconnection need to know of prepaid accounts."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.db import connection

from gridpay.data.bulk import array_literal, on_postgresql, sql_date
from gridpay.data.models import Account, Contact, Meter, MeterCommand, Settlement
from gridpay.data.models.accounts import AccountMode, AccountStatus
from gridpay.data.models.meter_commands import UNDER_WAY
from gridpay.domain.energy import from_ckwh
from gridpay.domain.meter_commands import CommandAction
from gridpay.domain.phone_numbers import receives_sms
from gridpay.domain.supply_policy import SupplyStanding, SupplyState


@dataclass
class AlertInputs:
    account_id: int
    account_no: str
    customer_name: str
    address: str
    balance_fen: int
    alerts_fired: str
    arrears_since: datetime | None
    grid_staff_id: int | None
    grid_staff_phone: str
    alert_first_fen: int | None = None  # the customer's own first low-balance level, if they chose one
    phones: list[str] = field(default_factory=list)
    charges_fen: list[int] = field(default_factory=list)  # settled days, oldest first
    energy_ckwh: list[int] = field(default_factory=list)  # their energy in hundredths of a kWh (domain.energy)
    settled_on_day: bool = False  # whether the last of them is the day asked for

    @property
    def energy_kwh(self) -> list[Decimal]:
        return [from_ckwh(ckwh) for ckwh in self.energy_ckwh]


def alert_inputs(*, day: date, history_days: int) -> list[AlertInputs]:
    """Every active prepaid account with its balance, alert state, SMS phones and the days settled
    in ``(day - history_days, day]``."""
    rows = Account.objects.filter(mode=AccountMode.PREPAID, status=AccountStatus.ACTIVE).values_list(
        "id", "account_no", "customer__name", "address", "ledger_account__balance_fen", "alerts_fired",
        "arrears_since", "village__grid_staff_id", "village__grid_staff__phone", "customer__phone", "alert_first_fen",
    )
    contacts: dict[int, list[str]] = defaultdict(list)
    for account_id, phone in Contact.objects.filter(receives_sms=True).values_list("account_id", "phone"):
        contacts[account_id].append(phone)
    inputs: dict[int, AlertInputs] = {}
    for account_id, no, name, address, balance, fired, since, staff_id, staff_phone, customer_phone, own in rows:
        inputs[account_id] = AlertInputs(
            account_id, no, name, address, balance, fired, since, staff_id, _sms_phone(staff_phone),
            alert_first_fen=own, phones=_sms_phones(contacts.get(account_id, []), customer_phone),
        )
    # Tens of thousands of settled days, every day: read straight from the cursor as integers only (a date or a
    # decimal is an object made per row, by the driver or the ORM), the day reduced to whether it is ``day``. The
    # accounts are named by a subquery, so that SQLite seeks each account's days in the (account, day) index rather
    # than scanning the whole history for the window.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT account_id, CASE WHEN day = %s THEN 1 ELSE 0 END, charge_fen, "
            f"CAST(ROUND(energy_kwh * 100) AS INTEGER) FROM {Settlement._meta.db_table} "
            f"WHERE day > %s AND day <= %s AND account_id IN "
            f"(SELECT id FROM {Account._meta.db_table} WHERE mode = %s AND status = %s) ORDER BY account_id, day",
            [sql_date(day), sql_date(day - timedelta(days=history_days)), sql_date(day),
             AccountMode.PREPAID.value, AccountStatus.ACTIVE.value],
        )
        for account_id, settled in groupby(cursor.fetchall(), key=itemgetter(0)):
            entry = inputs.get(account_id)
            if entry is not None:
                _, on_day, charges, energies = zip(*settled, strict=True)
                entry.charges_fen = list(charges)
                entry.energy_ckwh = list(energies)
                entry.settled_on_day = on_day[-1] == 1
    return list(inputs.values())


def relay_may_be_open(account_id: int) -> bool:
    """Whether the account's relay is or may be open though its supply state says connected: a disconnect of it is
    under way (held, queued, sent or waiting for its answer), or its meter in place last reported the relay open, or a
    relay command's outcome left it unknown (issue 20). Written out, one statement: every payment to a connected
    account asks, and the ORM building the statement cost more than the database answering it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {MeterCommand._meta.db_table} WHERE account_id = %s AND action = %s "
            f"AND status IN ({', '.join(['%s'] * len(UNDER_WAY))}) "
            f"UNION ALL SELECT 1 FROM {Meter._meta.db_table} WHERE account_id = %s AND removed_on IS NULL "
            "AND (relay_open_reported = %s OR relay_unknown_since IS NOT NULL) LIMIT 1",
            [account_id, CommandAction.DISCONNECT.value, *UNDER_WAY, account_id, True],
        )
        return cursor.fetchone() is not None


@dataclass(frozen=True)
class DisconnectionCandidate:
    account_id: int
    meter_id: int


def disconnection_candidates(*, arrears_before: datetime) -> list[DisconnectionCandidate]:
    """Connected prepaid accounts in arrears since before ``arrears_before``, with their meter in place
    and nothing live on it; each is decided again, on its own, before a command is queued."""
    busy = MeterCommand.objects.filter(status__in=UNDER_WAY).values("meter_id")
    meters = (
        Meter.objects.filter(
            removed_on__isnull=True,
            account__mode=AccountMode.PREPAID,
            account__status=AccountStatus.ACTIVE,
            account__supply_state="connected",
            account__arrears_since__lt=arrears_before,
            account__ledger_account__balance_fen__lt=0,
        )
        .exclude(id__in=busy)
        .values_list("account_id", "id")
        .order_by("account_id")
    )
    return [DisconnectionCandidate(account_id=a, meter_id=m) for a, m in meters]


# Written out: the run reads a hundred thousand of these, and Django's building of each row cost as much as the read.
# The accounts alone are locked (OF a), not their balances: see enforce_supply.
# The commands under way are found by one read of the batch's accounts, not a lookup per account, and by = ANY, not a
# join (bulk.among): the run itself adds thousands of commands a batch, and a plan made on the statistics of a nearly
# empty table scans it again for each account.
_STANDINGS = """
    SELECT a.id, l.balance_fen, a.supply_state, a.protected, a.protected_reason, a.arrears_since,
           busy.account_id IS NOT NULL
    FROM gridpay_account a JOIN gridpay_ledgeraccount l ON l.id = a.ledger_account_id
    LEFT JOIN (
        SELECT DISTINCT account_id FROM gridpay_metercommand WHERE account_id {ids} AND status IN ({under_way})
    ) busy ON busy.account_id = a.id
    WHERE a.id {ids}
    ORDER BY a.id{lock}
"""


def lock_disconnection_standings(account_ids: Sequence[int]) -> dict[int, tuple[SupplyStanding, str]]:
    """Each account's standing, as the disconnection run decides it, and its reason for protection (保电); each
    account locked (FOR UPDATE on PostgreSQL; SQLite's transaction holds its write lock), in id order; inside the
    caller's transaction."""
    under_way = ", ".join(["%s"] * len(UNDER_WAY))
    if on_postgresql():
        statement = _STANDINGS.format(under_way=under_way, ids="= ANY(%s::bigint[])", lock=" FOR UPDATE OF a")
        ids = array_literal(account_ids)
        params: list[Any] = [ids, *UNDER_WAY, ids]
    else:
        statement = _STANDINGS.format(under_way=under_way, ids=f"IN ({', '.join(['%s'] * len(account_ids))})", lock="")
        params = [*account_ids, *UNDER_WAY, *account_ids]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    return {
        account_id: (
            SupplyStanding(available_balance_fen=balance, supply_state=_STATES[state], protected=bool(protected),
                           arrears_since=_aware(since), live_command=bool(live)),
            reason,
        )
        for account_id, balance, state, protected, reason, since, live in rows
    }


_STATES = {state.value: state for state in SupplyState}  # SupplyState(value) is slow enough to show in a run


def _aware(instant: datetime | str | None) -> datetime | None:
    """An instant as PostgreSQL hands it back; SQLite's (Django keeps them in UTC) is naive, or text."""
    if instant is None or (isinstance(instant, datetime) and instant.tzinfo is not None):
        return instant
    naive = instant if isinstance(instant, datetime) else datetime.fromisoformat(instant)
    return naive.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AccountContacts:
    account_no: str
    customer_name: str
    phones: list[str]  # who receives the account's SMS
    grid_staff_id: int | None
    grid_staff_phone: str
    balance_fen: int  # the account's available balance now, which a message to the customer may state


# The account joined to its SMS contacts (a row each, or one row of NULL when it has none), in the contacts' id order.
# Raw SQL: each SMS a command's outcome, a payment's reminder or a sign-in queues reads it, and building the ORM's
# query of four joins cost more CPU than running it.
_ACCOUNT_CONTACTS = """
    SELECT a.account_no, cu.name, cu.phone, v.grid_staff_id, gs.phone, la.balance_fen, c.phone
    FROM gridpay_account a
    JOIN gridpay_customer cu ON cu.id = a.customer_id
    JOIN gridpay_ledgeraccount la ON la.id = a.ledger_account_id
    LEFT JOIN gridpay_village v ON v.id = a.village_id
    LEFT JOIN gridpay_gridstaff gs ON gs.id = v.grid_staff_id
    LEFT JOIN gridpay_contact c ON c.account_id = a.id AND c.receives_sms
    WHERE a.id = %s
    ORDER BY c.id
"""


def account_contacts(*, account_id: int) -> AccountContacts:
    with connection.cursor() as cursor:
        cursor.execute(_ACCOUNT_CONTACTS, [account_id])
        rows = cursor.fetchall()
    if not rows:
        raise Account.DoesNotExist(f"no account {account_id}")
    no, name, customer_phone, staff_id, staff_phone, balance, _ = rows[0]
    contacts = [phone for *_, phone in rows if phone is not None]
    return AccountContacts(
        account_no=no, customer_name=name, phones=_sms_phones(contacts, customer_phone),
        grid_staff_id=staff_id, grid_staff_phone=_sms_phone(staff_phone), balance_fen=balance,
    )


def _sms_phones(contacts: list[str], customer_phone: str) -> list[str]:
    """The account's own SMS contacts; without any, the customer's phone; mobiles only (a landline is for calls)."""
    return [phone for phone in contacts or [customer_phone] if receives_sms(phone)]


def _sms_phone(phone: str | None) -> str:
    return phone if phone and receives_sms(phone) else ""
