"""A new user's first minutes, in Debian's Chromium: `gridpay demo --serve` prints a sign-in for every role, each of
them signs in, the browser finds the site's icon, the API's reference shows its operations and Swagger UI draws them,
and serving leaves the user's home folder as it found it."""

import re
from pathlib import Path
from typing import Any

import pytest

from gridpay.domain.staff_roles import Role
from tests.e2e.test_cli_secret_key import gridpay, user_environment
from tests.support.browser import SIZES
from tests.support.serving import free_port, serving

pytestmark = pytest.mark.dates  # the demo town is dated from today

SIGN_IN = re.compile(r"^\s+(?P<role>\S+)\s+登录名 (?P<username>\S+)\s+(?P<name>\S+)$")


def test_every_role_printed_by_the_served_demo_signs_in(
    browser: Any, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("home")
    # Ports of its own for the head-end the served demo runs: tests run two at a time.
    env = {k: v for k, v in user_environment(tmp_path, HOME=str(home), GRIDPAY_EMBEDDED_MQTT_PORT=str(free_port()),
                                             GRIDPAY_GATEWAY_WAKE_PORT=str(free_port())).items()
           if k != "XDG_RUNTIME_DIR"}
    built = gridpay("demo", "--households", "60", "--days", "5", cwd=tmp_path, env=env)
    assert built.returncode == 0, built.stderr
    printed = tmp_path / "served.txt"
    port = free_port()
    with serving("demo", "--serve", "--port", str(port), port=port, cwd=tmp_path, env=env, stdout=printed) as base:
        said = printed.read_text(encoding="utf-8")
        password = re.search(r"演示密码均为 (\S+)，", said)
        assert password is not None, said
        sign_ins = [m.groupdict() for line in said.splitlines() if (m := SIGN_IN.match(line))]
        assert {s["role"] for s in sign_ins} == {role.label for role in Role}, said

        for n, person in enumerate(sign_ins):
            size = "phone" if n % 2 else "desk"
            page = browser.new_page(viewport=SIZES[size])
            page.goto(f"{base}/")
            page.fill("#id_username", person["username"])
            page.fill("#id_password", password[1])
            page.press("#id_password", "Enter")
            page.wait_for_load_state()
            assert person["name"] in page.locator("header").inner_text(), (person, page.url)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (person, size)
            page.screenshot(path=str(tmp_path / f"signed-in-{person['username']}-{size}.png"), full_page=True)
            page.close()

        page = browser.new_page(viewport=SIZES["desk"])
        icon = page.goto(f"{base}/favicon.ico")
        assert icon is not None and icon.ok and icon.headers["content-type"].startswith("image/")
        page.goto(f"{base}/api/docs")  # the reference, written on the server: there at the load event
        payments = page.locator("section.operation", has_text="/api/payments")
        assert payments.count() == 1 and "记录一笔交费" in payments.inner_text()
        assert page.locator("a", has_text="Swagger UI").get_attribute("href") == "/api/docs/try"
        page.screenshot(path=str(tmp_path / "api-docs-desk.png"), full_page=True)
        page.goto(f"{base}/api/docs/try")
        page.wait_for_selector(".opblock")  # Swagger UI drew the operations from the schema
        assert page.locator(".opblock", has_text="/api/payments").count() >= 1
        page.close()
    assert not list(home.iterdir())
