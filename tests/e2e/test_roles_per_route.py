"""Who may open each page of the staff console (issue 19 point 5): the README's table, route by route, is what the
views check, and over HTTP each role gets the page or a 403 as the table says."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver

from gridpay.application.staff.add_staff import add_staff
from gridpay.domain.staff_roles import Action, Role, may
from tests.support.accounts import enrol
from tests.support.cli import ROOT

PASSWORD = "Gridpay-2026!"
PUBLIC = {"web:login", "web:logout"}  # signing in and out: anyone


def console_routes() -> dict[str, tuple[str, Action]]:
    """Each console route's name: its URL pattern and the action its view requires."""
    routes = {}
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) != "web":
            continue
        for route in pattern.url_patterns:
            assert isinstance(route, URLPattern)
            name = f"web:{route.name}"
            if name in PUBLIC:
                continue
            action = getattr(route.callback, "required_action", None)
            assert isinstance(action, Action), f"{name}: its view names no action (@requires)"
            routes[name] = ("/" + str(route.pattern), action)
    return routes


def table_row(route: str, action: Action) -> str:
    roles = " ".join(f"{role.value}（{role.label}）" for role in Role if may([role], action))
    return f"| `{route}` | `{action.value}` | {roles} |"


def readme_rows() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n### Who may open which page\n", 1)[1].split("\n#", 1)[0]
    return re.findall(r"^\| `/.*$", section, flags=re.MULTILINE)


def test_the_readmes_table_is_what_the_views_check_route_by_route() -> None:
    expected = [table_row(route, action) for route, action in console_routes().values()]

    assert readme_rows() == expected, "README, ### Who may open which page:\n" + "\n".join(expected)


def test_the_seeds_division_of_work_holds() -> None:
    """Who takes the money neither changes the meter that measures it nor reconciles it."""
    routes = console_routes()
    assert {r for r in Role if may([r], routes["web:replace-meter"][1])} == {
        Role.METERING, Role.SUPERVISOR, Role.STATION_HEAD, Role.ADMIN}
    assert {r for r in Role if may([r], Action.RECONCILE)} == {Role.ACCOUNTANT, Role.STATION_HEAD, Role.ADMIN}
    assert not may([Role.CASHIER], Action.REPLACE_METER) and not may([Role.CASHIER], Action.RECONCILE)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_each_page_or_a_403_as_the_table_says(zj_tariff: str, role: Role) -> None:
    enrol(1, opening_balance_fen=10_000)
    add_staff(username=role.value, name=f"{role.label}甲", role=role.value, password=PASSWORD)
    client = Client(raise_request_exception=False)
    assert client.login(username=role.value, password=PASSWORD)
    values: dict[str, Any] = {"account_no": "3301000001", "receipt_no": "GT-NONE", "village_id": 999_999}
    wrong = {}
    for name, (route, action) in console_routes().items():
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
        answer = client.get(path)
        if (answer.status_code == 403) == may([role], action):
            wrong[name] = answer.status_code
        assert answer.status_code < 500, (name, answer.status_code)

    assert wrong == {}, f"{role.value}: answered against the table"
