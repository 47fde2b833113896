"""The `gridpay payments` and `gridpay api-token` commands: Chinese output, JSON, errors as non-zero exits."""

import json
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridpay.application.staff.authenticate_api_token import authenticate_api_token
from gridpay.interfaces.cli.main import main
from tests.support.accounts import enrol

pytestmark = pytest.mark.django_db


def test_record_then_repeat_then_conflict(zj_tariff: str, capsys: pytest.CaptureFixture[str]) -> None:
    enrol(1, opening_balance_fen=10_000)
    arguments = ["payments", "record", "--account", "3301000001", "--amount-fen", "12345", "--txn-id", "C-1"]

    call_command(*arguments)
    assert "已入账" in capsys.readouterr().out

    call_command(*arguments)
    out = capsys.readouterr().out
    assert "重复请求，未重复入账" in out and "223.45" in out

    with pytest.raises(CommandError, match="payment_conflict"):
        call_command(*arguments[:-3], "100", "--txn-id", "C-1")


def test_record_as_json(zj_tariff: str, capsys: pytest.CaptureFixture[str]) -> None:
    enrol(1, opening_balance_fen=0)
    call_command(
        "payments", "record", "--account", "3301000001", "--amount-fen", "500", "--channel", "agent",
        "--txn-id", "A-9", "--json",
    )  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert (result["channel"], result["replayed"], result["available_balance_fen"]) == ("agent", False, 500)


def test_an_unknown_channel_is_refused(zj_tariff: str) -> None:
    enrol(1)
    with pytest.raises(CommandError, match="未知的交费渠道"):
        call_command(
            "payments", "record", "--account", "3301000001", "--amount-fen", "1", "--channel", "x", "--txn-id", "1"
        )


def test_gridpay_api_token_prints_a_working_token_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["gridpay", "api-token", "create", "--name", "柜台"])
    main()
    token = capsys.readouterr().out.strip()
    caller = authenticate_api_token(token=token)
    assert caller is not None and caller.name == "柜台"

    monkeypatch.setattr(sys, "argv", ["gridpay", "api-token", "list"])
    main()
    listing = capsys.readouterr().out
    assert "柜台" in listing and token not in listing

    monkeypatch.setattr(sys, "argv", ["gridpay", "api-token", "revoke", "--name", "柜台"])
    main()
    assert authenticate_api_token(token=token) is None
