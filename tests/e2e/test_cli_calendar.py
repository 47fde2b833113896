"""`gridpay calendar seed` and `show`, as staff type them (the refusal in the test's process)."""

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import GRIDPAY, run_in_process


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GRIDPAY_DATABASE_URL"}
    return subprocess.run([*GRIDPAY, *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)


def test_seed_a_year_then_list_it_and_seed_again_without_overwriting(tmp_path: Path, migrated_here: Path) -> None:
    seeded = run(tmp_path, "calendar", "seed", "--years", "2025")
    assert seeded.returncode == 0, seeded.stderr
    assert "2025 年：导入" in seeded.stdout

    shown = run(tmp_path, "calendar", "show", "--year", "2025")
    assert "2025-10-01  节假日  国庆节" in shown.stdout
    assert "2025-09-28  调休上班" in shown.stdout

    again = run(tmp_path, "calendar", "seed", "--years", "2025")
    assert "2025 年：日历中已有，保持不变" in again.stdout

    missing = run(tmp_path, "calendar", "show", "--year", "2031")
    assert "2031 年不在日历中：按周一至周五工作日、周末休息处理" in missing.stdout


@pytest.mark.django_db
def test_an_impossible_year_is_refused_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_in_process(capsys, "calendar", "seed", "--years", "1900")
    assert done.returncode != 0
    assert "年份应在 2000 到 2100 之间" in done.stderr
