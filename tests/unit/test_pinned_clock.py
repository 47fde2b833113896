"""The tests' own guard rails: every test on the pinned clock (its commands too), the real clock refused, the
working directory left as it was."""

import subprocess
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.support.cli import GRIDPAY
from tests.support.clock import FakeClock, pinned_day, pinned_instant
from tests.support.wall_clock import wall_clock_reads
from tests.support.working_directory import changes_since, snapshot


def test_a_test_and_its_code_see_the_pinned_day(clock: FakeClock) -> None:
    from gridpay.interfaces import clock as system_clock

    assert clock.today() == pinned_day() == system_clock.today()
    assert abs(clock.now() - pinned_instant()) < timedelta(minutes=5)
    clock.advance(days=3)
    assert system_clock.today() == pinned_day() + timedelta(days=3)


def test_a_gridpay_command_started_by_a_test_runs_on_its_clock(tmp_path: Path, clock: FakeClock) -> None:
    clock.instant = pinned_instant() + timedelta(days=400)
    today = clock.today()
    refused = subprocess.run([*GRIDPAY, "settle", "--date", str(today)], cwd=tmp_path, capture_output=True,
                             text=True, check=False)
    assert refused.returncode != 0
    assert f"{today} 还没有过完（今天是 {today}）" in refused.stderr


@pytest.mark.parametrize("line", [
    "datetime.now(UTC)", "datetime.datetime.now()", "date.today()", "timezone.now()", "time.time()",
    "datetime.utcnow()", "time_machine.escape_hatch.time.time()", 'Path(sys.executable).with_name("gridpay")',
    "dt.now()", "tz.now()", "now()", "clock_time()", "t.time()",
])
def test_a_test_that_reads_the_real_clock_is_found(tmp_path: Path, line: str) -> None:
    module = tmp_path / "tests" / "test_example.py"
    module.parent.mkdir()
    module.write_text(textwrap.dedent(f"""
        from datetime import datetime as dt
        from django.utils import timezone as tz
        from django.utils.timezone import now
        from time import time as clock_time
        import time as t
        def test_something():
            when = {line}
    """), encoding="utf-8")
    found = wall_clock_reads(module, root=tmp_path)
    assert {read.line for read in found} == {8}


def test_the_clock_fixture_and_other_times_are_not_reads_of_the_real_clock(tmp_path: Path) -> None:
    module = tmp_path / "tests" / "test_example.py"
    module.parent.mkdir()
    source = "def test_it(clock):\n    return clock.now(), clock.today(), date(2026, 1, 1), time.monotonic()\n"
    module.write_text(source, encoding="utf-8")
    assert wall_clock_reads(module, root=tmp_path) == []


def test_files_added_changed_or_removed_in_the_working_directory_are_named(tmp_path: Path) -> None:
    (tmp_path / "kept.txt").write_text("a", encoding="utf-8")
    (tmp_path / "changed.txt").write_text("a", encoding="utf-8")
    (tmp_path / "removed.txt").write_text("a", encoding="utf-8")
    (tmp_path / ".venv").mkdir()
    before = snapshot(tmp_path)
    (tmp_path / "changed.txt").write_text("ab", encoding="utf-8")
    (tmp_path / "removed.txt").unlink()
    (tmp_path / "added.jsonl").write_text("{}", encoding="utf-8")
    (tmp_path / ".venv" / "ignored").write_text("x", encoding="utf-8")
    assert changes_since(before, tmp_path) == ["+added.jsonl", "-removed.txt", "changed.txt"]


def test_pinned_dates_are_the_days_rules_break_on() -> None:
    from tests.support.clock import PINNED_DATES

    assert PINNED_DATES["tuesday"].weekday() == 1
    assert PINNED_DATES["saturday"].weekday() == 5 and PINNED_DATES["sunday"].weekday() == 6
    assert PINNED_DATES["leap-day"] == date(2028, 2, 29)
    assert (PINNED_DATES["new-years-eve"].month, PINNED_DATES["new-years-eve"].day) == (12, 31)
    assert PINNED_DATES["national-day-eve"] + timedelta(days=1) == date(PINNED_DATES["national-day-eve"].year, 10, 1)
