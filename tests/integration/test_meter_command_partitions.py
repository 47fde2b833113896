"""Meter commands and their events by month on PostgreSQL (ADR 0042): migration 0047 forward, back and forward with
commands in the table, and "one live, one held command per meter" held in every month, by the slot table's key on
PostgreSQL and by the partial unique indexes on SQLite."""

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Value, When
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridpay.data.history_partitions import ensure_partitions
from gridpay.data.models import Account, MeterCommand
from gridpay.domain.history_months import Month
from gridpay.domain.meter_commands import CommandStatus
from tests.support.accounts import enrol
from tests.support.clock import local
from tests.support.migration_runs import run_on_a_database_of_its_own

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zj_tariff")]

# Written from the model's constraints, not from the migration: the statuses each of a meter's two places holds.
LIVE = {"queued", "sending", "sent", "acknowledged"}
HELD = {"held"}


def a_command(account: Account, status: str, at: datetime) -> MeterCommand:
    return MeterCommand.objects.create(meter=account.meters.get(), account=account, action="disconnect", status=status,
                                       reason="欠费", created_at=at, next_attempt_at=at)


def refused(make: Callable[[], object]) -> bool:
    """Whether the database refuses what ``make`` writes (nothing of it kept either way)."""

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            make()
            raise Undo
    except Undo:
        return False
    except IntegrityError:
        return True


def test_a_meter_has_one_live_and_one_held_command_whichever_months_they_were_made_in() -> None:
    first, second = enrol(1), enrol(2)
    a_command(first, "queued", local(date(2026, 11, 30), 23, 30))

    assert refused(lambda: a_command(first, "sent", local(date(2026, 12, 1), 0, 30)))  # the month after
    assert refused(lambda: a_command(first, "acknowledged", local(date(2027, 3, 1), 9)))
    assert not refused(lambda: a_command(second, "queued", local(date(2026, 12, 1), 0, 30)))  # another meter
    a_command(first, "held", local(date(2026, 12, 2), 8))
    assert refused(lambda: a_command(first, "held", local(date(2027, 1, 2), 8)))
    assert not refused(lambda: a_command(first, "confirmed", local(date(2027, 1, 2), 8)))  # ended: no place


def test_a_command_leaves_its_place_when_it_ends_and_the_held_one_takes_it() -> None:
    account = enrol(1)
    live = a_command(account, "sent", local(date(2026, 11, 30), 23, 30))
    held = a_command(account, "held", local(date(2026, 12, 3), 8))

    # In one statement, as a payment's reconnection may end the disconnect and send the reconnect.
    MeterCommand.objects.filter(id__in=[live.id, held.id]).update(
        status=_when(live.id, CommandStatus.CONFIRMED.value, CommandStatus.QUEUED.value))

    assert refused(lambda: a_command(account, "queued", local(date(2026, 12, 4), 8)))  # the held one is live now
    assert not refused(lambda: a_command(account, "held", local(date(2026, 12, 4), 8)))  # its place is free
    MeterCommand.objects.filter(id=held.id).update(status="expired")
    assert not refused(lambda: a_command(account, "queued", local(date(2026, 12, 5), 8)))


def _when(command_id: int, then: str, otherwise: str) -> Case:
    return Case(When(id=command_id, then=Value(then)), default=Value(otherwise))


