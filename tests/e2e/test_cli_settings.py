"""A GRIDPAY_* value gridpay cannot use stops a process as it starts, in one Chinese line naming the variable: no
traceback, no crash report, nothing done to the database."""

import os
import subprocess
import sys
from pathlib import Path

from tests.support.cli import GRIDPAY

FIX = "：请改正，或删去这个环境变量以用默认值。"


def user_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDPAY_")}
    return {**env, "GRIDPAY_SMS_FILE": str(tmp_path / "sms.jsonl"), "GRIDPAY_LOG_DIR": str(tmp_path / "logs"),
            **extra}


def test_a_command_refuses_a_bad_value_in_one_line_before_it_opens_the_database(tmp_path: Path) -> None:
    env = user_environment(tmp_path, GRIDPAY_AVERAGE_DAYS="a week", GRIDPAY_GATEWAY_WAKE_PORT="0")

    result = subprocess.run([*GRIDPAY, "settle", "--date", "2026-03-01"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=False)

    assert result.returncode == 2
    assert result.stderr == (f"GRIDPAY_AVERAGE_DAYS 应为 1 到 366 之间的整数，而不是 'a week'{FIX}\n"
                             f"GRIDPAY_GATEWAY_WAKE_PORT 应为 1 到 65535 之间的整数，而不是 '0'{FIX}\n")
    assert result.stdout == ""
    assert not (tmp_path / "gridpay.sqlite3").exists()
    assert not (tmp_path / "logs").exists()  # a refusal, not a crash


def test_a_wsgi_server_cannot_load_the_application_with_a_bad_value(tmp_path: Path) -> None:
    env = user_environment(tmp_path, GRIDPAY_TLS="yes", GRIDPAY_SECRET_KEY="k" * 10 + "-settings-test-" + "q" * 30)

    loaded = subprocess.run([sys.executable, "-c", "import gridpay.config.wsgi"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=False)

    assert loaded.returncode != 0
    assert loaded.stderr.endswith(f"SettingInvalid: GRIDPAY_TLS 应为 0（关）或 1（开），而不是 'yes'{FIX}\n")
