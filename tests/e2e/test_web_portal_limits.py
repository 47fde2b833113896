"""The portal's SMS sign-in limits besides the phone's (issue 19 point 2): requests per client address and codes sent
in total each minute, answered 429 in Chinese with no SMS, and every request recorded with what came of it."""

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from gridpay.data.models import Notification, SignInAttempt
from gridpay.data.settings import gridpay_settings
from tests.support.accounts import enrol
from tests.support.clock import FakeClock

pytestmark = pytest.mark.django_db
ONE = "198.51.100.7"


@pytest.fixture
def homes(zj_tariff: str, settings: Any, tmp_path: Path) -> list[str]:
    settings.SMS_CONFIG = {"GRIDPAY_SMS_PROVIDER": "file", "GRIDPAY_SMS_FILE": str(tmp_path / "sms.jsonl")}
    return [enrol(n, opening_balance_fen=1_000, phone=f"139000000{n:02d}").account_no for n in range(1, 10)]


def ask(account_no: str, address: str = ONE, **headers: str) -> Any:
    return Client(REMOTE_ADDR=address).post("/portal/", {"account_no": account_no}, headers=headers)


def attempts() -> list[tuple[str, str, str, str]]:
    return list(SignInAttempt.objects.order_by("id").values_list("client_address", "account_no", "outcome", "limit"))


def test_one_client_cycling_through_account_numbers_is_stopped_by_its_address(homes: list[str],
                                                                            clock: FakeClock) -> None:
    answers = [ask(account_no) for account_no in [*homes[:4], "3301999999"]]  # four real households, one made up
    stopped = ask(homes[4])
    elsewhere = ask(homes[5], address="203.0.113.9")  # another network is not held back

    assert [a.status_code for a in answers] == [302, 302, 302, 302, 422]
    assert stopped.status_code == 429
    assert "这个网络一分钟内获取验证码次数过多，请一分钟后再试" in stopped.content.decode()
    assert elsewhere.status_code == 302
    assert Notification.objects.filter(kind="sign_in_code").count() == 5  # no SMS for the stopped request
    assert attempts() == [
        *[(ONE, account_no, "sent", "") for account_no in homes[:4]],
        (ONE, "3301999999", "refused", ""),
        (ONE, homes[4], "limited", "address"),
        ("203.0.113.9", homes[5], "sent", ""),
    ]
    clock.instant = clock.now() + timedelta(minutes=1, seconds=1)
    assert ask(homes[4]).status_code == 302  # a minute on, the address may ask again


def test_the_codes_sent_by_the_whole_portal_a_minute_are_limited(homes: list[str], settings: Any,
                                                                 clock: FakeClock) -> None:
    settings.GRIDPAY = replace(gridpay_settings(), portal_codes_per_minute=3)
    answers = [ask(account_no, address=f"192.0.2.{n}") for n, account_no in enumerate(homes[:4], start=1)]

    assert [a.status_code for a in answers] == [302, 302, 302, 429]
    assert "现在获取验证码的人太多，请一分钟后再试" in answers[-1].content.decode()
    assert attempts()[-1] == ("192.0.2.4", homes[3], "limited", "total")
    assert Notification.objects.filter(kind="sign_in_code").count() == 3
    clock.instant = clock.now() + timedelta(minutes=1, seconds=1)
    assert ask(homes[3], address="192.0.2.4").status_code == 302


def test_the_phones_own_limit_is_recorded_as_such(homes: list[str]) -> None:
    ask(homes[0])
    again = ask(homes[0], address="203.0.113.9")

    assert again.status_code == 429 and "秒后再获取" in again.content.decode()
    assert attempts()[-1] == ("203.0.113.9", homes[0], "limited", "phone")


def test_behind_the_proxy_the_address_is_the_one_the_proxy_names(homes: list[str], settings: Any) -> None:
    settings.GRIDPAY = replace(gridpay_settings(), client_address_header="X-Real-IP", portal_requests_per_address=2)
    proxy = "10.0.0.2"  # every request comes through it

    first = [ask(account_no, address=proxy, **{"X-Real-IP": "198.51.100.1"}) for account_no in homes[:3]]
    second = ask(homes[3], address=proxy, **{"X-Real-IP": "198.51.100.2"})

    assert [a.status_code for a in first] == [302, 302, 429]
    assert second.status_code == 302
    assert {address for address, *_ in attempts()} == {"198.51.100.1", "198.51.100.2"}
