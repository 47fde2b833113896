"""The history tables by month on PostgreSQL (ADR 0033): migration 0040 forward, back and forward with rows in the
tables, partitions created ahead by the schedule, and `gridpay archive`: its refusals, a crash between the file and
the drop, the account file and the reports the same before and after the archive, and the meter commands archived up
to the first month with one still in use (ADR 0044)."""

import threading
import time
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import F

from gridpay.application.collection.arrears_by_area import arrears_by_area
from gridpay.application.collection.recovery_by_place import recovery_by_place
from gridpay.application.customers.customer_file import customer_file
from gridpay.application.customers.replace_meter import MeterSwap, replace_meter
from gridpay.application.errors import InvalidInput
from gridpay.application.history.archive_months import ArchiveNeedsPostgreSQL, archive_months
from gridpay.application.portal.move_out_statement import move_out_statement
from gridpay.application.postpaid.issue_bills import issue_bills
from gridpay.application.readings.record_readings import record_readings
from gridpay.application.reports.monthly_report import monthly_report
from gridpay.application.risk.score_accounts import score_accounts
from gridpay.application.settlement.settle_account import settle_account_through
from gridpay.application.supply.loop_summary import loop_summary
from gridpay.application.supply.supply_progress import supply_progress
from gridpay.data import history_partitions, meter_command_store
from gridpay.data.history_archive import TRANSFERS, archived_months
from gridpay.data.history_partitions import (
    BY_NAME,
    TableBusy,
    ensure_partition,
    ensure_partitions,
    month_partitions,
)
from gridpay.data.models import (
    Account,
    LedgerAccount,
    Meter,
    MeterCommand,
    MeterCommandEvent,
    PostpaidBill,
    Reading,
    ReconnectCase,
    RiskScore,
    Settlement,
    TariffVersion,
    Transfer,
    WorkOrder,
)
from gridpay.data.postpaid_store import period_energies
from gridpay.data.queries.late_payers import payment_histories
from gridpay.data.queries.risk import active_account_ids, daily_series
from gridpay.data.temporary_store import money_of_account
from gridpay.domain.command_queue import End, Finish
from gridpay.domain.energy import TouPeriod
from gridpay.domain.history_months import Month, MonthNotClosed, months_ahead
from gridpay.domain.meter_commands import CommandAction
from gridpay.domain.readings import MeterReading, Registers
from gridpay.interfaces.jobs import tasks
from tests.conftest import ON_POSTGRES
from tests.integration.test_recovery_reports import LAST, a_quarter
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, local
from tests.support.migration_runs import run_on_a_database_of_its_own
from tests.support.readings import add_readings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zj_tariff")]
SETTLEMENTS, READINGS = BY_NAME["settlement"], BY_NAME["reading"]
QUARTER = date(2024, 12, 1)  # the openings' month of a_quarter


@pytest.fixture
def archive_dir(tmp_path: Path, settings: Any) -> Path:
    settings.GRIDPAY = replace(settings.GRIDPAY, archive_dir=str(tmp_path / "archive"))
    return tmp_path / "archive"


def partitions_of(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = to_regclass(%s) ORDER BY 1",
                       [table])
        return [name for (name,) in cursor.fetchall()]


