"""The `gridpay tariff`, `settle` and `bill` commands, as a user types them."""

import json
import os
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridpay.data.models import LedgerAccount, MonthlyBill
from tests.support.accounts import enrol
from tests.support.cli import GRIDPAY, run_in_process
from tests.support.readings import add_readings


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GRIDPAY_DATABASE_URL"}
    return subprocess.run([*GRIDPAY, *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)


def test_the_tariff_calculator_prints_the_issue_example(tmp_path: Path, migrated_here: Path) -> None:
    done = run(tmp_path, "tariff", "quote", "--tariff", "zj-resident-2024", "--used-kwh", "2700", "--kwh", "100")
    assert done.returncode == 0, done.stderr
    assert "60.00 kWh × 0.5380" in done.stdout and "40.00 kWh × 0.5880" in done.stdout
    assert "电费 55.80 元（5580 分）" in done.stdout


@pytest.mark.django_db
def test_a_line_shows_its_amount_to_the_fen_at_least_and_exactly(
    zj_tariff: str, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = run_in_process(capsys, "tariff", "quote", "--tariff", "zj-resident-2024", "--kwh", "100")
    assert "100.00 kWh × 0.5380 元/kWh = 53.80 元" in whole.stdout
    exact = run_in_process(capsys, "tariff", "quote", "--tariff", "zj-resident-2024", "--kwh", "10.07")
    assert "10.07 kWh × 0.5380 元/kWh = 5.41766 元" in exact.stdout and "电费 5.42 元" in exact.stdout


@pytest.mark.django_db
def test_the_tariff_calculator_speaks_json_and_refuses_bad_input(
    zj_tariff: str, capsys: pytest.CaptureFixture[str]
) -> None:
    done = run_in_process(
        capsys, "tariff", "quote", "--tariff", "zj-resident-2024", "--kwh", "10", "--peak-kwh", "6",
        "--valley-kwh", "4", "--json",
    )  # fmt: skip
    quote = json.loads(done.stdout)
    assert quote["charge_fen"] == 456
    assert [(line["period"], line["energy_kwh"]) for line in quote["lines"]] == [("peak", "6.00"), ("valley", "4.00")]

    bad = run_in_process(capsys, "tariff", "quote", "--tariff", "zj-resident-2024", "--kwh", "1.234")
    assert bad.returncode != 0 and "最多 2 位小数" in bad.stderr
    unknown = run_in_process(capsys, "tariff", "quote", "--tariff", "nope", "--kwh", "1")
    assert unknown.returncode != 0 and "unknown_tariff" in unknown.stderr


@pytest.mark.django_db
def test_settle_then_bill_from_the_command_line(zj_tariff: str, capsys: pytest.CaptureFixture[str]) -> None:
    account = enrol(1)
    add_readings(account, first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 31)

    call_command("settle", "--through", "2025-01-31")
    out = capsys.readouterr().out
    assert "2025-01-01：结算 1 户" in out and "2025-01-31：结算 1 户" in out
    assert "已经结算过" not in out
    call_command("settle", "--date", "2025-01-31")
    assert "2025-01-31：结算 0 户" in (again := capsys.readouterr().out) and "该日已经结算过" in again
    assert "该日没有智能交费户的读数" not in again
    call_command("settle", "--date", "2024-12-31")
    assert "2024-12-31：结算 0 户" in (before := capsys.readouterr().out) and "  · 该日没有智能交费户的读数" in before
    assert LedgerAccount.objects.get(id=account.ledger_account_id).balance_fen == 10_000 - 16_678  # 310 kWh × 0.538

    call_command("accounts", "show", account.account_no)
    shown = "".join(capsys.readouterr().out.split())  # as one line, however the table wraps it
    assert "两者差额166.78元：2025-01-01起的日结电费，待月度电费发行（尚未发行过）" in shown
    call_command("bill", "--account", account.account_no, "--month", "2025-01")
    assert "电费 166.78 元" in capsys.readouterr().out
    call_command("accounts", "show", account.account_no)
    assert "两者差额" in capsys.readouterr().out.split("无：没有待发行月度电费的每日电费")[0]
    assert MonthlyBill.objects.get(account=account).adjustment_fen == 0

    with pytest.raises(CommandError, match="月份格式"):
        call_command("bill", "--account", account.account_no, "--month", "January")
    with pytest.raises(CommandError, match="只能结算已经过去的日期"):
        call_command("settle", "--date", "2999-01-01")


@pytest.mark.django_db
def test_without_an_account_the_months_bills_of_every_prepaid_account_are_issued(
    zj_tariff: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for number in (1, 2):
        add_readings(enrol(number), first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 31)
    add_readings(enrol(3), first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 30)  # 31 January not read yet
    call_command("settle", "--through", "2025-01-31")
    capsys.readouterr()

    done = run_in_process(capsys, "bill", "--month", "2025-01")
    assert done.returncode == 0, done.stderr
    assert "2025-01 月度电费发行 2 户，电费 333.56 元" in done.stdout
    assert "1 户这个月还有未结算的日期，未发行" in done.stdout
    again = run_in_process(capsys, "bill", "--month", "2025-01", "--json")
    assert json.loads(again.stdout)["issued"] == 0 and MonthlyBill.objects.count() == 2

