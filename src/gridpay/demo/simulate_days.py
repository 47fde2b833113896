"""Simulates the demo town's days through the real use cases: payments, then readings, then settlement.

Each day the households pay what their balance that morning makes them pay (record_payment); the
day's frozen readings arrive at 01:30 the next morning (record_readings) and the day is settled at
02:00 (settle_day). Postpaid households (postpaid_round) are billed on their reading day by the
03:00 morning job, which also charges late fees and opens arrears cases; they pay their bills by
their payer type, and the staff take the arrears procedure's steps during the day.

Running it again changes nothing that was done. A day every prepaid account has a settlement for
(and, when the town has postpaid accounts, every account a reading for: postpaid accounts have no
settlements) is skipped. A day an earlier run left half-done is done again, and every step of it is
idempotent: the readings are the same, settlement skips what is settled, a payment is decided from
the balance (or what was owed) as it stood that morning and carries that day's transaction id, so a
repeat credits nothing; bills, late fees and cases are idempotent by their keys, and the staff take
a case's next step only when the case does not record it yet.
"""

import heapq
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.readings.record_readings import NumberedReading, record_readings
from gridpay.application.settlement.issue_monthly_bill import issue_monthly_bills
from gridpay.application.settlement.settle_day import settle_day
from gridpay.data.held_reads import reads_held
from gridpay.data.models import Account, Payment, Reading, Settlement, Transfer
from gridpay.data.settings import gridpay_settings
from gridpay.demo.build_demo_town import DemoTown, local_instant
from gridpay.demo.households import DayReading, Household, payment_on, reading_on
from gridpay.demo.postpaid_round import ArrearsRound, morning_job, postpaid_payments
from gridpay.demo.profile import load_profile
from gridpay.demo.town_loop import ENFORCE_MINUTE, TownLoop
from gridpay.demo.villages import TOWN
from gridpay.domain.energy import TouPeriod, from_ckwh
from gridpay.domain.readings import MeterReading, Registers

Progress = Callable[[int, int], None]

READINGS_MINUTE = 90  # the head-end delivers the day's frozen readings at 01:30 the next morning
SETTLEMENT_MINUTE = 120  # and daily settlement runs at 02:00
BILL_MINUTE = 150  # the month's official bills are issued at 02:30 on the 1st, its last day settled
INSTALL_DAY_PART = 0.6  # of a day's use that falls after the meter is installed at 09:00


@dataclass(frozen=True)
class SimulatedDay:
    day: date
    already_simulated: bool  # by an earlier run: nothing was done again
    readings_stored: int
    readings_rejected: int
    settled: int
    settlement_failed: int
    energy_kwh: Decimal
    charged_fen: int
    payments: int  # of the day, whether recorded by this run or before
    paid_fen: int
    bills: int = 0  # postpaid bills issued by this run's morning job (yesterday's reading day)
    procedure_steps: int = 0  # arrears procedure steps the staff took
    # Steps the procedure refused (account number, refusal code): the timetable should never ask for one.
    procedure_refused: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SimulationReport:
    days: list[SimulatedDay]

    @property
    def readings_rejected(self) -> int:
        return sum(d.readings_rejected for d in self.days)

    @property
    def settlement_failed(self) -> int:
        return sum(d.settlement_failed for d in self.days)

    @property
    def procedure_refused(self) -> list[tuple[str, str]]:
        return [refused for d in self.days for refused in d.procedure_refused]


@dataclass(frozen=True)
class _Registers:
    total_ckwh: int
    peak_ckwh: int | None
    valley_ckwh: int | None