def places() -> list[tuple[int, str, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT meter_id, slot, command_id FROM gridpay_metercommand_slot ORDER BY 1, 2")
        return [tuple(row) for row in cursor.fetchall()]


def expected_places() -> list[tuple[int, str, int]]:
    found = [(meter, "live" if status in LIVE else "held", id_) for id_, meter, status in
             MeterCommand.objects.filter(status__in=LIVE | HELD).values_list("id", "meter_id", "status")]
    return sorted(found)


STATUSES = sorted(s.value for s in CommandStatus)
STEP = st.tuples(st.sampled_from(["make", "change"]), st.integers(0, 2), st.sampled_from(STATUSES),
                 st.integers(0, 11))


@pytest.mark.postgres
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, max_size=12))
def test_the_places_are_the_commands_under_way_and_refuse_exactly_a_second_one(steps: list[tuple[str, int, str, int]]
                                                                               ) -> None:
    """Any sequence of commands made and statuses changed: the database refuses a step exactly when it would leave a
    meter two live or two held commands, and the slot table then holds the commands under way, no more."""
    accounts = list(Account.objects.order_by("id")[:3]) or [enrol(n) for n in (1, 2, 3)]
    with transaction.atomic():
        made: list[MeterCommand] = []
        for kind, which, status, month in steps:
            now = [(c.id, c.meter_id, c.status) for c in MeterCommand.objects.all()]
            if kind == "make":
                account, at = accounts[which], local(date(2026, 1 + month, 15), 12)
                after = [*now, (0, account.meters.get().id, status)]
                step: Callable[[], object] = partial(a_command, account, status, at)
            elif made:
                command = made[which % len(made)]
                after = [(id_, meter, status if id_ == command.id else was) for id_, meter, was in now]
                step = partial(MeterCommand.objects.filter(id=command.id).update, status=status)
            else:
                continue
            twice = any(sum(1 for _, m, s in after if m == meter and s in place) > 1
                        for _, meter, _ in after for place in (LIVE, HELD))
            if twice:
                assert refused(step)
            elif isinstance(done := step(), MeterCommand):
                made.append(done)
            assert places() == expected_places()
        transaction.set_rollback(True)


@pytest.mark.postgres
def test_a_command_is_stored_in_the_partition_of_its_month_in_the_business_time_zone() -> None:
    account = enrol(1)
    assert [name for name in ensure_partitions([Month(date(2032, 2, 1)), Month(date(2032, 3, 1))])
            if "metercommand" in name] == [
        "gridpay_metercommand_p2032_02", "gridpay_metercommandevent_p2032_02",
        "gridpay_metercommand_p2032_03", "gridpay_metercommandevent_p2032_03"]
    before = a_command(account, "confirmed", local(date(2032, 2, 29), 23, 30))
    after = a_command(account, "queued", local(date(2032, 3, 1), 0, 30))  # 16:30 on 29 February in UTC

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, tableoid::regclass::text FROM gridpay_metercommand ORDER BY id")
        assert cursor.fetchall() == [(before.id, "gridpay_metercommand_p2032_02"),
                                     (after.id, "gridpay_metercommand_p2032_03")]


@pytest.mark.postgres
def test_a_months_commands_made_before_its_partition_are_moved_into_it_keeping_their_places() -> None:
    account = enrol(1)
    live = a_command(account, "queued", local(date(2034, 5, 31), 23))
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM gridpay_metercommand WHERE id = %s", [live.id])
        assert cursor.fetchone()[0] == "gridpay_metercommand_default"

    assert "gridpay_metercommand_p2034_05" in ensure_partitions([Month(date(2034, 5, 1))])

    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM gridpay_metercommand WHERE id = %s", [live.id])
        assert cursor.fetchone()[0] == "gridpay_metercommand_p2034_05"
    assert places() == [(live.meter_id, "live", live.id)]
    assert refused(lambda: a_command(account, "sent", local(date(2034, 6, 1), 8)))


