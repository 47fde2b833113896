"""Readings import on a real database: rejected rows with reasons, energies, rollover, meter replacement, re-import."""

import random
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from gridpay.application.imports import ImportReport, NotUtf8, WrongColumns
from gridpay.application.readings import record_readings
from gridpay.application.readings.import_readings import import_readings, import_readings_file
from gridpay.data import reading_store
from gridpay.data.models import Account, Meter, Reading
from tests.support.accounts import enrol

pytestmark = pytest.mark.django_db
AT = datetime(2025, 2, 1, tzinfo=UTC)
HEADER = "meter_no,reading_date,total_kwh,sharp_kwh,peak_kwh,flat_kwh,valley_kwh"
DEC31, JAN1, JAN2, JAN3 = date(2024, 12, 31), date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3)


def write(tmp_path: Path, *lines: str, name: str = "readings.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def run(path: Path, *, max_daily_kwh: str = "500") -> ImportReport:
    return import_readings_file(path=path, received_at=AT, max_daily_kwh=D(max_daily_kwh))


def energies(meter_no: str) -> dict[date, D | None]:
    return dict(
        Reading.objects.filter(meter__meter_no=meter_no)
        .order_by("reading_date")
        .values_list("reading_date", "energy_kwh")
    )


def codes(report: ImportReport) -> list[tuple[int, str]]:
    return [(r.row_number, r.code) for r in report.rejected]


def test_good_rows_are_stored_with_their_account_and_the_days_energy(zj_tariff: str, tmp_path: Path) -> None:
    account = enrol(1)  # meter M00000001 installed 2024-12-31 at 0 kWh
    report = run(
        write(
            tmp_path,
            "M00000001,2024-12-31,5.00,,,,",
            "M00000001,2025-01-01,15.5,,,,",
            "M00000001,2025-01-03,30.00,,,,",
        )
    )

    assert (report.stored, report.unchanged, report.rejected) == (3, 0, [])
    assert set(Reading.objects.values_list("account_id", flat=True)) == {account.id}
    # The first day from the start registers; a day after a gap waits for the day before.
    assert energies("M00000001") == {DEC31: D("5.00"), JAN1: D("10.50"), JAN3: None}


def test_a_late_reading_fills_the_gap_and_the_next_days_waiting_energy(zj_tariff: str, tmp_path: Path) -> None:
    enrol(1)
    run(write(tmp_path, "M00000001,2024-12-31,5.00,,,,", "M00000001,2025-01-02,12.00,,,,", name="a.csv"))
    assert energies("M00000001")[JAN2] is None

    report = run(write(tmp_path, "M00000001,2025-01-01,8.25,,,,", name="b.csv"))

    assert report.stored == 1
    assert energies("M00000001") == {DEC31: D("5.00"), JAN1: D("3.25"), JAN2: D("3.75")}


def test_bad_rows_are_rejected_with_their_line_and_reason_and_not_stored(zj_tariff: str, tmp_path: Path) -> None:
    enrol(1)
    enrol(2, time_of_use=True)
    Meter.objects.filter(meter_no="M00000002").update(
        removed_on=JAN2, final_total_kwh=D("40.00"), start_sharp_kwh=0, start_peak_kwh=0, start_valley_kwh=0
    )
    path = write(
        tmp_path,
        "M00000001,2024-12-31,5.00,,,,",  # line 2: good
        "M99999999,2025-01-01,5.00,,,,",  # 3
        "M00000001,2025/01/01,5.00,,,,",  # 4
        "M00000001,2025-01-01,abc,,,,",  # 5
        "M00000001,2025-01-01,6.123,,,,",  # 6
        "M00000001,2024-12-30,1.00,,,,",  # 7
        "M00000002,2025-01-03,50.00,,,,",  # 8
        "M00000001,2025-01-01,4.00,,,,",  # 9: below the day before
        "M00000001,2025-01-01,600.00,,,,",  # 10: 595 kWh in one day
        "M00000002,2024-12-31,10.00,5.00,4.00,,2.00",  # 11: 11 kWh of time-of-use in 10
        "M00000001,2025-01-01",  # 12: short line
        ",2025-01-01,5.00,,,,",  # 13
        "M00000001,2025-01-01,1000000.00,,,,",  # 14: a 6-digit register cannot show it
        "M00000001,2025-01-01,-1,,,,",  # 15
        "M00000002,2024-12-31,10.00,1.00,2.00,3.00,4.00",  # 16: good
    )

    report = run(path)

    assert codes(report) == [
        (3, "unknown_meter"),
        (4, "invalid_date"),
        (5, "invalid_number"),
        (6, "too_many_decimals"),
        (7, "before_installation"),
        (8, "after_removal"),
        (9, "reading_goes_backwards"),
        (10, "impossible_daily_energy"),
        (11, "tou_exceeds_total"),
        (12, "malformed_row"),
        (13, "missing_value"),
        (14, "register_out_of_range"),
        (15, "invalid_number"),
    ]
    assert all(r.message for r in report.rejected)
    assert "M99999999" in report.rejected[0].message
    assert report.stored == 2
    assert set(Reading.objects.values_list("meter__meter_no", "reading_date")) == {
        ("M00000001", DEC31),
        ("M00000002", DEC31),
    }


def test_a_reading_is_checked_against_its_nearest_neighbours_across_gaps(zj_tariff: str, tmp_path: Path) -> None:
    enrol(1)
    run(write(tmp_path, "M00000001,2025-01-01,10.00,,,,", "M00000001,2025-01-05,30.00,,,,", name="a.csv"))

    report = run(
        write(
            tmp_path,
            "M00000001,2025-01-03,35.00,,,,",  # more than the stored reading two days later
            "M00000001,2025-01-02,9.00,,,,",  # less than the stored reading the day before
            "M00000001,2025-01-04,29.00,,,,",  # good
            name="b.csv",
        ),
        max_daily_kwh="20",
    )

    assert codes(report) == [(2, "reading_goes_backwards"), (3, "reading_goes_backwards")]
    assert energies("M00000001")[date(2025, 1, 5)] == D("1.00")
    # 1 001 kWh in 2 days is more than 2 × 500.
    over = run(write(tmp_path, "M00000001,2025-01-07,1031.00,,,,", name="c.csv"))
    assert codes(over) == [(2, "impossible_daily_energy")]
    assert "2 天" in over.rejected[0].message


def test_a_register_that_rolls_over_gives_the_energy_across_the_rollover(zj_tariff: str, tmp_path: Path) -> None:
    enrol(1, start_total_kwh=D("999990.00"))
    report = run(
        write(
            tmp_path,
            "M00000001,2024-12-31,999995.00,,,,",
            "M00000001,2025-01-01,3.00,,,,",
            "M00000001,2025-01-02,10.00,,,,",
        )
    )
    assert report.rejected == []
    assert energies("M00000001") == {DEC31: D("5.00"), JAN1: D("8.00"), JAN2: D("7.00")}


def replace_meter(account: Account, *, on: date, final_total_kwh: str, start_total_kwh: str = "0") -> Meter:
    Meter.objects.filter(account=account).update(removed_on=on, final_total_kwh=D(final_total_kwh))
    return Meter.objects.create(
        meter_no="N00000001",
        dlt645_address="900000000001",
        account=account,
        installed_on=on,
        start_total_kwh=D(start_total_kwh),
    )


def test_on_a_replacement_day_the_old_meters_use_is_added(zj_tariff: str, tmp_path: Path) -> None:
    account = enrol(1)
    replace_meter(account, on=JAN2, final_total_kwh="25.00", start_total_kwh="100.00")

    report = run(
        write(
            tmp_path,
            "N00000001,2025-01-02,103.50,,,,",  # the new meter's rows first: order does not matter
            "N00000001,2025-01-03,110.00,,,,",
            "M00000001,2025-01-01,20.00,,,,",
        )
    )

    assert report.rejected == []
    # 2 January: 5 kWh on the old meter (25 − 20) and 3.5 on the new one (103.5 − 100).
    assert energies("N00000001") == {JAN2: D("8.50"), JAN3: D("6.50")}
    assert set(Reading.objects.filter(reading_date=JAN2).values_list("account_id", flat=True)) == {account.id}


def test_a_replacement_day_waits_for_the_old_meters_last_reading(zj_tariff: str, tmp_path: Path) -> None:
    account = enrol(1)
    replace_meter(account, on=JAN2, final_total_kwh="25.00")
    run(write(tmp_path, "N00000001,2025-01-02,3.50,,,,", name="a.csv"))
    assert energies("N00000001") == {JAN2: None}

    run(write(tmp_path, "M00000001,2025-01-01,20.00,,,,", name="b.csv"))

    assert energies("N00000001") == {JAN2: D("8.50")}


def test_the_old_meters_readings_must_lead_to_its_final_registers(zj_tariff: str, tmp_path: Path) -> None:
    account = enrol(1)
    replace_meter(account, on=JAN2, final_total_kwh="25.00")
    report = run(write(tmp_path, "M00000001,2025-01-01,26.00,,,,"))
    assert codes(report) == [(2, "reading_goes_backwards")]


def test_time_of_use_energies_per_period(zj_tariff: str, tmp_path: Path) -> None:
    enrol(1, time_of_use=True)
    run(
        write(
            tmp_path,
            "M00000001,2025-01-01,100.00,10.00,30.00,40.00,20.00",
            "M00000001,2025-01-02,112.00,11.00,34.00,44.00,23.00",
        )
    )
    reading = Reading.objects.get(reading_date=JAN2)
    assert (reading.energy_kwh, reading.energy_sharp_kwh, reading.energy_peak_kwh) == (D(12), D(1), D(4))
    assert (reading.energy_flat_kwh, reading.energy_valley_kwh) == (D(4), D(3))
    assert (reading.sharp_kwh, reading.valley_kwh) == (D("11.00"), D("23.00"))


def test_importing_the_same_file_again_changes_nothing(zj_tariff: str, tmp_path: Path) -> None:
    enrol(1)
    enrol(2)
    path = write(
        tmp_path,
        "M00000001,2024-12-31,5.00,,,,",
        "M00000001,2025-01-01,7.00,,,,",
        "M00000002,2025-01-01,9.00,,,,",
        "M00000002,2025-01-01,9.00,,,,",  # the same row twice in one file
    )
    first = run(path)
    assert (first.stored, first.unchanged, first.rejected) == (3, 1, [])
    before = list(Reading.objects.order_by("id").values())

    again = run(path)

    assert (again.stored, again.unchanged, again.rejected) == (0, 4, [])
    assert list(Reading.objects.order_by("id").values()) == before


def test_a_different_value_for_a_stored_day_is_a_conflict(zj_tariff: str, tmp_path: Path) -> None:
    enrol(1)
    run(write(tmp_path, "M00000001,2025-01-01,7.00,,,,", name="a.csv"))

    report = run(write(tmp_path, "M00000001,2025-01-01,7.10,,,,", "M00000001,2025-01-01,7.00,,,,", name="b.csv"))

    assert codes(report) == [(2, "conflicting_reading")]
    assert report.unchanged == 1
    assert Reading.objects.get().total_kwh == D("7.00")


def test_rows_in_any_order_across_chunks_give_the_same_energies(
    zj_tariff: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(record_readings, "CHUNK_ROWS", 4)
    monkeypatch.setattr(reading_store, "DAYS_PER_QUERY", 3)
    for number in (1, 2, 3):
        enrol(number)
    lines = [
        f"M{number:08d},2025-01-{day:02d},{number * day * 2}.00,,,," for number in (1, 2, 3) for day in range(1, 11)
    ]
    random.Random(7).shuffle(lines)
    done: list[tuple[int, int]] = []

    report = import_readings_file(
        path=write(tmp_path, *lines), received_at=AT, max_daily_kwh=D(500), on_progress=lambda *a: done.append(a)
    )

    assert (report.stored, report.rejected) == (30, [])
    for number in (1, 2, 3):
        # Installed on 31 December without a reading that day: 1 January waits, then 2 × number a day.
        assert energies(f"M{number:08d}") == {
            JAN1: None,
            **{date(2025, 1, day): D(number * 2) for day in range(2, 11)},
        }
    assert done == [(0, 30), *((n, 30) for n in range(4, 30, 4)), (30, 30)]


def test_rows_given_directly_are_imported_like_a_file(zj_tariff: str) -> None:
    enrol(1)
    row = {"meter_no": "M00000001", "reading_date": "2024-12-31", "total_kwh": "4.00"}
    empty = {"sharp_kwh": "", "peak_kwh": "", "flat_kwh": "", "valley_kwh": ""}

    report = import_readings(rows=[(7, {**row, **empty}), (8, row)], received_at=AT, max_daily_kwh=D(500))

    assert report.stored == 1
    assert codes(report) == [(8, "malformed_row")]


def test_a_file_without_the_right_columns_writes_nothing(zj_tariff: str, tmp_path: Path) -> None:
    enrol(1)
    path = tmp_path / "bad.csv"
    path.write_text("meter_no,reading_date,total_kwh\nM00000001,2024-12-31,5.00\n", encoding="utf-8")

    with pytest.raises(WrongColumns) as error:
        run(path)

    assert "sharp_kwh" in error.value.message
    assert not Reading.objects.exists()


def test_a_file_that_is_not_utf8_writes_nothing(zj_tariff: str, tmp_path: Path) -> None:
    enrol(1)
    path = tmp_path / "gbk.csv"
    path.write_bytes(f"{HEADER}\nM00000001,2024-12-31,5.00,,,,\nM00000001,2025-01-01,6.00,,,,备注\n".encode("gbk"))

    with pytest.raises(NotUtf8) as error:
        run(path)

    assert "第 3 行" in error.value.message
    assert not Reading.objects.exists()


def test_row_numbers_are_lines_of_the_file(zj_tariff: str, tmp_path: Path) -> None:
    enrol(1)
    path = tmp_path / "r.csv"
    path.write_bytes(f"\ufeff{HEADER}\r\n\r\nM00000001,2024-12-31,5.00,,,,\r\nX,2025-01-01,6.00,,,,\r\n".encode())

    report = run(path)

    assert report.stored == 1
    assert codes(report) == [(4, "unknown_meter")]


def test_a_reading_dated_after_the_day_it_arrives_is_refused(zj_tariff: str, tmp_path: Path) -> None:
    enrol(1)
    # Received 2025-02-01 08:00 in Beijing: that day's frozen reading exists, the next day's cannot.
    report = run(write(tmp_path, "M00000001,2025-02-01,5.00,,,,", "M00000001,2025-02-02,6.00,,,,"))

    assert codes(report) == [(3, "future_date")]
    assert "2025-02-02" in report.rejected[0].message
    assert list(energies("M00000001")) == [date(2025, 2, 1)]


def test_a_row_with_several_problems_names_every_one(zj_tariff: str, tmp_path: Path) -> None:
    enrol(1)
    report = run(write(tmp_path, ",2025-02-30,12.345,abc,,,"))
    assert len(report.rejected) == 1
    message = report.rejected[0].message
    for problem in ("meter_no 不能为空", "reading_date 不是有效日期", "total_kwh", "sharp_kwh 应为非负数"):
        assert problem in message, message


@pytest.mark.parametrize("written", ["1e3", "5E+1", "１２.00", "١٢.٥", "1_000", "+5", "12,5", "0x10", "Infinity"])
def test_a_reading_in_exponent_notation_or_other_scripts_digits_is_refused(
    zj_tariff: str, tmp_path: Path, written: str
) -> None:
    # Issue 20 point 7: Python's Decimal takes all of these; a reading takes ASCII digits and a decimal point only.
    enrol(1)
    report = run(write(tmp_path, f'M00000001,2025-01-01,"{written}",,,,'))
    assert codes(report) == [(2, "invalid_number")] and report.stored == 0
    assert "0–9" in report.rejected[0].message