def simulate_days(*, town: DemoTown, now: datetime, on_progress: Progress | None = None) -> SimulationReport:
    """Every day of the plan from its first, in order; nothing is dated after ``now``."""
    plan = town.plan
    ledger_of = dict(Account.objects.filter(village__town=TOWN).values_list("account_no", "ledger_account_id"))
    registers = {
        h.account_no: _Registers(h.start_total_ckwh, h.start_peak_ckwh, h.start_valley_ckwh) for h in town.households
    }
    profile = load_profile()
    # The meters were installed the morning before the first day: their reading at the end of that
    # day is what the first day's energy is measured from. That day itself stays postpaid.
    installed_on = plan.first_day - timedelta(days=1)
    for household in town.households:
        used = reading_on(household=household, day=installed_on, seed=plan.seed, profile=profile, part=INSTALL_DAY_PART)
        registers[household.account_no] = _advance(registers[household.account_no], used=used)
    if not _complete(plan.first_day, town=town):
        record_readings(
            readings=_readings(town.households, registers=registers, day=installed_on),
            received_at=min(local_instant(plan.first_day, minute=READINGS_MINUTE), now),
            max_daily_kwh=_max_daily_kwh(),
        )
    loop = TownLoop.for_households(town.households)
    results = []
    # The registers are advanced, and each account's ledger balance at the start of the day is
    # worked out, only when a day is simulated: days an earlier run simulated leave them behind.
    balances: dict[int, int] | None = None
    unread: list[date] = []
    for offset in range(plan.days):
        day = plan.first_day + timedelta(days=offset)
        unread.append(day)
        if _complete(day, town=town):
            results.append(_already_simulated(day))
            balances = None
        else:
            for missed in unread:
                for household in town.households:
                    if not loop.supplied(household.account_no):
                        continue  # supply suspended: the registers stand still
                    used = reading_on(household=household, day=missed, seed=plan.seed, profile=profile)
                    registers[household.account_no] = _advance(registers[household.account_no], used=used)
            unread.clear()
            if balances is None:
                balances = _balances_before(day, ledger_ids=set(ledger_of.values()))
            # Nothing the day does changes the supply policy or the calendar: each is read once for the day.
            with reads_held():
                results.append(
                    _simulate_day(
                        day, town=town, balances=balances, ledger_of=ledger_of, registers=registers, now=now,
                        loop=loop,
                    )
                )
            _add_day(balances, day=day)
        if (day + timedelta(days=1)).day == 1:
            _issue_monthly_bills(last_day=day, now=now)
        if on_progress:
            on_progress(offset + 1, plan.days)
    return SimulationReport(days=results)


def _simulate_day(
    day: date,
    *,
    town: DemoTown,
    balances: dict[int, int],
    ledger_of: dict[str, int],
    registers: dict[str, _Registers],
    now: datetime,
    loop: TownLoop,
) -> SimulatedDay:
    """The postpaid morning job; the payments of the day and the arrears procedure's steps around the morning's SMS
    and disconnection run, in the order of their times; then the day's readings, then its settlement."""
    seed = town.plan.seed
    postpaid = any(h.postpaid for h in town.households)
    bills = morning_job(day=day, first_day=town.plan.first_day, now=now).bills if postpaid else 0
    planned_payments = [
        (household, planned)
        for household in town.households
        if not household.postpaid
        and (
            planned := payment_on(
                household=household, day=day, balance_fen=balances[ledger_of[household.account_no]], seed=seed
            )
        )
        is not None
    ]
    planned_payments += postpaid_payments(town.households, day=day, seed=seed, now=now) if postpaid else []
    planned_payments.sort(key=lambda pair: pair[1].minute_of_day)
    # (minute, order, sequence): the morning run before the payments of its minute, the staff after them.
    events: list[tuple[int, int, int, str]] = [
        (ENFORCE_MINUTE, 0, 0, ""),
        *((planned.minute_of_day, 1, i, "") for i, (_, planned) in enumerate(planned_payments)),
    ]
    arrears = ArrearsRound.of_day(day=day, seed=seed, now=now) if postpaid else None
    if arrears is not None:
        events += [(minute, 2, i, account_no) for i, (minute, account_no) in enumerate(arrears.first_steps())]
    heapq.heapify(events)
    while events:
        minute, order, i, account_no = heapq.heappop(events)
        if order == 0:
            loop.morning(day=day, now=now)
        elif order == 1:
            household, planned = planned_payments[i]
            paid_at = min(local_instant(day, minute=planned.minute_of_day), now)
            record_payment(
                account_no=household.account_no,
                amount_fen=planned.amount_fen,
                channel=planned.channel,
                channel_txn_id=planned.channel_txn_id,
                received_at=paid_at,
                business_day=day,
            )
            loop.carry(at=paid_at)  # a reconnect goes out the moment the payment is recorded
        else:
            assert arrears is not None
            taken, following = arrears.take(account_no, minute=minute)
            if taken is not None and taken.command_id is not None:
                loop.carry(at=arrears.at(minute))  # a remote disconnection goes out when it is executed
            if following is not None:
                heapq.heappush(events, (following, 2, i, account_no))
    next_morning = day + timedelta(days=1)
    imported = record_readings(
        readings=_readings(town.households, registers=registers, day=day),
        received_at=min(local_instant(next_morning, minute=READINGS_MINUTE), now),
        max_daily_kwh=_max_daily_kwh(),
    )
    settled_at = min(local_instant(next_morning, minute=SETTLEMENT_MINUTE), now)
    settled = settle_day(day=day, at=settled_at)
    loop.after_settlement(day=day, at=settled_at)
    payments, paid_fen = _payments_of(day)
    return SimulatedDay(
        day=day,
        already_simulated=False,
        readings_stored=imported.stored,
        readings_rejected=len(imported.rejected),
        settled=settled.settled,
        settlement_failed=settled.failed,
        energy_kwh=settled.energy_kwh,
        charged_fen=settled.charged_fen,
        payments=payments,
        paid_fen=paid_fen,
        bills=bills,
        procedure_steps=arrears.taken if arrears else 0,
        procedure_refused=arrears.refused if arrears else [],
    )


