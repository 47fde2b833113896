"""No default secret key, as users meet it: the demo keeps a key of its own with no configuration, while serving
and jobs on PostgreSQL without GRIDPAY_SECRET_KEY, or with a weak one, refuse at once in one Chinese line."""

import csv
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from gridpay.data.embedded_secret_key import KEY_FILE_NAME
from gridpay.demo.sign_ins import DEMO_PASSWORD
from tests.support.cli import GRIDPAY
from tests.support.serving import free_port, serving

GENERATE = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'
MISSING = f"未设置 GRIDPAY_SECRET_KEY：使用 PostgreSQL 时必须设置这个密钥，可用 {GENERATE} 生成一个。\n"
# Nothing listens there: a command that refuses on this database has not touched it.
NOWHERE = "postgresql://gridpay@127.0.0.1:1/gridpay"


def user_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A user's shell: no GRIDPAY_* at all (the tests' own SMS file aside), so the embedded default."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDPAY_")}
    return {**env, "GRIDPAY_SMS_FILE": str(tmp_path / "sms.jsonl"), **extra}


def gridpay(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GRIDPAY, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


@pytest.mark.dates
def test_the_demo_keeps_a_generated_key_beside_its_database_and_serves_with_no_configuration(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("home")  # the user's home folder, which serving leaves as it found it
    env = {k: v for k, v in user_environment(tmp_path, HOME=str(home)).items() if k != "XDG_RUNTIME_DIR"}
    for asking in (["--help"], ["serve", "--help"]):
        assert gridpay(*asking, cwd=tmp_path, env=env).returncode == 0
    assert not list(tmp_path.iterdir())  # asking for help creates nothing

    built = gridpay("demo", "--households", "50", "--days", "5", cwd=tmp_path, env=env)

    assert built.returncode == 0, built.stderr
    key_file = tmp_path / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text(encoding="ascii")
    assert len(key.strip()) >= 50

    # A card issued by one command is redeemed by another: both digest its PIN with the kept key.
    issued = gridpay("cards", "issue", "--batch", "T1", "--count", "1", "--face-value-fen", "5000", "--expires",
                     "2099-12-31", "--out", str(tmp_path / "cards.csv"), "--by", "制卡员", cwd=tmp_path, env=env)
    assert issued.returncode == 0, issued.stderr
    with (tmp_path / "cards.csv").open(encoding="utf-8") as handle:
        card = next(csv.DictReader(handle))
    with sqlite3.connect(tmp_path / "gridpay.sqlite3") as db:
        (account_no,) = db.execute("SELECT account_no FROM gridpay_account ORDER BY account_no LIMIT 1").fetchone()
    redeemed = gridpay("cards", "redeem", "--account", account_no, "--serial", card["serial"], "--pin", card["pin"],
                       cwd=tmp_path, env=env)
    assert redeemed.returncode == 0, redeemed.stderr
    assert "已充值" in redeemed.stdout

    port = free_port()
    # Ports of its own for the head-end the served demo runs: tests run two at a time.
    env.update(GRIDPAY_EMBEDDED_MQTT_PORT=str(free_port()), GRIDPAY_GATEWAY_WAKE_PORT=str(free_port()))
    with (
        serving("demo", "--serve", "--port", str(port), port=port, cwd=tmp_path, env=env) as base,
        requests.Session() as web,
    ):
        login = web.get(f"{base}/login/", timeout=30)
        assert login.status_code == 200
        assert login.headers["X-Frame-Options"] == "DENY"
        signed_in = web.post(f"{base}/login/", timeout=30, data={
            "username": "cashier", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": web.cookies["csrftoken"],
        })
        # The session cookie, signed with the kept key, lets the cashier in.
        assert signed_in.status_code == 200 and signed_in.url == f"{base}/"
        assert "营业员小林" in signed_in.text

    assert key_file.read_text(encoding="ascii") == key
    assert not list(home.iterdir())  # gunicorn's control socket would be $HOME/.gunicorn/gunicorn.ctl


@pytest.mark.parametrize("command", [["serve"], ["serve", "--host", "0.0.0.0"], ["worker"]])
def test_on_postgresql_without_a_key_serving_and_jobs_refuse_at_once_in_one_line(
    command: list[str], tmp_path: Path
) -> None:
    result = gridpay(*command, cwd=tmp_path, env=user_environment(tmp_path, GRIDPAY_DATABASE_URL=NOWHERE))

    assert result.returncode == 2
    assert result.stderr == MISSING
    assert result.stdout == ""  # gunicorn never started: it would have said where it listens
    assert not list(tmp_path.iterdir())


def test_a_wsgi_server_on_postgresql_without_a_key_cannot_load_the_application(tmp_path: Path) -> None:
    env = user_environment(tmp_path, GRIDPAY_DATABASE_URL=NOWHERE)

    loaded = subprocess.run([sys.executable, "-c", "import gridpay.config.wsgi"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=False)

    assert loaded.returncode != 0
    assert loaded.stderr.endswith(f"SecretKeyRefused: {MISSING}")


def test_on_postgresql_without_a_key_other_commands_still_run_and_the_deploy_check_refuses(tmp_path: Path) -> None:
    env = user_environment(tmp_path, GRIDPAY_DATABASE_URL=NOWHERE)

    checked = gridpay("check", cwd=tmp_path, env=env)  # the checks every other command passes before it runs
    deploy = gridpay("check", "--deploy", cwd=tmp_path, env=env)

    assert checked.returncode == 0, checked.stderr
    assert deploy.returncode == 1
    assert f"?: (gridpay.E002) {MISSING}" in deploy.stderr  # in the settings' own words, besides Django's W009
    assert "security.W009" in deploy.stderr


@pytest.mark.parametrize("weak", ["gridpay-development-only-secret-key-change-me", "x" * 60])
def test_a_weak_key_is_refused_in_one_line_rather_than_replaced(weak: str, tmp_path: Path) -> None:
    result = gridpay("serve", cwd=tmp_path, env=user_environment(tmp_path, GRIDPAY_SECRET_KEY=weak))

    assert result.returncode == 2
    assert result.stderr == (
        "GRIDPAY_SECRET_KEY 太弱：至少 50 个字符、5 种以上不同字符，且不能是 django-insecure- 开头的临时密钥；"
        f"可用 {GENERATE} 生成一个。\n"
    )
    assert not list(tmp_path.iterdir())  # neither a key file nor a database
