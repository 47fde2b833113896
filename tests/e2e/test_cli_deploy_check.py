"""The production environment of the README passes Django's deploy check with no warning, each of its variables is
needed for that, and behind the proxy the TLS switch does what it says (redirect, HSTS, secure cookies)."""

import os
import re
import secrets
import subprocess
from pathlib import Path

import pytest
import requests

from tests.support.cli import GRIDPAY, ROOT
from tests.support.serving import free_port, serving

# README, "Production": every gridpay process gets this environment (the database is not opened by the check).
PRODUCTION = {
    "GRIDPAY_DATABASE_URL": "postgresql://gridpay@db-host:5432/gridpay",
    "GRIDPAY_SECRET_KEY": secrets.token_urlsafe(50),
    "GRIDPAY_ALLOWED_HOSTS": "jf.example.cn",
    "GRIDPAY_TLS": "1",
    "GRIDPAY_DEBUG": "0",
    "GRIDPAY_UTILITY_NAME": "示例县供电公司",
    "GRIDPAY_CLIENT_ADDRESS_HEADER": "X-Real-IP",
}


def deploy_check(environment: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDPAY_")}
    return subprocess.run([*GRIDPAY, "check", "--deploy", "--fail-level", "WARNING"], cwd=cwd,
                          env={**env, **environment}, capture_output=True, text=True, timeout=120, check=False)


def test_the_documented_production_environment_passes_the_deploy_check_with_no_warning(tmp_path: Path) -> None:
    result = deploy_check(PRODUCTION, tmp_path)

    assert result.returncode == 0, result.stderr
    # HSTS preload (security.W021) is silenced on purpose: ADR 0007.
    assert result.stdout == "System check identified no issues (1 silenced).\n"
    assert result.stderr == ""
    assert not list(tmp_path.iterdir())


def test_the_readme_lists_exactly_that_environment() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]

    listed = re.findall(r"^\| `(GRIDPAY_[A-Z_]+)` \|", section, flags=re.MULTILINE)

    assert sorted(listed) == sorted(PRODUCTION)


@pytest.mark.parametrize(("change", "issues"), [
    ({"GRIDPAY_TLS": "0"}, {"security.W004", "security.W008", "security.W012", "security.W016"}),
    ({"GRIDPAY_SECRET_KEY": ""}, {"security.W009", "gridpay.E002"}),
    ({"GRIDPAY_DEBUG": "1"}, {"security.W018"}),
    ({"GRIDPAY_ALLOWED_HOSTS": ""}, {"security.W020"}),
    ({"GRIDPAY_UTILITY_NAME": ""}, {"gridpay.E003"}),  # the demo's 供电公司 would go on the receipts
    ({"GRIDPAY_CLIENT_ADDRESS_HEADER": ""}, {"gridpay.E003"}),  # every customer would have the proxy's address
])
def test_each_variable_is_needed(change: dict[str, str], issues: set[str], tmp_path: Path) -> None:
    result = deploy_check({**PRODUCTION, **change}, tmp_path)

    assert result.returncode == 1
    assert set(re.findall(r"\((security\.W\d+|gridpay\.E\d+)\)", result.stderr)) == issues


def test_behind_the_proxy_plain_http_is_redirected_and_https_gets_hsts_and_secure_cookies(
    tmp_path: Path, migrated_here: Path
) -> None:
    """The embedded default with the TLS switch: the proxy says https in X-Forwarded-Proto."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDPAY_")}
    env.update(GRIDPAY_TLS="1", GRIDPAY_ALLOWED_HOSTS="jf.example.cn", GRIDPAY_SMS_FILE=str(tmp_path / "sms.jsonl"))
    port = free_port()
    arguments = ("serve", "--port", str(port), "--workers", "1", "--threads", "1", "--quiet")
    with serving(*arguments, port=port, cwd=tmp_path, env=env) as base:
        host = {"Host": "jf.example.cn"}
        plain = requests.get(f"{base}/login/", headers=host, allow_redirects=False, timeout=30)
        secure = requests.get(f"{base}/login/", headers={**host, "X-Forwarded-Proto": "https"}, timeout=30)

    assert plain.status_code == 301 and plain.headers["Location"] == "https://jf.example.cn/login/"
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert secure.headers["X-Frame-Options"] == "DENY"
    assert "; Secure" in secure.headers["Set-Cookie"]
