"""`gridpay accounts` and `gridpay readings import`: the real script imports into an embedded database; the
refusals, reports and the account view are the same entry point run in the test's process."""

import json
import os
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gridpay.application.customers.import_accounts import COLUMNS as ACCOUNT_COLUMNS
from gridpay.application.readings.import_readings import COLUMNS as READING_COLUMNS
from gridpay.data.models import Reading
from tests.support.cli import GRIDPAY, Ran, run_in_process

Gridpay = Callable[..., subprocess.CompletedProcess[str] | Ran]


@pytest.fixture
def gridpay_script(tmp_path: Path, migrated_here: Path) -> Gridpay:
    env = {
        **os.environ,
        "GRIDPAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gridpay.sqlite3'}",
        "COLUMNS": "200",  # rich tables one row per line
    }

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*GRIDPAY, *arguments], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
        )

    return run


@pytest.fixture
def gridpay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db: None) -> Gridpay:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    return lambda *arguments: run_in_process(capsys, *arguments)


def count(tmp_path: Path, table: str) -> int:
    with sqlite3.connect(tmp_path / "gridpay.sqlite3") as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def readings_stored() -> int:
    return Reading.objects.count()


def write(tmp_path: Path, name: str, header: tuple[str, ...], *lines: str) -> str:
    (tmp_path / name).write_text("\n".join([",".join(header), *lines]) + "\n", encoding="utf-8")
    return name


def account_line(number: int) -> str:
    return (
        f"33030{number:05d},客户{number},1390000{number:04d},,码头2号台区,码头镇{number}号,prepaid,2025-01-01,"
        f"zj-resident-2024,0,,P{number:08d},{number:012d},total,2024-12-31,0,5000"
    )


def accounts_file(tmp_path: Path) -> str:
    return write(tmp_path, "accounts.csv", ACCOUNT_COLUMNS, account_line(1), account_line(2))


def test_accounts_then_readings_then_the_same_again(gridpay_script: Gridpay, tmp_path: Path) -> None:
    gridpay = gridpay_script
    enrolled = gridpay("accounts", "import", accounts_file(tmp_path))
    assert enrolled.returncode == 0, enrolled.stderr
    assert "新存入 2 行" in enrolled.stdout
    readings = write(
        tmp_path,
        "readings.csv",
        READING_COLUMNS,
        "P00000001,2024-12-31,3.00,,,,",
        "P00000001,2025-01-01,13.00,,,,",
        "P00000002,2024-12-31,1.00,,,,",
    )

    first = gridpay("readings", "import", readings)
    again = gridpay("readings", "import", readings, "--json")

    assert first.returncode == 0, first.stderr
    assert "新存入 3 行" in first.stdout and "拒绝 0 行" in first.stdout
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {"stored": 0, "unchanged": 3, "rejected": []}
    assert count(tmp_path, "gridpay_reading") == 3


def test_rejected_rows_are_listed_the_good_ones_stored_and_the_exit_code_is_1(gridpay: Gridpay, tmp_path: Path) -> None:
    gridpay("accounts", "import", accounts_file(tmp_path))
    readings = write(
        tmp_path,
        "readings.csv",
        READING_COLUMNS,
        "P00000001,2024-12-31,3.00,,,,",
        "X00000009,2024-12-31,3.00,,,,",
        "P00000002,2024-12-31,1.005,,,,",
    )

    result = gridpay("readings", "import", readings)

    assert result.returncode == 1
    assert "新存入 1 行" in result.stdout and "拒绝 2 行" in result.stdout
    lines = result.stdout.splitlines()
    assert any("3" in line and "unknown_meter" in line and "X00000009" in line for line in lines)
    assert any("4" in line and "too_many_decimals" in line for line in lines)
    assert "2 行被拒绝、未存入；其余 1 行已导入" in result.stderr
    assert readings_stored() == 1


def test_only_the_first_50_rejected_rows_are_listed(gridpay: Gridpay, tmp_path: Path) -> None:
    readings = write(tmp_path, "readings.csv", READING_COLUMNS, *(f"X{n:08d},2025-01-01,1.00,,,," for n in range(60)))

    result = gridpay("readings", "import", readings)
    as_json = gridpay("readings", "import", readings, "--json")

    assert result.returncode == 1
    assert "X00000049" in result.stdout and "X00000050" not in result.stdout
    assert "另有 10 行被拒绝未列出" in result.stdout
    assert as_json.returncode == 1
    assert len(json.loads(as_json.stdout)["rejected"]) == 60


def test_an_unusable_file_exits_2_and_writes_nothing(gridpay: Gridpay, tmp_path: Path) -> None:
    gridpay("accounts", "import", accounts_file(tmp_path))
    bad = tmp_path / "bad.csv"
    bad.write_text("meter_no,reading_date,total_kwh\nP00000001,2024-12-31,3.00\n", encoding="utf-8")

    missing_column = gridpay("readings", "import", "bad.csv")
    missing_file = gridpay("readings", "import", "nowhere.csv")
    accounts_missing_file = gridpay("accounts", "import", "nowhere.csv")

    assert missing_column.returncode == 2
    assert "缺少列 sharp_kwh" in missing_column.stderr and "wrong_columns" in missing_column.stderr
    assert missing_file.returncode == 2 and "找不到文件" in missing_file.stderr
    assert accounts_missing_file.returncode == 2
    assert readings_stored() == 0


def test_accounts_show_in_chinese_and_as_json(gridpay: Gridpay, tmp_path: Path) -> None:
    gridpay("accounts", "import", accounts_file(tmp_path))

    shown = gridpay("accounts", "show", "3303000001")
    as_json = gridpay("accounts", "show", "3303000001", "--json")
    unknown = gridpay("accounts", "show", "3303099999")

    assert shown.returncode == 0, shown.stderr
    for label in ("户号", "客户", "账户余额", "可用余额", "最后结算日", "日均电费", "预计可用天数"):
        assert label in shown.stdout
    assert "客户1" in shown.stdout and "50.00 元" in shown.stdout and "P00000001" in shown.stdout
    assert "两者差额" in shown.stdout and "没有待发行月度电费的每日电费" in shown.stdout  # nothing settled yet
    view = json.loads(as_json.stdout)
    assert (view["account_no"], view["balance_fen"], view["meter_no"]) == ("3303000001", 5000, "P00000001")
    assert unknown.returncode == 1 and "unknown_account" in unknown.stderr
