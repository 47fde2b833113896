"""`gridpay demo` as a user runs it: the console script in an empty directory makes gridpay.sqlite3 there."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import GRIDPAY

pytestmark = pytest.mark.dates


def gridpay(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GRIDPAY_DATABASE_URL"}
    return subprocess.run(
        [*GRIDPAY, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def stages(stderr: str) -> list[str]:
    """The stages the demo said it ended, with how far each went (its time, in seconds, varies)."""
    return [m[1] for line in stderr.splitlines() if (m := re.fullmatch(r"(.+) [\d.]+ 秒", line))]


def summary(output: str) -> list[str]:
    """The summary's lines, from the one naming the town and its days on."""
    lines = output.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("码头镇演示数据")) :]


def test_the_demo_builds_the_town_in_the_current_directory_and_a_rerun_repeats_it(tmp_path: Path) -> None:
    first = gridpay("demo", "--households", "50", "--days", "5", cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert (tmp_path / "gridpay.sqlite3").exists()
    out = first.stdout
    assert "码头镇" in out
    for village in ("铺前村", "码头村", "码头社区", "刘林村"):
        assert village in out
    assert "用电户        50 户" in out
    assert "结算电量" in out and "交费" in out and "可用余额为负" in out
    # The schedule's last villages have not converted: postpaid, billed on their reading days.
    assert "后付费        " in out and "码头社区（15 日）" in out and "码头社区*" in out
    assert "电费账单      " in out and "违约金        已计" in out and "停电催费      " in out
    # Piped, without the progress bars a terminal shows, each stage still says when it ends.
    said = stages(first.stderr)
    assert said[0].startswith("建库/迁移 ")
    assert said[1:] == ["开户 50/50 户", "模拟：交费、读数、结算 5/5 天", "风险评分", "汇总"]

    again = gridpay("demo", cwd=tmp_path)

    assert again.returncode == 0, again.stderr
    assert "已有演示镇（50 户）" in again.stdout
    assert summary(again.stdout) == summary(out)
    # The schema was up to date: no stage for it.
    assert stages(again.stderr) == ["开户 50/50 户", "模拟：交费、读数、结算 5/5 天", "风险评分", "汇总"]


def test_a_demo_town_of_other_parameters_is_refused_with_a_message(tmp_path: Path, migrated_here: Path) -> None:
    assert gridpay("demo", "--households", "30", "--days", "2", cwd=tmp_path).returncode == 0

    other = gridpay("demo", "--households", "30", "--days", "2", "--seed", "99", cwd=tmp_path)

    assert other.returncode != 0
    assert "--seed 99" in other.stderr
    assert "GRIDPAY_DATABASE_URL" in other.stderr


def test_gridpay_alone_lists_its_own_commands_in_chinese_and_touches_no_database(tmp_path: Path) -> None:
    for args in ((), ("--help",)):
        result = gridpay(*args, cwd=tmp_path)

        assert result.returncode == 0, result.stderr
        assert "电力智能交费" in result.stdout
        for command in ("demo", "accounts", "readings", "settle", "bill", "payments", "api-token"):
            assert f"\n  {command} " in result.stdout
        assert "contenttypes" not in result.stdout and "sqlflush" not in result.stdout
    assert not (tmp_path / "gridpay.sqlite3").exists()


def test_an_unreachable_database_is_one_chinese_line_with_the_password_masked(tmp_path: Path) -> None:
    env = {**os.environ, "GRIDPAY_DATABASE_URL": "postgresql://staff:s3cret@127.0.0.1:1/gridpay"}
    result = subprocess.run(
        [*GRIDPAY, "settle", "--date", "2025-01-01"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("数据库出错（GRIDPAY_DATABASE_URL=postgresql://staff:***@127.0.0.1:1/gridpay）")
    assert "Traceback" not in result.stderr and "s3cret" not in result.stderr
