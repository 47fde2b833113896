"""gridpay's system checks: with debugging off a weak or well-known secret key stops every command; no key at all,
or a demo default production must replace, fails the deploy check (other commands still run, ADR 0007)."""

import secrets
from typing import Any

import pytest
from django.core.checks import run_checks

from gridpay.data.settings import from_environment

MISSING = "未设置 GRIDPAY_SECRET_KEY：使用 PostgreSQL 时必须设置这个密钥，可用 …… 生成一个。"


def gridpay_issues(*, deploy: bool) -> dict[str, str]:
    return {issue.id: issue.msg for issue in run_checks(include_deployment_checks=deploy)
            if issue.id and issue.id.startswith("gridpay.")}


@pytest.fixture
def production(settings: Any) -> Any:
    settings.DEBUG = False
    settings.SECRET_KEY, settings.GRIDPAY_SECRET_KEY_PROBLEM = secrets.token_urlsafe(50), ""
    settings.GRIDPAY = from_environment({"GRIDPAY_UTILITY_NAME": "示例县供电公司",
                                         "GRIDPAY_CLIENT_ADDRESS_HEADER": "X-Real-IP"})
    return settings


def test_a_production_configuration_passes(production: Any) -> None:
    assert gridpay_issues(deploy=True) == {}


@pytest.mark.parametrize("key", [
    "gridpay-development-only-secret-key-change-me",  # gridpay's former built-in key
    "django-insecure-" + "k7Qz-" * 10,  # what django-admin startproject writes
    "a" * 80,
])
def test_with_debugging_off_a_weak_or_default_key_stops_every_command(production: Any, key: str) -> None:
    production.SECRET_KEY = key

    assert set(gridpay_issues(deploy=False)) == {"gridpay.E001"}
    production.DEBUG = True
    assert gridpay_issues(deploy=False) == {}


def test_without_a_usable_key_the_deploy_check_fails_in_the_settings_words_while_other_commands_run(
    production: Any,
) -> None:
    production.SECRET_KEY, production.GRIDPAY_SECRET_KEY_PROBLEM = "", MISSING

    assert gridpay_issues(deploy=False) == {}
    assert gridpay_issues(deploy=True) == {"gridpay.E002": MISSING}
    production.DEBUG = True
    assert gridpay_issues(deploy=True) == {}


def test_a_demo_default_left_in_production_fails_the_deploy_check(production: Any) -> None:
    production.GRIDPAY = from_environment({"GRIDPAY_CLIENT_ADDRESS_HEADER": "X-Real-IP"})

    assert gridpay_issues(deploy=False) == {}
    assert gridpay_issues(deploy=True) == {
        "gridpay.E003": "未设置 GRIDPAY_UTILITY_NAME：它的默认值只适用于演示，生产环境必须设置。"
    }


def test_the_portals_demo_payments_fail_the_deploy_check(production: Any) -> None:
    production.GRIDPAY = from_environment({"GRIDPAY_UTILITY_NAME": "示例县供电公司", "GRIDPAY_DEMO_PAYMENTS": "1",
                                           "GRIDPAY_CLIENT_ADDRESS_HEADER": "X-Real-IP"})

    assert gridpay_issues(deploy=False) == {}
    assert gridpay_issues(deploy=True) == {
        "gridpay.E004": "GRIDPAY_DEMO_PAYMENTS 已开启：网上营业厅的演示支付不收钱就入账，只能用于演示。"
    }


def test_without_the_proxys_client_address_header_the_deploy_check_fails(production: Any) -> None:
    """Behind the proxy every request would come from its address: the portal's limits per client address would
    count all customers as one (issue 19 point 2)."""
    production.GRIDPAY = from_environment({"GRIDPAY_UTILITY_NAME": "示例县供电公司"})

    assert gridpay_issues(deploy=True) == {
        "gridpay.E003": "未设置 GRIDPAY_CLIENT_ADDRESS_HEADER：它的默认值只适用于演示，生产环境必须设置。"
    }
