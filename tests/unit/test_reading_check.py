"""The one reading check, pure: its rules one by one, and properties over a meter's days with or without a replacement
(rows accepted one at a time or all at once, in any order or batches, give the same readings and energies)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.energy import DayEnergy, TouPeriod
from gridpay.domain.reading_check import (
    ReadingsChecked,
    RegisteredMeter,
    StoredNeighbours,
    StoredReading,
    check_readings,
    neighbours_wanted,
)
from gridpay.domain.readings import MeterReading, Registers, register_limit_kwh

DAY0 = date(2025, 1, 1)
LIMIT = register_limit_kwh(integer_digits=6)
MAX_DAILY = D(500)
LATEST = DAY0 + timedelta(days=60)


def meter(
    meter_id: int = 1, *, meter_no: str = "M1", installed_on: date = DAY0, removed_on: date | None = None,
    start: str = "0", final: str | None = None, account_id: int = 1,
) -> RegisteredMeter:
    return RegisteredMeter(
        id=meter_id, meter_no=meter_no, account_id=account_id, installed_on=installed_on, removed_on=removed_on,
        limit_kwh=LIMIT, start=Registers(D(start)), final=None if final is None else Registers(D(final)),
    )


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def reading(n: int, total: str, meter_no: str = "M1", **tou: str) -> MeterReading:
    return MeterReading(meter_no=meter_no, day=day(n), registers=Registers(D(total), {
        TouPeriod(p): D(v) for p, v in tou.items()}))


@dataclass
class MemoryStore:
    """Readings kept as the data store keeps them, handing the check only the neighbours it asks for."""

    meters: list[RegisteredMeter]
    readings: dict[tuple[int, date], tuple[Registers, DayEnergy | None]] = field(default_factory=dict)

    def neighbours(self, rows: Sequence[MeterReading]) -> StoredNeighbours:
        wanted = neighbours_wanted(meters=self.meters, new_rows=rows)
        found: set[tuple[int, date]] = {pair for pair in wanted.on if pair in self.readings}
        for meter_id, on in wanted.around:
            if (meter_id, on) in self.readings:
                found.add((meter_id, on))
                continue
            before = [d for m, d in self.readings if m == meter_id and d < on]
            after = [d for m, d in self.readings if m == meter_id and d > on]
            found |= {(meter_id, nearest) for nearest in (max(before, default=None), min(after, default=None))
                      if nearest is not None}
        return StoredNeighbours(meters=self.meters, readings=[
            StoredReading(meter_id=m, day=d, registers=self.readings[m, d][0], energy_known=self.readings[m, d][1]
                          is not None) for m, d in found
        ])

    def check(self, rows: Sequence[MeterReading], *, latest_day: date = LATEST) -> ReadingsChecked:
        checked = check_readings(stored_neighbours=self.neighbours(rows), new_rows=rows, max_daily_kwh=MAX_DAILY,
                                 latest_day=latest_day)
        for accepted in checked.accepted:
            assert (accepted.meter.id, accepted.reading.day) not in self.readings
            self.readings[accepted.meter.id, accepted.reading.day] = (accepted.reading.registers, accepted.energy)
        for found in checked.energies_found:
            registers, energy = self.readings[found.meter.id, found.day]
            assert energy is None  # only a reading that waited is given its energy
            self.readings[found.meter.id, found.day] = (registers, found.energy)
        return checked

    def energies(self, meter_id: int = 1) -> dict[int, D | None]:
        return {(d - DAY0).days: e and e.total_kwh for (m, d), (_, e) in sorted(self.readings.items()) if m == meter_id}


def codes(checked: ReadingsChecked) -> list[tuple[int, str]]:
    return [(r.row, r.reason.code) for r in checked.rejected]


def test_a_reading_of_an_archived_month_is_refused_and_the_days_after_it_are_not() -> None:
    store = MemoryStore([meter()])
    rows = [reading(30, "300"), reading(31, "310"), reading(32, "320")]  # 31 January, 1 and 2 February

    checked = check_readings(stored_neighbours=store.neighbours(rows), new_rows=rows, max_daily_kwh=MAX_DAILY,
                             latest_day=LATEST, archived_through=date(2025, 1, 31))

    assert codes(checked) == [(0, "archived_day")]
    assert "2025-01-31 所在月份的历史已归档" in str(checked.rejected[0].reason)
    assert [a.reading.day for a in checked.accepted] == [day(31), day(32)]


def test_a_reading_in_service_within_range_and_not_ahead_of_its_arrival_is_accepted_with_its_energy() -> None:
    store = MemoryStore([meter(removed_on=day(5), final="60")])
    rows = [
        reading(0, "5"),
        MeterReading(meter_no="M9", day=day(1), registers=Registers(D(1))),
        reading(-1, "1"),
        reading(6, "70"),
        reading(1, "1000000"),
        reading(3, "30"),
        reading(4, "40"),
        reading(9, "80"),
    ]

    checked = store.check(rows, latest_day=day(8))

    assert codes(checked) == [(1, "unknown_meter"), (2, "before_installation"), (3, "after_removal"),
                              (4, "register_out_of_range"), (7, "future_date")]
    assert store.energies() == {0: D(5), 3: None, 4: D(10)}  # the 3rd waits for the 2nd


def test_against_the_nearest_readings_each_side_the_start_and_the_final_registers() -> None:
    store = MemoryStore([meter(start="10", removed_on=day(9), final="100")])
    store.check([reading(2, "30"), reading(6, "60")])

    checked = store.check([reading(0, "9"), reading(4, "29"), reading(5, "61"), reading(8, "101"), reading(7, "70")])

    assert [(r.row, r.reason.code, r.reason.message) for r in checked.rejected] == [
        (0, "reading_goes_backwards", "与装表起始读数（2025-01-01）相比：读数倒走：total_kwh 从 10 变为 9"),
        (1, "reading_goes_backwards", "与前一读数（2025-01-03）相比：读数倒走：total_kwh 从 30 变为 29"),
        (2, "reading_goes_backwards", "与后一读数（2025-01-07）相比：读数倒走：total_kwh 从 61 变为 60"),
        (3, "reading_goes_backwards", "与拆表读数（2025-01-10）相比：读数倒走：total_kwh 从 101 变为 100"),
    ]
    assert store.energies() == {2: None, 6: None, 7: D(10)}


def test_the_same_reading_again_is_unchanged_a_different_one_a_conflict() -> None:
    store = MemoryStore([meter()])
    store.check([reading(0, "5")])

    checked = store.check([reading(0, "5.00"), reading(0, "6"), reading(1, "7"), reading(1, "7")])

    assert checked.unchanged == [0, 3]  # the same day twice in one batch: the first is stored
    assert codes(checked) == [(1, "conflicting_reading")]
    assert "已有不同的读数（总 5 kWh），与本行的 6 kWh 不符" in checked.rejected[0].reason.message


def test_a_register_rolls_over_but_no_faster_than_the_daily_maximum_for_each_day_between() -> None:
    store = MemoryStore([meter(start="999990")])
    store.check([reading(0, "999995"), reading(1, "3")])
    assert store.energies() == {0: D(5), 1: D(8)}

    checked = store.check([reading(3, "1004")])

    assert codes(checked) == [(0, "impossible_daily_energy")]
    assert "2 天电量 1001 kWh 超过上限 1000 kWh" in checked.rejected[0].reason.message


def test_time_of_use_registers_each_move_forward_and_fit_in_the_total() -> None:
    store = MemoryStore([meter()])
    store.check([reading(0, "100", sharp="10", peak="30", flat="40", valley="20")])

    checked = store.check([
        reading(1, "112", sharp="11", peak="34", flat="44", valley="23"),
        reading(2, "115", sharp="15", peak="35", flat="45", valley="24"),
        reading(3, "120", sharp="10", peak="35", flat="45", valley="24"),
    ])

    assert codes(checked) == [(1, "tou_exceeds_total"), (2, "reading_goes_backwards")]
    energy = checked.accepted[0].energy
    assert energy == DayEnergy(D(12), {TouPeriod.SHARP: D(1), TouPeriod.PEAK: D(4), TouPeriod.FLAT: D(4),
                                       TouPeriod.VALLEY: D(3)})


def test_a_stored_reading_that_waited_gets_its_energy_when_the_day_before_comes() -> None:
    store = MemoryStore([meter()])
    store.check([reading(0, "5"), reading(2, "12")])

    checked = store.check([reading(1, "8.25")])

    assert [(f.day, f.energy.total_kwh) for f in checked.energies_found] == [(day(2), D("3.75"))]
    assert store.energies() == {0: D(5), 1: D("3.25"), 2: D("3.75")}


OLD = meter(1, meter_no="M1", removed_on=day(2), final="25")
NEW = meter(2, meter_no="N1", installed_on=day(2), start="100")


def test_on_a_replacement_day_the_old_meters_use_is_part_of_the_days_energy() -> None:
    store = MemoryStore([OLD, NEW])

    store.check([reading(2, "103.5", "N1"), reading(3, "110", "N1"), reading(1, "20", "M1")])

    # 5 kWh on the old meter (25 − 20) and 3.5 on the new one (103.5 − 100).
    assert store.energies(2) == {2: D("8.5"), 3: D("6.5")}


def test_a_replacement_day_waits_for_the_old_meters_last_reading_which_must_lead_to_its_final() -> None:
    store = MemoryStore([OLD, NEW])
    store.check([reading(2, "103.5", "N1")])
    assert store.energies(2) == {2: None}

    assert codes(store.check([reading(1, "26", "M1")])) == [(0, "reading_goes_backwards")]
    checked = store.check([reading(1, "20", "M1")])

    assert [(f.meter.meter_no, f.day, f.energy.total_kwh) for f in checked.energies_found] == [("N1", day(2), D("8.5"))]
    assert store.energies(2) == {2: D("8.5")}


# Properties over one account's meter, or two when it was replaced: its true registers day by day, and rows of them.

@dataclass(frozen=True)
class Account:
    meters: list[RegisteredMeter]
    truth: dict[tuple[str, int], D]  # (meter_no, day) → total register at the day's end
    used: dict[int, D]  # day → energy


@st.composite
def accounts(draw: st.DrawFn) -> Account:
    days = draw(st.integers(min_value=2, max_value=10))
    used = {n: D(draw(st.integers(min_value=0, max_value=50_000))).scaleb(-2) for n in range(days)}  # ≤ 500 kWh
    start = D(draw(st.sampled_from([0, 12_345, 99_998_000]))).scaleb(-2)  # near the limit: it rolls over
    replaced_on = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=days - 1)))
    truth: dict[tuple[str, int], D] = {}
    total = start
    if replaced_on is None:
        for n in range(days):
            total = (total + used[n]) % LIMIT
            truth["M1", n] = total
        return Account([meter(start=str(start))], truth, used)
    for n in range(replaced_on):
        total = (total + used[n]) % LIMIT
        truth["M1", n] = total
    old_part = D(draw(st.integers(min_value=0, max_value=int(used[replaced_on] * 100)))).scaleb(-2)
    final = (total + old_part) % LIMIT
    new_start = D(draw(st.integers(min_value=0, max_value=100_000))).scaleb(-2)
    total = new_start + used[replaced_on] - old_part
    truth["N1", replaced_on] = total
    for n in range(replaced_on + 1, days):
        total += used[n]
        truth["N1", n] = total
    meters = [meter(1, meter_no="M1", start=str(start), removed_on=day(replaced_on), final=str(final)),
              meter(2, meter_no="N1", installed_on=day(replaced_on), start=str(new_start))]
    return Account(meters, truth, used)


def true_rows(account: Account) -> list[MeterReading]:
    return [MeterReading(meter_no=m, day=day(n), registers=Registers(total)) for (m, n), total in account.truth.items()]


@st.composite
def any_rows(draw: st.DrawFn, account: Account) -> list[MeterReading]:
    """True readings, some twice, some missing, some wrong: off by a little or a lot, of another meter or day."""
    truth = list(account.truth.items())
    rows = []
    for _ in range(draw(st.integers(min_value=0, max_value=14))):
        (meter_no, n), total = draw(st.sampled_from(truth))
        total += D(draw(st.sampled_from([0, 0, 0, 1, -1, 100_000, -100_000]))).scaleb(-2)
        meter_no = draw(st.sampled_from([meter_no, meter_no, "M1", "N1", "X1"]))
        n += draw(st.sampled_from([0, 0, 0, -1, 1, -3]))
        rows.append(MeterReading(meter_no=meter_no, day=day(n), registers=Registers(max(total, D(0)) % LIMIT)))
    return rows


def outcome(checked: ReadingsChecked) -> dict[int, str]:
    found = {r.row: r.reason.code for r in checked.rejected}
    found.update({row: "unchanged" for row in checked.unchanged})
    return found


@given(data=st.data())
def test_rows_accepted_one_at_a_time_or_all_at_once_give_the_same_result(data: st.DataObject) -> None:
    account = data.draw(accounts())
    rows = data.draw(any_rows(account))
    at_once, one_by_one = MemoryStore(account.meters), MemoryStore(account.meters)

    together = outcome(at_once.check(rows))
    # One at a time in the order the check takes a batch: each meter's days in order, the first row of a day first.
    order = sorted(range(len(rows)), key=lambda i: (rows[i].meter_no, rows[i].day, i))
    alone = {}
    for i in order:
        if (reason := outcome(one_by_one.check([rows[i]])).get(0)) is not None:
            alone[i] = reason

    assert alone == together
    assert one_by_one.readings == at_once.readings


@given(data=st.data())
def test_true_readings_in_any_order_and_batches_give_every_days_energy(data: st.DataObject) -> None:
    account = data.draw(accounts())
    rows = data.draw(st.permutations(true_rows(account)))
    rows = [r for r in rows if data.draw(st.booleans(), label=f"read {r.meter_no} {r.day}") or len(rows) < 3]
    cuts = sorted(data.draw(st.lists(st.integers(min_value=0, max_value=len(rows)), max_size=4)))
    store = MemoryStore(account.meters)

    for start, end in zip([0, *cuts], [*cuts, len(rows)], strict=True):
        assert store.check(rows[start:end]).rejected == []

    all_at_once = MemoryStore(account.meters)
    all_at_once.check(rows)
    assert store.readings == all_at_once.readings
    read = {(r.meter_no, (r.day - DAY0).days) for r in rows}
    ids = {m.meter_no: m.id for m in account.meters}
    for (meter_no, n) in read:
        _, energy = store.readings[ids[meter_no], day(n)]
        replaced = meter_no == "N1" and n == (account.meters[1].installed_on - DAY0).days
        # A day's energy is known once the day before is read: on the meter itself, or the old one's on a replacement.
        day_before_read = n == 0 or ("M1" if replaced else meter_no, n - 1) in read
        assert (energy is not None) == day_before_read, (meter_no, n)
        if energy is not None:
            assert energy.total_kwh == account.used[n]
