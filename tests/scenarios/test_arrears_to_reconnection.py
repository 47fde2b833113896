"""A household through the whole smart-payment loop on a fake clock, its meter a simulated DL/T 645 meter:
consume → low-balance SMS → arrears SMS and call → next-day disconnection inside the window → payment →
reconnection confirmed, each step at the hour the rules allow. It starts on the pinned day, so CI walks it
through weekends, Spring Festival, National Day and a leap day with China's official calendar seeded."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest

from gridpay.application.calendar.seed_calendar import seed_calendar
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.settlement.catch_up_settlement import settle_through
from gridpay.application.supply.call_tasks import list_call_tasks
from gridpay.application.supply.enforce_supply import enforce_supply
from gridpay.application.supply.evaluate_alerts import evaluate_alerts
from gridpay.application.supply.head_end import HeadEnd
from gridpay.application.supply.send_notifications import send_notifications
from gridpay.data.models import (
    Account,
    CalendarDay,
    GridStaff,
    LedgerAccount,
    MeterCommand,
    Notification,
    ReconnectCase,
    Village,
)
from gridpay.integrations.headend.meter_simulator import SimulatedMeter
from gridpay.integrations.sms.local import FileSmsProvider
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI, FakeClock, local

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
DAILY_KWH = Decimal("20.00")  # about 10.76 yuan a day at the first tier


def disconnection_allowed(day: date) -> bool:
    """RULES §6, read off the seeded calendar: a working day, neither a public holiday nor the day before one."""
    kinds = dict(CalendarDay.objects.values_list("day", "kind"))

    def kind(d: date) -> str:
        return kinds.get(d, "rest" if d.weekday() >= 5 else "working")

    return kind(day) == "working" and kind(day + timedelta(days=1)) != "holiday"


def carry(head_end: HeadEnd, meter: SimulatedMeter, clock: FakeClock, *, poll: bool = False) -> None:
    """What the gateway does with one meter: send what is due (with ``poll``, the daily reads), hand back every
    answer, until quiet."""
    frames = head_end.outbound(at=clock.now()) + (head_end.poll(at=clock.now()) if poll else [])
    while frames:
        answers = [reply for _, frame in frames if (reply := meter.handle(frame, now_local=clock.now())) is not None]
        clock.advance(seconds=1)
        frames = head_end.inbound(frames=answers, at=clock.now()).to_send + head_end.outbound(at=clock.now())


def test_a_household_runs_out_is_warned_disconnected_next_day_and_reconnected_when_it_pays(
    zj_tariff: str, tmp_path: object, clock: FakeClock
) -> None:
    first = clock.today()
    seed_calendar(years=[first.year, first.year + 1], at=clock.now())
    staff = GridStaff.objects.create(name="李网格", phone="13800000001")
    Village.objects.create(name="码头村", town="测试镇", grid_staff=staff)
    account = enrol(7, prepaid_since=first, installed_on=first, opening_balance_fen=6_000,
                    phone="13900000007", village="码头村")
    address = account.meters.get().dlt645_address
    meter = SimulatedMeter(address=address, daily_kwh=DAILY_KWH)
    head_end = HeadEnd()
    sms = FileSmsProvider(tmp_path / "sms.jsonl")  # type: ignore[operator]
    clock.instant = local(first, 0, 5)

    def balance() -> int:
        return LedgerAccount.objects.get(id=account.ledger_account_id).balance_fen

    day = first
    disconnected_on: date | None = None
    while disconnected_on is None and day < first + timedelta(days=21):  # Spring Festival rests up to 9 days
        # 00:00 the meter freezes the day; 00:15 the head-end asks for it; 01:30 settlement and alerts; 08:00 SMS;
        # 09:30 the disconnection run; the gateway carries whatever is due.
        meter.freeze_day(at=local(day + timedelta(days=1), 0, 0).astimezone(SHANGHAI))
        clock.instant = local(day + timedelta(days=1), 0, 15)
        carry(head_end, meter, clock, poll=True)
        clock.instant = local(day + timedelta(days=1), 1, 30)
        settle_through(through=day, at=clock.now())
        evaluate_alerts(day=day, at=clock.now())
        clock.instant = local(day + timedelta(days=1), 8, 0)
        send_notifications(provider=sms, at=clock.now())
        clock.instant = local(day + timedelta(days=1), 9, 30)
        enforce_supply(at=clock.now())
        carry(head_end, meter, clock)
        if meter.relay_open:
            disconnected_on = day + timedelta(days=1)
        day += timedelta(days=1)

    kinds = list(Notification.objects.filter(account=account).order_by("id").values_list("kind", "status"))
    assert [k for k, _ in kinds] == ["low_balance_first", "days_left", "low_balance_second", "arrears", "disconnected"]
    assert all(status == "sent" for _, status in kinds[:-1])  # the last is queued after 08:00's send
    arrears = Notification.objects.get(account=account, kind="arrears")
    arrears_day = arrears.created_at.astimezone(SHANGHAI).date()
    # Seed 000: SMS the day the arrears arise, disconnection the next day, inside the window (the next day the
    # calendar allows it).
    assert disconnected_on == next(
        d for d in (arrears_day + timedelta(days=n) for n in count(1)) if disconnection_allowed(d)
    )
    disconnect = MeterCommand.objects.get(account=account, action="disconnect")
    assert disconnect.status == "confirmed" and disconnect.sent_at is not None
    assert local(disconnected_on, 9) <= disconnect.sent_at < local(disconnected_on, 16)
    assert Account.objects.get(id=account.id).supply_state == "disconnected"
    calls = [(c.reason, c.due_on, c.urgent) for c in list_call_tasks(through=disconnected_on)]
    assert calls == [  # 三通电话: all three, each on its day, whom to ring first on top
        ("停电当日", disconnected_on, True),  # the same day it is executed (seed 000): that day's first call
        ("欠费停电短信当日", arrears_day, False),  # a day before: not made yet, next
        ("开通智能交费前", first, False),
    ]

    # No supply, no use: the next day's reading adds nothing and settles nothing.
    owed = balance()
    meter.freeze_day(at=local(disconnected_on + timedelta(days=1), 0, 0).astimezone(SHANGHAI))
    clock.instant = local(disconnected_on + timedelta(days=1), 0, 15)
    carry(head_end, meter, clock, poll=True)
    settle_through(through=disconnected_on, at=local(disconnected_on + timedelta(days=1), 1, 30))
    assert balance() == owed < 0

    # 11:00 the customer pays at the counter: reconnect at once, confirmed by read-back.
    clock.instant = local(disconnected_on + timedelta(days=1), 11, 0)
    record_payment(account_no=account.account_no, amount_fen=10_000, channel="counter", channel_txn_id="c-1",
                   received_at=clock.now(), business_day=clock.today())
    carry(head_end, meter, clock)
    assert not meter.relay_open
    assert Account.objects.get(id=account.id).supply_state == "connected"
    case = ReconnectCase.objects.get(account=account)
    assert case.confirmed_at is not None and case.confirmed_at - case.opened_at < timedelta(minutes=1)
    assert Account.objects.get(id=account.id).alerts_fired == ""  # re-armed by the top-up
    assert Notification.objects.filter(account=account, kind="reconnected").exists()
    assert not Notification.objects.filter(phone=staff.phone).exists()  # nothing went wrong for staff
