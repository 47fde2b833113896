"""Readings collected like a real head-end: after 00:10 the meters are asked for their last freeze in waves, the
silent ones again with backoff, missed days backfilled from the freezes a meter keeps; every (meter, day) ends with
a reading or a listed gap. The meters are simulated (they only answer) and reached as the gateway reaches them."""

import json
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from gridpay.application.readings.claim_daily_reads import claim_daily_reads
from gridpay.application.readings.plan_daily_reads import plan_daily_reads
from gridpay.application.supply.head_end import HeadEnd
from gridpay.data.models import DailyRead, Meter, Reading
from gridpay.integrations.headend.meter_simulator import MeterBehaviour, SimulatedMeter, freeze_fleet
from tests.support import dlt645_peer as peer
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI, FakeClock

pytestmark = pytest.mark.django_db
FIRST = date(2025, 3, 3)
DAYS = 6
METERS = 100


@pytest.fixture(autouse=True)
def _tariff(zj_tariff: str) -> None:
    pass


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def carry(head_end: HeadEnd, meters: dict[str, SimulatedMeter], when: datetime) -> int:
    """A wave and what follows from its answers; returns the frames sent."""
    frames = head_end.poll(at=when, meters=40, per_area=1_000)
    sent = 0
    while frames:
        sent += len(frames)
        for _, frame in frames:
            assert peer.decode(frame).control in (0x11, 0x12), "the head-end only reads here"
        answers = [reply for address, frame in frames if (reply := meters[address].handle(frame, now_local=when))]
        frames = head_end.inbound(frames=answers, at=when).to_send
    return sent


def test_a_fleet_with_silent_meters_and_lost_freezes_ends_with_every_day_read_or_listed() -> None:
    rng = random.Random(7)
    accounts = [enrol(n, installed_on=FIRST, prepaid_since=FIRST, start_total_kwh=Decimal(100))
                for n in range(1, METERS + 1)]
    addresses = [a.meters.get().dlt645_address for a in accounts]
    meters = {address: SimulatedMeter(address=address, total_kwh=Decimal(100),
                                      rate_kwh=[Decimal(0), Decimal(0), Decimal(100), Decimal(0)],
                                      daily_kwh=Decimal(rng.randint(300, 1500)) / 100) for address in addresses}
    silent = set(addresses[:5])  # 5 %: never answer
    away = set(addresses[5:8])  # off the network for the first three days, then back
    for address in silent:
        meters[address].behaviour = MeterBehaviour.SILENT
    for address in away:
        meters[address].offline_until = at(FIRST + timedelta(days=4), 0).replace(tzinfo=None)
    lost: set[tuple[str, date]] = set()
    frozen: dict[tuple[str, date], Decimal] = {}
    head_end = HeadEnd()

    for offset in range(DAYS):
        day = FIRST + timedelta(days=offset)
        midnight = at(day + timedelta(days=1), 0)
        for address, meter in meters.items():
            missed = rng.random() < 0.02  # 2 %: no power at midnight
            freeze_fleet([meter], at=midnight.replace(tzinfo=None), lost_share=1.0 if missed else 0.0)
            if missed:
                lost.add((address, day))
            else:
                frozen[(address, day)] = meter.total_kwh
        assert carry(head_end, meters, at(day + timedelta(days=1), 0, 5)) == 0, "not before 00:10"
        for hour, minute in ((0, 15), (0, 26), (0, 57), (2, 58), (5, 0), (9, 0)):
            carry(head_end, meters, at(day + timedelta(days=1), hour, minute))

    assert lost, "the seed loses some freezes"
    readings = {(address, day): total for address, day, total in Reading.objects.values_list(
        "meter__dlt645_address", "reading_date", "total_kwh")}
    gaps = {(address, day): reason for address, day, reason in DailyRead.objects.filter(status="gap").values_list(
        "meter__dlt645_address", "reading_date", "gap_reason")}
    for address in addresses:
        for offset in range(DAYS):
            day = FIRST + timedelta(days=offset)
            key = (address, day)
            if address in silent:
                assert gaps.get(key) == "silent", key
            elif key in lost:
                assert gaps.get(key) == "not_frozen", key
                assert key not in readings
            else:
                assert readings.get(key) == frozen[key], key  # backfilled for the meters that were away
                assert key not in gaps
    assert not DailyRead.objects.filter(status="wanted").exists()
    assert Meter.objects.count() == METERS