# Runs in a process of its own on a database of its own: 0039 with settlements and transfers of three months in it.
MIGRATION = """
def refused(statement):
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    except Exception:
        return True
    return False

def state():
    return {
        "rows": {table: query(f"SELECT md5(string_agg(t::text, '|' ORDER BY id)), count(*) FROM {table} t")
                 for table in ("gridpay_settlement", "gridpay_transfer", "gridpay_reading")},
        "kinds": query("SELECT relname, relkind FROM pg_class WHERE relname IN "
                       "('gridpay_settlement', 'gridpay_transfer', 'gridpay_reading') ORDER BY 1"),
        "partitions": query("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = "
                            "'gridpay_transfer'::regclass ORDER BY 1"),
        "keys": query("SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
                      " WHERE contype = 'p' AND conrelid IN ('gridpay_settlement'::regclass,"
                      " 'gridpay_transfer'::regclass) ORDER BY 1"),
        "to_transfers": query("SELECT count(*) FROM pg_constraint WHERE confrelid = 'gridpay_transfer'::regclass"),
        "update_refused": refused("UPDATE gridpay_transfer SET amount_fen = 1 WHERE id = 10"),
        "delete_refused": refused("DELETE FROM gridpay_transfer WHERE id = 10"),
    }

migrate("0039_batch_rows_without_key_checks")
with connection.cursor() as cursor:
    cursor.execute("INSERT INTO gridpay_ledgeraccount (id, code, kind, balance_fen) VALUES "
                   "(1, 'opening:balances', 'opening', 0), (2, 'customer:A', 'customer', 0)")
    for id_, day in ((10, '2025-01-31'), (12, '2025-02-01'), (13, '2025-03-15'), (20, '2025-03-16')):
        cursor.execute("INSERT INTO gridpay_transfer (id, debit_id, credit_id, amount_fen, kind, business_day, "
                       "created_at, debit_balance_after_fen, credit_balance_after_fen) VALUES "
                       "(%s, 1, 2, 100, 'payment', %s, '2025-01-01 00:00:00+00:00', 0, 0)", [id_, day])
        cursor.execute("INSERT INTO gridpay_settlement (id, account_id, day, energy_kwh, charge_fen, tariff_version_id,"
                       " period_start, period_used_kwh, period_amount_micro_yuan, settled_at) VALUES "
                       "(%s, 7, %s, 1.5, 81, 3, '2025-01-01', 1.5, 807000, '2025-01-01 00:00:00+00:00')", [id_, day])
before = state()
migrate(None)
forward = state()
with connection.cursor() as cursor:  # a new row takes an id after the ones copied over
    cursor.execute("INSERT INTO gridpay_transfer (debit_id, credit_id, amount_fen, kind, business_day, created_at, "
                   "debit_balance_after_fen, credit_balance_after_fen) VALUES (1, 2, 5, 'payment', '2025-04-02', "
                   "'2025-04-02 00:00:00+00:00', 0, 0) RETURNING id")
    new_id = cursor.fetchone()[0]
    cursor.execute("SELECT tableoid::regclass::text FROM gridpay_transfer WHERE id = %s", [new_id])
    landed = cursor.fetchone()[0]
with_new = state()
migrate("0039_batch_rows_without_key_checks")
back = state()
migrate(None)
json.dump({"before": before, "forward": forward, "with_new": with_new, "back": back, "again": state(),
           "new_id": new_id, "landed": landed}, sys.stdout)
"""


@pytest.mark.postgres
def test_the_migration_partitions_the_rows_by_month_and_back_without_changing_one(tmp_path: Path) -> None:
    found = run_on_a_database_of_its_own(MIGRATION, name="partitioning", cwd=tmp_path)
    before, forward, back, again = found["before"], found["forward"], found["back"], found["again"]
    assert before["rows"] == forward["rows"]
    assert found["with_new"]["rows"] == back["rows"] == again["rows"]
    assert before["rows"]["gridpay_transfer"][0][1] == "4"
    assert [kind for _, kind in before["kinds"]] == ["r", "r", "r"] == [kind for _, kind in back["kinds"]]
    assert [kind for _, kind in forward["kinds"]] == ["p", "p", "p"] == [kind for _, kind in again["kinds"]]
    assert forward["partitions"] == [["gridpay_transfer_default"], ["gridpay_transfer_p2025_01"],
                                     ["gridpay_transfer_p2025_02"], ["gridpay_transfer_p2025_03"]]
    assert forward["keys"] == [["gridpay_settlement", "PRIMARY KEY (id, day)"],
                               ["gridpay_transfer", "PRIMARY KEY (id, business_day)"]]
    assert back["keys"] == before["keys"] == [["gridpay_settlement", "PRIMARY KEY (id)"],
                                              ["gridpay_transfer", "PRIMARY KEY (id)"]]
    assert (before["to_transfers"], forward["to_transfers"], back["to_transfers"]) == ([["9"]], [["0"]], [["9"]])
    for each in (before, forward, back, again):
        assert each["update_refused"] and each["delete_refused"]
    assert found["new_id"] == 21 and found["landed"] == "gridpay_transfer_default"


