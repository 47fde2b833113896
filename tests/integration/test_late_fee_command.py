"""`gridpay late-fee quote` as a person types it: the fee with its lines in Chinese or JSON, the utility's rates from
the settings, and a refusal naming the option. A calculator: it opens no database (these tests are not allowed one)."""

import json
import os
import subprocess
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import GRIDPAY, run_in_process

YEAR_CROSSING = ("late-fee", "quote", "--category", "other", "--principal-fen", "50000", "--bill-month", "2026-12",
                 "--due", "2026-12-20", "--paid-on", "2027-01-10")
UNDER_ONE_YUAN = ("late-fee", "quote", "--category", "residential", "--principal-fen", "10000", "--bill-month",
                  "2026-02", "--due", "2026-03-15", "--paid-on", "2026-03-20")


def test_the_json_carries_the_fee_its_lines_and_the_rates(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_in_process(capsys, *YEAR_CROSSING, "--json")

    assert done.returncode == 0, done.stderr
    quote = json.loads(done.stdout)
    # 11 days × 2‰ × 50000 = 1100 fen, then 10 days × 3‰ × 50000 = 1500 fen.
    assert (quote["late_fee_fen"], quote["days"], quote["exact_yuan"], quote["minimum_applied"]) == (2600, 21, "26.00",
                                                                                                      False)
    assert [(x["first_day"], x["last_day"], x["days"], x["base_fen"], x["per_mille"], x["exact_yuan"])
            for x in quote["lines"]] == [("2026-12-21", "2026-12-31", 11, 50000, "2", "11.00"),
                                         ("2027-01-01", "2027-01-10", 10, 50000, "3", "15.00")]
    assert quote["rates"] == {"residential_per_mille": "1", "other_per_mille": "2", "other_later_year_per_mille": "3",
                              "minimum_fen": 100}


def test_the_text_shows_each_line_the_exact_total_and_the_one_yuan_minimum(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_in_process(capsys, *UNDER_ONE_YUAN)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "居民电费违约金试算：2026-02 电费，本金 100.00 元，到期日 2026-03-15，缴费日 2026-03-20",
        "逾期 5 天",
        "2026-03-16 至 2026-03-20  5 天 × 100.00 元 × 1‰ = 0.50 元",
        "精确合计 0.50 元，按分四舍五入 0.50 元",
        "违约金 1.00 元（100 分）",
        "最低收取额 1.00 元：已适用（不足 1.00 元按 1.00 元收取）",
    ]
    year_crossing = run_in_process(capsys, *YEAR_CROSSING).stdout
    assert "2027-01-01 至 2027-01-10  10 天 × 500.00 元 × 3‰ = 15.00 元" in year_crossing
    assert "违约金 26.00 元（2600 分）\n最低收取额 1.00 元：未适用" in year_crossing


def test_paid_by_the_due_date_owes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_in_process(capsys, "late-fee", "quote", "--category", "residential", "--principal-fen", "10000",
                          "--bill-month", "2026-02", "--due", "2026-03-15", "--paid-on", "2026-03-15")

    assert done.stdout.splitlines()[1:] == ["缴费日不晚于到期日：逾期 0 天，不收违约金", "违约金 0.00 元（0 分）"]


def test_the_rates_and_the_minimum_are_the_utilitys_settings(capsys: pytest.CaptureFixture[str],
                                                              settings: Any) -> None:
    settings.GRIDPAY = replace(settings.GRIDPAY, late_fee_residential_per_mille=Decimal("1.25"),
                               late_fee_minimum_one_yuan=False)

    done = run_in_process(capsys, *UNDER_ONE_YUAN, "--json")
    quote = json.loads(done.stdout)
    # 5 days × 1.25‰ × 10000 = 62.5 fen → 63 fen, and no minimum.
    assert (quote["exact_yuan"], quote["late_fee_fen"], quote["rates"]["residential_per_mille"],
            quote["rates"]["minimum_fen"]) == ("0.625", 63, "1.25", 0)
    text = run_in_process(capsys, *UNDER_ONE_YUAN).stdout
    assert "× 1.25‰ = 0.625 元" in text and text.endswith("最低收取额：未启用（GRIDPAY_LATE_FEE_MINIMUM_ONE_YUAN）\n")


@pytest.mark.parametrize(("option", "value", "refusal"), [
    ("--category", "industrial",
     "--category：用户类别应为 residential（居民）或 other（非居民），而不是 'industrial' [invalid_late_fee_input]"),
    ("--principal-fen", "-100", "--principal-fen：未缴本金应为非负整数分，而不是 -100 [invalid_late_fee_input]"),
    ("--principal-fen", "100.00", "--principal-fen 应为整数分（如 10000 即 100.00 元），而不是 '100.00'"),
    ("--due", "2026-01-31", "--due：到期日 2026-01-31 早于账单月份 2026-02 [invalid_late_fee_input]"),
    ("--due", "2026-02-30", "--due 应为日期 YYYY-MM-DD，而不是 '2026-02-30'"),
    ("--paid-on", "yesterday", "--paid-on 应为日期 YYYY-MM-DD，而不是 'yesterday'"),
    ("--bill-month", "2026-2", "--bill-month 应为月份 YYYY-MM，而不是 '2026-2'"),
])
def test_bad_input_is_refused_in_one_line_naming_the_option(capsys: pytest.CaptureFixture[str], option: str,
                                                            value: str, refusal: str) -> None:
    arguments = list(UNDER_ONE_YUAN)
    arguments[arguments.index(option) + 1] = value

    done = run_in_process(capsys, *arguments, "--json")

    assert (done.returncode, done.stdout, done.stderr) == (1, "", refusal + "\n")


def test_the_command_is_listed_and_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    listed = run_in_process(capsys, "--help")
    assert "  late-fee         电费违约金：quote 违约金试算（后付费电费逾期缴纳）" in listed.stdout

    helped = run_in_process(capsys, "late-fee", "--help")
    assert helped.returncode == 0 and "违约金试算" in helped.stdout
    options = run_in_process(capsys, "late-fee", "quote", "--help")
    assert options.returncode == 0
    assert all(name in options.stdout for name in ("--category", "--principal-fen", "--bill-month", "--due",
                                                   "--paid-on", "--json"))


def test_the_console_script_quotes_and_refuses_without_writing_a_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GRIDPAY_DATABASE_URL"}

    quoted = subprocess.run([*GRIDPAY, *YEAR_CROSSING], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    refused = subprocess.run([*GRIDPAY, *UNDER_ONE_YUAN[:-1], "2026-03-32"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120, check=False)

    assert quoted.returncode == 0 and "违约金 26.00 元（2600 分）" in quoted.stdout
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == "--paid-on 应为日期 YYYY-MM-DD，而不是 '2026-03-32'\n"
    assert list(tmp_path.iterdir()) == []  # neither a database nor its key file: a calculator opens neither