def _issue_monthly_bills(*, last_day: date, now: datetime) -> None:
    """The official bills (月度电费发行) of the month ``last_day`` ends, once that day is settled: each prepaid
    account's 账户余额 comes down to its 可用余额, which the daily charges lowered day by day. A month billed
    already (by an earlier run) issues nothing again."""
    first = last_day + timedelta(days=1)
    issue_monthly_bills(month=last_day.replace(day=1), today=first,
                        at=min(local_instant(first, minute=BILL_MINUTE), now))


def _already_simulated(day: date) -> SimulatedDay:
    payments, paid_fen = _payments_of(day)
    return SimulatedDay(
        day=day,
        already_simulated=True,
        readings_stored=0,
        readings_rejected=0,
        settled=0,
        settlement_failed=0,
        energy_kwh=Decimal("0.00"),
        charged_fen=0,
        payments=payments,
        paid_fen=paid_fen,
    )


def _complete(day: date, *, town: DemoTown) -> bool:
    """A day whose settlement covers every prepaid account is complete: its payments and readings came first. The
    readings come last for a postpaid account, which is not settled: with any, every account has its reading too."""
    prepaid = sum(1 for h in town.households if not h.postpaid)
    if Settlement.objects.filter(day=day, account__village__town=TOWN).count() != prepaid:
        return False
    return prepaid == len(town.households) or (
        Reading.objects.filter(reading_date=day, account__village__town=TOWN).count() == len(town.households)
    )


def _payments_of(day: date) -> tuple[int, int]:
    paid = Payment.objects.filter(business_day=day, account__village__town=TOWN).aggregate(
        count=Count("id"), total=Sum("amount_fen")
    )
    return paid["count"], paid["total"] or 0


def _max_daily_kwh() -> Decimal:
    return gridpay_settings().max_daily_kwh


def _advance(before: _Registers, *, used: DayReading) -> _Registers:
    return _Registers(
        total_ckwh=before.total_ckwh + used.total_ckwh,
        peak_ckwh=None if before.peak_ckwh is None or used.peak_ckwh is None else before.peak_ckwh + used.peak_ckwh,
        valley_ckwh=None
        if before.valley_ckwh is None or used.valley_ckwh is None
        else before.valley_ckwh + used.valley_ckwh,
    )


def _readings(households: list[Household], *, registers: dict[str, _Registers], day: date) -> list[NumberedReading]:
    """The day's frozen readings as the head-end delivers them: the registers each meter has."""
    readings = []
    for number, household in enumerate(households, start=1):
        r = registers[household.account_no]
        tou = {p: from_ckwh(ckwh) for p, ckwh in ((TouPeriod.PEAK, r.peak_ckwh), (TouPeriod.VALLEY, r.valley_ckwh))
               if ckwh is not None}
        registers_of_day = Registers(total_kwh=from_ckwh(r.total_ckwh), tou_kwh=tou)
        readings.append((number, MeterReading(meter_no=household.meter_no, day=day, registers=registers_of_day)))
    return readings


def _balances_before(day: date, *, ledger_ids: set[int]) -> dict[int, int]:
    """Each ledger account's balance at the start of ``day``: every transfer of an earlier business day."""
    balances = dict.fromkeys(ledger_ids, 0)
    earlier = Transfer.objects.filter(business_day__lt=day)
    for side, sign in (("credit_id", 1), ("debit_id", -1)):
        for ledger_id, amount in earlier.values_list(side).annotate(total=Sum("amount_fen")).order_by():
            if ledger_id in balances:
                balances[ledger_id] += sign * amount
    return balances


def _add_day(balances: dict[int, int], *, day: date) -> None:
    """Moves the balances from the start of ``day`` to the start of the next day."""
    _apply(balances, Transfer.objects.filter(business_day=day))


def _apply(balances: dict[int, int], transfers: QuerySet[Transfer]) -> None:
    change: dict[int, int] = defaultdict(int)
    for debit, credit, amount in transfers.values_list("debit_id", "credit_id", "amount_fen").iterator():
        change[credit] += amount
        change[debit] -= amount
    for ledger_id in balances:
        balances[ledger_id] += change.get(ledger_id, 0)