@pytest.mark.postgres
def test_the_schedule_creates_this_months_partitions_and_the_next_three(clock: FakeClock) -> None:
    clock.instant = local(date(2031, 5, 20), 0, 30)  # months no migration made
    assert "gridpay_settlement_p2031_05" not in partitions_of("gridpay_settlement")

    said = tasks.create_partitions()

    for table in ("gridpay_reading", "gridpay_settlement", "gridpay_transfer", "gridpay_metercommand",
                  "gridpay_metercommandevent"):
        names = partitions_of(table)
        assert [f"{table}_{m.suffix}" in names for m in months_ahead(today=date(2031, 5, 20))] == [True] * 4
        assert f"{table}_p2031_09" not in names
    assert "gridpay_transfer_p2031_08" in said
    assert tasks.create_partitions() == "partitions created: none"  # once


@pytest.mark.postgres
def test_rows_of_a_month_without_a_partition_are_moved_into_it_when_it_is_made(clock: FakeClock) -> None:
    account = enrol(1)
    revenue, _ = LedgerAccount.objects.get_or_create(code="revenue:electricity", defaults={"kind": "revenue"})
    transfer = Transfer.objects.create(debit_id=account.ledger_account_id, credit=revenue, amount_fen=5, kind="payment",
                                       business_day=date(2032, 3, 9), created_at=clock.now(),
                                       debit_balance_after_fen=0, credit_balance_after_fen=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM gridpay_transfer WHERE id = %s", [transfer.id])
        assert cursor.fetchone()[0] == "gridpay_transfer_default"

    assert ensure_partitions([Month(date(2032, 3, 1))]) == [
        "gridpay_reading_p2032_03", "gridpay_settlement_p2032_03", "gridpay_transfer_p2032_03",
        "gridpay_metercommand_p2032_03", "gridpay_metercommandevent_p2032_03"]

    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM gridpay_transfer WHERE id = %s", [transfer.id])
        assert cursor.fetchone()[0] == "gridpay_transfer_p2032_03_08"  # the month's partition of its week
        # The DEFAULT partition's guard is back on: a transfer there still cannot be deleted.
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'gridpay_transfer_default'::regclass")
        assert cursor.fetchone()[0] == "O"


@pytest.mark.postgres
def test_a_months_rows_go_to_a_partition_of_their_week_with_the_tables_keys_and_guard(clock: FakeClock) -> None:
    ensure_partitions([Month(date(2032, 2, 1))])  # a leap year's February
    weeks = partitions_of("gridpay_settlement_p2032_02")
    assert weeks == [f"gridpay_settlement_p2032_02_{d:02d}" for d in (1, 8, 15, 22, 29)]
    account = enrol(1)
    transfer = a_transfer(account, date(2032, 2, 29), clock)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM gridpay_transfer WHERE id = %s", [transfer.id])
        assert cursor.fetchone()[0] == "gridpay_transfer_p2032_02_29"  # the leap day, alone in the last
    # The ledger's guard holds in the week's partition.
    with pytest.raises(ProgrammingError, match="immutable"), transaction.atomic():
        Transfer.objects.filter(id=transfer.id).update(amount_fen=6)
    settled = dict(account_id=account.id, day=date(2032, 2, 29), energy_kwh=1, charge_fen=0,
                   tariff_version_id=TariffVersion.objects.values_list("id", flat=True).first(),
                   period_start=date(2032, 1, 1), period_used_kwh=1, period_amount_micro_yuan=0, settled_at=clock.now())
    Settlement.objects.create(**settled)
    with pytest.raises(IntegrityError), transaction.atomic():  # once a day still, in the week's partition
        Settlement.objects.create(**settled)


def a_transfer(account: Account, day: date, clock: FakeClock) -> Transfer:
    revenue, _ = LedgerAccount.objects.get_or_create(code="revenue:electricity", defaults={"kind": "revenue"})
    return Transfer.objects.create(debit_id=account.ledger_account_id, credit=revenue, amount_fen=5, kind="payment",
                                   business_day=day, created_at=clock.now(), debit_balance_after_fen=0,
                                   credit_balance_after_fen=0)


@pytest.mark.postgres
def test_an_empty_month_made_before_partitions_by_week_is_made_again_by_week_and_one_with_rows_is_kept(
        clock: FakeClock) -> None:
    account = enrol(1)
    with connection.cursor() as cursor:
        for start in (date(2033, 1, 1), date(2033, 2, 1)):  # as ADR 0033 made them: plain
            cursor.execute(f"CREATE TABLE gridpay_transfer_{Month(start).suffix} PARTITION OF gridpay_transfer"
                           f" FOR VALUES FROM ('{start}') TO ('{Month(start).end}')")
    transfer = a_transfer(account, date(2033, 2, 3), clock)

    made = ensure_partitions([Month(date(2033, 1, 1)), Month(date(2033, 2, 1))])

    assert "gridpay_transfer_p2033_01" in made and "gridpay_transfer_p2033_02" not in made
    assert len(partitions_of("gridpay_transfer_p2033_01")) == 5
    assert partitions_of("gridpay_transfer_p2033_02") == []  # its row stays where it is
    assert Transfer.objects.get(business_day=date(2033, 2, 3)).id == transfer.id
    assert ensure_partitions([Month(date(2033, 1, 1)), Month(date(2033, 2, 1))]) == []


def a_command(account: Account, action: CommandAction, made: datetime, ended: datetime | None,
              end: End = End.CONFIRMED) -> MeterCommand:
    """A meter command queued at ``made`` through the outbox's one writer, and ended at ``ended`` (None: under way)."""
    with transaction.atomic():
        command = meter_command_store.queue_command(meter_id=account.meters.get().id, account_id=account.id,
                                                    action=action, reason="测试", at=made, valid_until=None).command
        assert command is not None
        if ended is not None:
            meter_command_store.finish(command, Finish(end), at=ended)
    return command


def some_commands(town: Any) -> None:
    """Commands of January, of February (one made on 31 January at 23:50 and confirmed in February) and of March."""
    a_command(town.east_prepaid, CommandAction.DISCONNECT, local(date(2025, 1, 3), 9), local(date(2025, 1, 3), 10))
    a_command(town.east_prepaid, CommandAction.RECONNECT, local(date(2025, 2, 14), 9, 5),
              local(date(2025, 2, 14), 9, 6))
    a_command(town.west_prepaid, CommandAction.DISCONNECT, local(date(2025, 1, 31), 23, 50),
              local(date(2025, 2, 1), 0, 10))
    a_command(town.east_prepaid, CommandAction.DISCONNECT, local(date(2025, 3, 20), 9), local(date(2025, 3, 20), 9, 2))
    a_command(town.east_prepaid, CommandAction.RECONNECT, local(date(2025, 3, 21), 9), local(date(2025, 3, 21), 9, 3),
              End.ESCALATED)


def history_as_shown(accounts: list[Account]) -> dict[str, Any]:
    """What staff see of the accounts and the reports, as values."""
    return {
        "files": [customer_file(account_no=a.account_no, today=date(2025, 4, 5)) for a in accounts],
        "arrears": arrears_by_area(day=LAST, months=2),
        "recovery": recovery_by_place(month=date(2025, 2, 1), today=date(2025, 4, 5), months=1),
        "monthly": [monthly_report(month=date(2025, m, 1), now=local(date(2025, 4, 5), 10), zone="Asia/Shanghai")
                    for m in (1, 2, 3)],
        # What the risk scores and the chronic late payers' file are computed from, over the whole quarter.
        "risk_series": {name: value.tolist() if isinstance(value, np.ndarray) else value
                        for name, value in vars(daily_series(account_ids=active_account_ids(), first_day=QUARTER,
                                                             last_day=LAST, zone="Asia/Shanghai")).items()},
        "late_payers": payment_histories(window_start=QUARTER, through=LAST, zone=ZoneInfo("Asia/Shanghai")),
        "risk_scores": risk_scores(),
        "move_out": [move_out_statement(account=a, first_day=QUARTER, last_day=LAST, today=date(2025, 4, 5))
                     for a in accounts],
        "paid_and_used": [money_of_account(account_id=a.id, ledger_account_id=a.ledger_account_id) for a in accounts],
        "loop": loop_summary(now=local(date(2025, 4, 5), 10)),
    }


def risk_scores() -> tuple[Any, list[tuple[Any, ...]]]:
    """The risk scores of the quarter's last day, as a night's run gives them (from the ledger's first day)."""
    report = score_accounts(day=LAST, at=local(date(2025, 4, 1), 4))
    return report, list(RiskScore.objects.filter(day=LAST).order_by("rank").values_list("account_id", "score",
                                                                                          "rank", "reasons"))


@pytest.mark.postgres
def test_the_history_and_the_reports_are_the_same_after_the_archive(clock: FakeClock, archive_dir: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    town = a_quarter(clock)  # 2024-12 (openings) to 2025-03, the clock on 2025-04-05
    some_commands(town)
    ensure_partitions([Month(date(2024, 11, 1))])  # a month made and never written to
    accounts = [town.east_prepaid, town.west_prepaid, town.east_postpaid]
    before = history_as_shown(accounts)
    assert len(before["files"][0].commands) == 4 and before["loop"].disconnections == 3
    assert before["late_payers"][town.west_prepaid.id].disconnections == 1
    settled = Settlement.objects.count()

    call_command("archive", "--before", "2025-03")

    said = capsys.readouterr().out
    assert "归档 settlement 2025-02：" in said and "归档完成" in said
    assert sorted(archived_months(TRANSFERS)) == [date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1),
                                                  date(2025, 2, 1)]
    assert len(pl.read_parquet(archive_dir / "reading" / "2024-11.parquet")) == 0
    assert "gridpay_settlement_p2025_01" not in partitions_of("gridpay_settlement")
    assert not Settlement.objects.filter(day__lt=date(2025, 3, 1)).exists()  # March's alone are left
    frames = [pl.read_parquet(archive_dir / "settlement" / f"2025-0{m}.parquet") for m in (1, 2)]
    assert sum(len(frame) for frame in frames) + Settlement.objects.count() == settled
    assert [len(pl.read_parquet(archive_dir / "meter_command" / f"2025-0{m}.parquet")) for m in (1, 2)] == [2, 1]
    assert MeterCommand.objects.count() == 2  # March's
    assert not MeterCommandEvent.objects.filter(at__lt=local(date(2025, 3, 1), 0)).exists()
    assert history_as_shown(accounts) == before

    call_command("archive", "--before", "2025-03")
    assert "归档完成：0 个月分区" in capsys.readouterr().out  # nothing left before March in the database


def in_use(kind: str, town: Any) -> MeterCommand:
    """A February command still in use, in one of the three ways: under way, an open reconnection case's, an open
    work order's."""
    made, account = local(date(2025, 2, 14), 9, 5), town.west_prepaid
    if kind == "under way":  # a reconnection waiting for a meter that does not answer
        return a_command(account, CommandAction.RECONNECT, made, None)
    command = a_command(account, CommandAction.RECONNECT, made, local(date(2025, 2, 15), 9), End.ESCALATED)
    if kind == "open case":
        MeterCommand.objects.filter(id=command.id).update(sent_at=local(date(2025, 2, 14), 9, 6))
        command.refresh_from_db()
        ReconnectCase.objects.create(account=account, command=command, opened_at=made, due_by=local(date(2025, 2, 15),
                                                                                                    9, 5))
    else:
        WorkOrder.objects.create(key=f"command:{command.id}", kind="reconnect_failed", account=account,
                                 command=command, opened_at=local(date(2025, 2, 15), 9))
    return command


def done_with(kind: str, command: MeterCommand) -> None:
    at = local(date(2025, 4, 5), 9)
    if kind == "under way":
        meter_command_store.finish(command, Finish(End.CONFIRMED), at=at)
    elif kind == "open case":
        ReconnectCase.objects.filter(command_id=command.id).update(confirmed_at=at)
    else:
        WorkOrder.objects.filter(command_id=command.id).update(closed_at=at, outcome="现场已复电")


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["under way", "open case", "open work order"])
def test_commands_are_archived_up_to_the_first_month_with_one_still_in_use(
        kind: str, clock: FakeClock, archive_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    town = a_quarter(clock)
    some_commands(town)
    holder = in_use(kind, town)
    progress = supply_progress(account_no=town.west_prepaid.account_no, now=clock.now(), today=date(2025, 4, 5))

    call_command("archive", "--before", "2025-03")

    said = capsys.readouterr().out
    assert "远程费控命令 2025-02 及以后各月暂不归档：该月有 1 条命令仍在途，或其复电、现场工单未结" in said
    assert "归档 meter_command 2025-01：2 行" in said and "归档 meter_command_event 2025-01：" in said
    assert "meter_command 2025-02" not in said and "meter_command_event 2025-02" not in said
    assert MeterCommand.objects.filter(created_at__lt=local(date(2025, 2, 1), 0)).count() == 0
    assert MeterCommand.objects.filter(id=holder.id).exists()
    assert MeterCommandEvent.objects.filter(command_id=holder.id).exists()  # its events stay with it
    assert supply_progress(account_no=town.west_prepaid.account_no, now=clock.now(),
                           today=date(2025, 4, 5)) == progress
    assert Settlement.objects.filter(day__lt=date(2025, 3, 1)).count() == 0  # the history does not wait for them

    done_with(kind, holder)
    if kind == "open case":  # confirmed: for a day, the customer's supply progress shows when it was sent
        call_command("archive", "--before", "2025-03")
        assert "远程费控命令 2025-02 及以后各月暂不归档" in capsys.readouterr().out
        restored = supply_progress(account_no=town.west_prepaid.account_no, now=clock.now(), today=date(2025, 4, 5))
        assert restored.sent_at == local(date(2025, 2, 14), 9, 6) and restored.restored_at is not None
        clock.instant = local(date(2025, 4, 6), 10)
    call_command("archive", "--before", "2025-03")

    said = capsys.readouterr().out
    assert "暂不归档" not in said and "meter_command 2025-01" not in said  # gone from the database the first time
    assert "归档 meter_command 2025-02：2 行" in said
    assert not MeterCommand.objects.filter(created_at__lt=local(date(2025, 3, 1), 0)).exists()
    assert holder.id in pl.read_parquet(archive_dir / "meter_command" / "2025-02.parquet")["id"].to_list()


def archive_beside_an_update(clock: FakeClock, archive_dir: Path, *, held_s: float) -> tuple[Any, list[Exception]]:
    """January's commands archived while a gateway's update of a March command, begun as January's file is checked,
    holds its locks for ``held_s``: (the archive's report or the exception it raised, the update's failures)."""
    account = enrol(1)
    a_command(account, CommandAction.DISCONNECT, local(date(2025, 1, 3), 9), local(date(2025, 1, 3), 10))
    clock.instant = local(date(2025, 3, 20), 9)
    live = a_command(account, CommandAction.RECONNECT, local(date(2025, 3, 20), 9), None)
    clock.instant = local(date(2025, 4, 5), 10)
    updated, failures = threading.Event(), []

    def gateway_update() -> None:  # as a gateway's claim does: by id alone, so every month's partition is locked
        try:
            with transaction.atomic():
                MeterCommand.objects.filter(id=live.id).update(attempts=F("attempts") + 1)
                updated.set()
                time.sleep(held_s)  # still holding its locks when the archive asks for the table
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    def update_while_archiving(path: Path) -> None:
        if path.parent.name == "meter_command":
            worker.start()
            updated.wait(timeout=5)

    worker = threading.Thread(target=gateway_update)
    try:
        outcome: Any = archive_months(before=date(2025, 3, 1), today=date(2025, 4, 5), at=clock.now(),
                                      directory=archive_dir, before_drop=update_while_archiving)
    except Exception as error:
        outcome = error
    worker.join()
    assert updated.is_set() and MeterCommand.objects.get(id=live.id).attempts == 1  # never held up by the archive
    return outcome, failures


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the update runs on a connection of its own, beside the archive's
def test_archiving_commands_waits_for_a_command_updated_meanwhile_without_a_deadlock(clock: FakeClock,
                                                                                      archive_dir: Path) -> None:
    report, failures = archive_beside_an_update(clock, archive_dir, held_s=1)

    assert failures == []  # not aborted as one side of a deadlock
    assert "meter_command 2025-01" in [f"{done.table} {done.month}" for done in report.archived]
    assert not MeterCommand.objects.filter(created_at__lt=local(date(2025, 2, 1), 0)).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_table_busy_past_the_wait_keeps_the_month_and_removes_its_file(clock: FakeClock, archive_dir: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history_partitions, "LOCK_WAIT_S", 1)
    monkeypatch.setattr(history_partitions, "LOCK_TRIES", 2)
    refused, failures = archive_beside_an_update(clock, archive_dir, held_s=4)

    assert failures == []
    assert isinstance(refused, TableBusy) and "2 秒内未能归档 2025-01" in refused.message
    assert MeterCommand.objects.filter(created_at__lt=local(date(2025, 2, 1), 0)).count() == 1
    assert not (archive_dir / "meter_command" / "2025-01.parquet").exists()
    assert date(2025, 1, 1) in month_partitions(BY_NAME["meter_command"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_month_made_while_a_claim_reads_then_writes_commands_waits_for_it_without_a_deadlock(
        clock: FakeClock) -> None:
    account = enrol(1)
    live = a_command(account, CommandAction.DISCONNECT, clock.now(), None)
    commands, month = BY_NAME["meter_command"], Month(date(2040, 1, 1))
    read, failures = threading.Event(), []

    def claim() -> None:  # as a gateway's claim: the rows read FOR UPDATE, then written
        try:
            with transaction.atomic():
                list(MeterCommand.objects.select_for_update().filter(id=live.id))
                read.set()
                time.sleep(1)  # the month's partition is asked for meanwhile
                MeterCommand.objects.filter(id=live.id).update(attempts=F("attempts") + 1)
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    worker = threading.Thread(target=claim)
    worker.start()
    read.wait(timeout=5)
    try:
        assert ensure_partition(commands, month)
        worker.join()
        assert failures == []  # not aborted as one side of a deadlock
        assert MeterCommand.objects.get(id=live.id).attempts == 1
        assert month.start in month_partitions(commands)
    finally:
        worker.join()
        with connection.cursor() as cursor:  # the schema outlives this test's rows
            cursor.execute(f"DROP TABLE IF EXISTS {commands.partition(month)}")


@pytest.mark.postgres
def test_a_crash_between_the_checked_file_and_the_drop_keeps_the_partition(clock: FakeClock, archive_dir: Path) -> None:
    a_quarter(clock)
    january = Settlement.objects.filter(day__lt=date(2025, 2, 1)).count()

    def crash(path: Path) -> None:
        assert len(pl.read_parquet(path)) > 0  # the file is whole and checked by now
        raise OSError("the machine went down")

    with pytest.raises(OSError):
        archive_months(before=date(2025, 2, 1), today=date(2025, 4, 5), at=clock.now(), directory=archive_dir,
                       before_drop=crash)
    # The readings' December partition was archived before the crash; the January readings are back in place.
    assert "gridpay_reading_p2025_01" in partitions_of("gridpay_reading")
    assert (archive_dir / "reading" / "2025-01.parquet").exists()
    assert Settlement.objects.filter(day__lt=date(2025, 2, 1)).count() == january
    assert date(2025, 1, 1) not in archived_months(READINGS)  # the file does not count while the partition is there

    report = archive_months(before=date(2025, 2, 1), today=date(2025, 4, 5), at=clock.now(), directory=archive_dir)
    assert [f"{done.table} {done.month}" for done in report.archived] == [
        "reading 2025-01", "settlement 2025-01", "transfer 2024-12", "transfer 2025-01"]
    assert Settlement.objects.filter(day__lt=date(2025, 2, 1)).count() == 0
    assert len(pl.read_parquet(archive_dir / "settlement" / "2025-01.parquet")) == january


@pytest.mark.postgres
def test_archive_refuses_a_month_not_closed_and_bad_input_writing_nothing(
        clock: FakeClock, archive_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: Any) -> None:
    a_quarter(clock)  # today 2025-04-05: March is the previous month, still being billed
    partitions = partitions_of("gridpay_settlement")

    for bad, said in (("2025-4", "月份应为 YYYY-MM"), ("2025-13", "月份应为 YYYY-MM"),
                      ("2025-04", "--before 最晚为 2025-03"), ("2025-05", "尚未结清")):
        with pytest.raises(CommandError, match=said):
            call_command("archive", "--before", bad)
    with pytest.raises(MonthNotClosed):
        archive_months(before=date(2025, 4, 1), today=date(2025, 4, 5), at=clock.now(), directory=archive_dir)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.GRIDPAY = replace(settings.GRIDPAY, archive_dir=str(blocker / "archive"))
    with pytest.raises(CommandError, match=r"归档目录 .*（GRIDPAY_ARCHIVE_DIR）"):
        call_command("archive", "--before", "2025-03")

    assert partitions_of("gridpay_settlement") == partitions
    assert not archive_dir.exists()


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite refusal")
def test_on_sqlite_archive_says_it_is_for_postgresql(clock: FakeClock, archive_dir: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ArchiveNeedsPostgreSQL):
        archive_months(before=date(2025, 1, 1), today=date(2025, 4, 5), at=clock.now(), directory=archive_dir)
    with pytest.raises(CommandError, match="归档只用于 PostgreSQL"):
        call_command("archive", "--before", "2025-01")
    assert not archive_dir.exists()
    assert ensure_partitions([Month(date(2025, 1, 1))]) == []


@pytest.mark.postgres
def test_a_meter_silent_since_an_archived_month_is_replaced_against_its_last_reading(clock: FakeClock,
                                                                                     archive_dir: Path) -> None:
    a_quarter(clock)
    silent = enrol(9, installed_on=date(2024, 12, 31))
    add_readings(silent, first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 20)  # then the meter fell silent
    january = partial(settle_account_through, account_id=silent.id, first_day=date(2025, 1, 1),
                      through=date(2025, 1, 20))
    assert january(at=local(date(2025, 1, 21), 2)) == 20 * 538
    call_command("archive", "--before", "2025-03")
    assert not Reading.objects.filter(account=silent).exists()  # every reading of it is in the archive
    assert not Settlement.objects.filter(account=silent).exists()  # and every settled day
    assert january(at=local(date(2025, 4, 2), 10)) == 0  # settled, if in the archive
    meter_no = silent.meters.get().meter_no
    again = record_readings(readings=[(1, MeterReading(meter_no=meter_no, day=date(2025, 1, 10),
                                                       registers=Registers(Decimal("100.00"))))],
                            received_at=local(date(2025, 4, 2), 9), max_daily_kwh=Decimal(300))
    assert (again.stored, [r.code for r in again.rejected]) == (0, ["archived_day"])  # its day was settled once
    assert not Reading.objects.filter(account=silent).exists()

    def swap(final: str) -> MeterSwap:
        return MeterSwap(account_no=silent.account_no, day=date(2025, 4, 2), final_total_kwh=final,
                         new_meter_no="NEW-9", new_dlt645_address="000000000999", start_total_kwh="0")

    with pytest.raises(InvalidInput, match="小于原表最后读数 200"):  # 20 days × 10 kWh, read from the archive
        replace_meter(swap=swap("150.00"), actor="计量班老李", at=local(date(2025, 4, 2), 10), today=date(2025, 4, 5))
    replace_meter(swap=swap("215.00"), actor="计量班老李", at=local(date(2025, 4, 2), 10), today=date(2025, 4, 5))
    assert Meter.objects.get(account=silent, removed_on=date(2025, 4, 2)).final_total_kwh == Decimal("215.00")


@pytest.mark.postgres
def test_a_postpaid_bill_counts_the_readings_of_the_archived_months_since_its_last_bill(clock: FakeClock,
                                                                                       archive_dir: Path) -> None:
    clock.instant = local(date(2025, 4, 5), 10)
    billed_in_january = enrol(1, mode="postpaid", opening_balance_fen=0, installed_on=date(2024, 11, 30))
    never_billed = enrol(2, mode="postpaid", opening_balance_fen=0, installed_on=date(2024, 11, 30))
    add_readings(billed_in_january, first_day=date(2024, 12, 1), daily_kwh=["10.00"] * 115)  # to 25 March
    # No reading from 21 to 26 January: not billed on the 25th.
    add_readings(never_billed, first_day=date(2024, 12, 1), daily_kwh=["10.00"] * 51)  # to 20 January
    add_readings(never_billed, first_day=date(2025, 1, 27), daily_kwh=["10.00"] * 58)  # to 25 March
    Reading.objects.filter(account=never_billed, reading_date__gte=date(2025, 3, 1)).update(
        energy_peak_kwh=Decimal("4.00"))  # a peak only in the days the database keeps
    assert issue_bills(day=date(2025, 1, 25), at=local(date(2025, 1, 25), 20)).issued == 1
    call_command("archive", "--before", "2025-03")
    assert not Reading.objects.filter(reading_date__lt=date(2025, 3, 1)).exists()

    energies = period_energies(account_ids=[billed_in_january.id, never_billed.id], reading_date=date(2025, 3, 25))
    assert energies[never_billed.id].energy.tou_kwh == {TouPeriod.PEAK: Decimal("100.00")}  # 25 days × 4 kWh
    assert energies[billed_in_january.id].energy.tou_kwh == {}  # no period read, in the database or the archive
    assert issue_bills(day=date(2025, 3, 25), at=local(date(2025, 3, 25), 20)).issued == 2

    march = {bill.account_id: bill for bill in PostpaidBill.objects.filter(reading_date=date(2025, 3, 25))}
    assert (march[never_billed.id].period_from, march[never_billed.id].energy_kwh) == (date(2024, 12, 1), 1090)
    # 26 January to 25 March: 59 days, 34 of them in the archived months.
    assert (march[billed_in_january.id].period_from, march[billed_in_january.id].energy_kwh) == (
        date(2025, 1, 26), 590)
