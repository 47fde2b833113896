"""Every answer says it may not be framed and carries the Content-Security-Policy (issue 19 point 1): scripts only
from gridpay's own files or inline with the answer's nonce, and no template writes a script the policy would block.
(tests/e2e/test_browser_every_page.py opens every page in Chromium and fails on any violation the browser reports.)"""

import re
from pathlib import Path

import pytest
from django.test import Client

from gridpay.application.staff.add_staff import add_staff
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.cli import ROOT

pytestmark = [pytest.mark.django_db]
PASSWORD = "Gridpay-2026!"
TEMPLATES = sorted((ROOT / "src" / "gridpay").rglob("templates/**/*.html"))
# An opening <script> tag, and an inline event handler (onclick=, onchange= ...) anywhere in a tag.
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def policy(header: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def inline_scripts(html: str) -> list[str]:
    """The attributes of each script the browser would run from the page itself (not a src, not JSON data)."""
    return [attributes for attributes in SCRIPT.findall(html)
            if "src=" not in attributes and "application/json" not in attributes]


def staff(role: Role) -> Client:
    add_staff(username=role.value, name=f"{role.label}甲", role=role.value, password=PASSWORD)
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    return client


@pytest.mark.parametrize("path", [
    "/login/", "/portal/", "/api/docs", "/api/docs/try", "/api/openapi.json", "/admin/login/",
    "/no-such-page/",
])
def test_every_answer_forbids_framing_and_carries_the_policy(client: Client, path: str) -> None:
    answer = client.get(path)

    assert answer["X-Frame-Options"] == "DENY"
    directives = policy(answer["Content-Security-Policy"])
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    scripts = [value for value in directives["script-src"] if not value.startswith("'nonce-")]
    assert scripts == ["'self'"]  # neither 'unsafe-inline' nor 'unsafe-eval' nor another site


def test_the_pages_inline_scripts_carry_this_answers_nonce_and_no_other(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=10_000)
    client = staff(Role.CASHIER)
    nonces = set()
    # The dashboard's charts, the account file's usage chart and the counter's form: the pages with inline scripts.
    for path in ("/", "/customers/3301000001/"):
        answer = client.get(path)
        assert answer.status_code == 200
        html = answer.content.decode()
        [nonce] = [value[len("'nonce-"):-1] for value in policy(answer["Content-Security-Policy"])["script-src"]
                   if value.startswith("'nonce-")]
        scripts = inline_scripts(html)
        assert scripts, path
        assert all(f'nonce="{nonce}"' in attributes for attributes in scripts), (path, scripts)
        assert not HANDLER.search(html), path
        nonces.add(nonce)

    assert len(nonces) == 2  # a nonce is good for one answer only


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT / "src")))
def test_no_template_writes_a_script_the_policy_blocks(template: Path) -> None:
    html = template.read_text(encoding="utf-8")

    assert not HANDLER.search(html), "an inline event handler (onclick=, onchange= ...): add a listener in a script"
    assert "javascript:" not in html
    for attributes in inline_scripts(html):
        assert 'nonce="{{ request.csp_nonce }}"' in attributes, f"<script{attributes}> without the answer's nonce"