# Runs in a process of its own on a database of its own: 0046 with commands and events of three months in it.
MIGRATION = """
class Undo(Exception):
    pass

def refused(statement):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
            raise Undo
    except Undo:
        return False
    except Exception:
        return True

def command(meter, status, at):
    return ("INSERT INTO gridpay_metercommand (action, status, reason, created_at, next_attempt_at, attempts,"
            f" last_error, account_id, meter_id, may_have_reached_meter) VALUES ('disconnect', '{status}', '',"
            f" '{at}', '{at}', 0, '', {meter}, {meter}, false)")

def state():
    tables = ("gridpay_metercommand", "gridpay_metercommandevent")
    places = (query("SELECT meter_id, slot, command_id FROM gridpay_metercommand_slot ORDER BY 1, 2")
              if query("SELECT to_regclass('gridpay_metercommand_slot')") != [["None"]] else None)
    return {
        "rows": {table: query(f"SELECT md5(string_agg(t::text, '|' ORDER BY id)), count(*) FROM {table} t")
                 for table in tables},
        "kinds": query("SELECT relname, relkind FROM pg_class WHERE relname IN "
                       "('gridpay_metercommand', 'gridpay_metercommandevent') ORDER BY 1"),
        "where": query("SELECT id, tableoid::regclass::text FROM gridpay_metercommand ORDER BY id"),
        "keys": query("SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
                      " WHERE contype = 'p' AND conrelid IN ('gridpay_metercommand'::regclass,"
                      " 'gridpay_metercommandevent'::regclass) ORDER BY 1"),
        "to_commands": query("SELECT count(*) FROM pg_constraint WHERE confrelid = 'gridpay_metercommand'::regclass"),
        "places": places,
        "second_live_refused": refused(command(1, "sent", "2025-04-02 00:00:00+00")),
        "second_held_refused": refused(command(1, "held", "2025-04-02 00:00:00+00")),
        "other_meter_refused": refused(command(3, "queued", "2025-04-02 00:00:00+00")),
    }

migrate("0046_daily_reads_carry_their_share_key")
from datetime import date
from gridpay.data.history_partitions import ensure_partitions
from gridpay.domain.history_months import Month
ahead = ensure_partitions([Month(date(2031, 5, 1))])  # the code ahead of its migration: the commands not yet
with connection.cursor() as cursor:
    for id_, meter, status, at in ((10, 1, "queued", "2025-01-31 15:30:00+00"),   # 23:30 on 31 January in Beijing
                                   (11, 1, "held", "2025-01-31 16:30:00+00"),     # 00:30 on 1 February in Beijing
                                   (12, 2, "confirmed", "2025-03-15 02:00:00+00")):
        cursor.execute(command(meter, status, at).replace("(action", "(id, action").replace("VALUES (",
                                                                                            f"VALUES ({id_}, "))
        cursor.execute("INSERT INTO gridpay_metercommandevent (id, command_id, at, event, detail) VALUES"
                       " (%s, %s, %s, %s, '')", [id_ + 10, id_, at, status])
before = state()
migrate(None)
forward = state()
with connection.cursor() as cursor:  # the live command ends and the held one takes its place, in one statement
    cursor.execute("UPDATE gridpay_metercommand SET status = CASE id WHEN 10 THEN 'confirmed' ELSE 'queued' END"
                   " WHERE id IN (10, 11)")
turned = state()
migrate("0046_daily_reads_carry_their_share_key")
back = state()
migrate(None)
json.dump({"before": before, "forward": forward, "turned": turned, "back": back, "again": state(), "ahead": ahead},
          sys.stdout)
"""


@pytest.mark.postgres
def test_the_migration_partitions_the_commands_by_month_and_back_keeping_one_live_and_one_held(tmp_path: Path
                                                                                               ) -> None:
    found = run_on_a_database_of_its_own(MIGRATION, name="command_partitions", cwd=tmp_path)
    before, forward, turned, back, again = (found[k] for k in ("before", "forward", "turned", "back", "again"))
    assert found["ahead"] == ["gridpay_reading_p2031_05", "gridpay_settlement_p2031_05", "gridpay_transfer_p2031_05"]
    assert before["rows"] == forward["rows"] and turned["rows"] == back["rows"] == again["rows"]
    assert before["rows"]["gridpay_metercommandevent"][0][1] == "3"
    assert [kind for _, kind in before["kinds"]] == ["r", "r"] == [kind for _, kind in back["kinds"]]
    assert [kind for _, kind in forward["kinds"]] == ["p", "p"] == [kind for _, kind in again["kinds"]]
    assert forward["where"] == [["10", "gridpay_metercommand_p2025_01"], ["11", "gridpay_metercommand_p2025_02"],
                                ["12", "gridpay_metercommand_p2025_03"]]
    assert forward["keys"] == [["gridpay_metercommand", "PRIMARY KEY (id, created_at)"],
                               ["gridpay_metercommandevent", "PRIMARY KEY (id, at)"]]
    assert back["keys"] == before["keys"] == [["gridpay_metercommand", "PRIMARY KEY (id)"],
                                              ["gridpay_metercommandevent", "PRIMARY KEY (id)"]]
    assert (before["to_commands"], forward["to_commands"], back["to_commands"]) == ([["6"]], [["0"]], [["6"]])
    assert before["places"] is None is back["places"]
    assert forward["places"] == [["1", "held", "11"], ["1", "live", "10"]]
    assert turned["places"] == again["places"] == [["1", "live", "11"]]
    for each in (before, forward, back, again):
        assert each["second_live_refused"] and not each["other_meter_refused"]
    for each in (before, forward):
        assert each["second_held_refused"]
    for each in (turned, back, again):  # the held command took the live place: a new one may wait behind it
        assert not each["second_held_refused"]