def test_the_first_wave_is_after_ten_past_midnight_and_asks_for_the_last_freeze() -> None:
    account = enrol(1, installed_on=FIRST, prepaid_since=FIRST)
    address = account.meters.get().dlt645_address
    head_end = HeadEnd()
    assert head_end.poll(at=at(FIRST + timedelta(days=1), 0, 9)) == []
    frames = head_end.poll(at=at(FIRST + timedelta(days=1), 0, 10))
    assert [(a, peer.decode(f).data) for a, f in frames] == [(address, peer.identifier(0x05, 0x06, 0x00, 1))]
    assert head_end.poll(at=at(FIRST + timedelta(days=1), 0, 11)) == [], "asked: again only after the backoff"
    assert len(head_end.poll(at=at(FIRST + timedelta(days=1), 0, 21))) == 1


def test_no_wave_is_asked_while_a_waves_answers_wait_to_be_recorded() -> None:
    accounts = [enrol(n, installed_on=FIRST, prepaid_since=FIRST) for n in (1, 2, 3)]
    head_end = HeadEnd()
    when = at(FIRST + timedelta(days=1), 0, 10)

    assert head_end.poll(at=when, meters=2, unrecorded=4) == []
    assert not DailyRead.objects.filter(attempts__gt=0).exists(), "held back: nothing claimed"
    first = head_end.poll(at=when, meters=2, unrecorded=3)  # less than two answers a meter of the wave
    rest = head_end.poll(at=when, meters=2)

    asked = [address for address, _ in first + rest]
    assert len(first) == 2 and sorted(asked) == sorted(a.meters.get().dlt645_address for a in accounts)


def test_no_wave_is_asked_while_two_waves_of_meters_have_not_answered_for_a_minute() -> None:
    for n in range(1, 6):
        enrol(n, installed_on=FIRST, prepaid_since=FIRST)
    head_end = HeadEnd()
    when = at(FIRST + timedelta(days=1), 0, 10)

    asked = head_end.poll(at=when, meters=1) + head_end.poll(at=when + timedelta(seconds=30), meters=1)
    assert len(asked) == 2
    assert head_end.poll(at=when + timedelta(seconds=59), meters=1) == []  # two meters asked, neither answered
    assert DailyRead.objects.filter(attempts__gt=0).count() == 2, "held back: nothing claimed"
    assert len(head_end.poll(at=when + timedelta(seconds=60), meters=1)) == 1  # the first wave's minute is over


def test_a_wave_of_meters_with_a_weeks_days_due_takes_each_meter_with_all_its_days() -> None:
    """A claim reads first two rows a meter of the wave; with five days due a meter those hold one meter, and it reads
    further until the wave has its meters."""
    for n in (1, 2, 3, 4):
        enrol(n, installed_on=FIRST, prepaid_since=FIRST)
    today = FIRST + timedelta(days=6)
    when = at(today, 0, 10)
    plan_daily_reads(today=today, at=when)

    wave = claim_daily_reads(today=today, at=when, meters=3)

    asked = DailyRead.objects.filter(attempts=1).values_list("meter__dlt645_address", "reading_date")
    assert wave.meters == 3
    assert sorted(asked) == [(f"{n:012d}", FIRST + timedelta(days=d)) for n in (1, 2, 3) for d in range(6)]


def test_the_gaps_are_listed_for_the_station(clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """`gridpay readings gaps`: what was read, what is still wanted, and each gap with its meter and reason."""
    today = clock.today()
    accounts = [enrol(n, installed_on=today - timedelta(days=3), prepaid_since=today) for n in (1, 2)]
    meters = {a.meters.get().dlt645_address: SimulatedMeter(address=a.meters.get().dlt645_address)
              for a in accounts}
    quiet = accounts[1].meters.get().dlt645_address
    meters[quiet].behaviour = MeterBehaviour.SILENT
    for back in (3, 2, 1):
        for meter in meters.values():
            meter.freeze_day(at=at(today - timedelta(days=back - 1), 0).replace(tzinfo=None))
    head_end = HeadEnd()
    for hour, minute in ((0, 15), (0, 26), (0, 57), (2, 58), (5, 0)):
        carry(head_end, meters, at(today, hour, minute))
    call_command("readings", "gaps", "--json")
    report = json.loads(capsys.readouterr().out)
    assert (report["read"], report["wanted"]) == (3, 0)
    assert report["gaps_by_reason"] == {"表计无应答": 3}
    assert {(g["meter_no"], g["reason"]) for g in report["gaps"]} == {(accounts[1].meters.get().meter_no, "表计无应答")}
    call_command("readings", "gaps")
    assert "缺数 3（表计无应答 3）" in capsys.readouterr().out
