"""Requests at the extremes (issue 19 point 4): a body over the limit answers 413 with the API's error body, and no
request, however large, deep, long or odd, answers 500."""

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from gridpay.application.staff.add_staff import add_staff
from gridpay.application.staff.issue_api_token import issue_api_token
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.clock import current_instant

pytestmark = pytest.mark.django_db
ACCOUNT = "3301000001"
PASSWORD = "Gridpay-2026!"


@pytest.fixture
def token(zj_tariff: str) -> str:
    enrol(1, opening_balance_fen=10_000)
    return issue_api_token(name="营业厅一号窗口", at=current_instant(), channels=["counter"]).token


def oversized() -> bytes:
    return b'{"account_no": "' + b"3" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'


def json_body(answer: Any) -> dict[str, Any]:
    assert answer["Content-Type"].startswith("application/json"), answer["Content-Type"]
    return dict(json.loads(answer.content))


@pytest.mark.parametrize("path", ["/api/payments", "/api/orders", "/api/agent/payments", "/api/channels/wechat/notify",
                                  "/api/channels/alipay/notify"])
def test_an_oversized_body_answers_413_with_the_apis_error_body(token: str, path: str) -> None:
    client = Client(raise_request_exception=False)

    answer = client.post(path, oversized(), content_type="application/json",
                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k-1"})

    assert answer.status_code == 413
    body = json_body(answer)
    assert body["code"] == "request_too_large"
    assert body["field"] is None
    assert f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024} KB" in body["message"]


@pytest.mark.parametrize("path", ["/portal/", "/login/"])
def test_an_oversized_form_answers_413_with_a_chinese_page(token: str, path: str) -> None:
    client = Client(raise_request_exception=False)

    answer = client.post(path, {"account_no": "3" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    assert answer.status_code == 413
    assert "提交的内容太大" in answer.content.decode()


def payment_extremes() -> list[tuple[str, bytes, dict[str, str]]]:
    good = {"account_no": ACCOUNT, "amount_fen": 100, "channel": "counter", "channel_txn_id": "R-1"}

    def body(**changes: Any) -> bytes:
        return json.dumps(good | changes).encode()

    return [
        ("deep nesting", b"[" * 100_000 + b"]" * 100_000, {}),
        ("deep object", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, {}),
        ("not UTF-8", b'{"account_no": "\xff\xfe"}', {}),
        ("NUL in the account", body(account_no="33\x0001"), {}),
        ("NUL in the transaction id", body(channel_txn_id="R\x001"), {}),
        ("a huge integer", body(amount_fen=10**400), {}),
        ("a float amount", body(amount_fen=1e308), {}),
        ("year 1", body(received_at="0001-01-01T00:00:00+14:00"), {}),
        ("year 9999", body(received_at="9999-12-31T23:59:59-12:00"), {}),
        ("NUL in a JSON string", b'{"account_no": "33\\u000001", "amount_fen": 1, "channel": "counter", '
                                 b'"channel_txn_id": "R\\u0000"}', {}),
        ("a long Idempotency-Key", body(), {"Idempotency-Key": "k" * 10_000}),
        ("a NUL Idempotency-Key", body(), {"Idempotency-Key": "k\x00"}),
        ("a JSON string", b'"x"', {}),
        ("null", b"null", {}),
        ("empty", b"", {}),
        ("many keys", json.dumps({f"k{i}": i for i in range(50_000)}).encode(), {}),
    ]


@pytest.mark.parametrize(("name", "body", "headers"), payment_extremes(), ids=[e[0] for e in payment_extremes()])
def test_no_payment_request_at_the_extremes_answers_500(token: str, name: str, body: bytes,
                                                       headers: dict[str, str]) -> None:
    client = Client(raise_request_exception=False)

    answer = client.post("/api/payments", body, content_type="application/json",
                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k-1", **headers})

    assert 400 <= answer.status_code < 500, (answer.status_code, answer.content[:300])
    assert set(json_body(answer)) == {"code", "message", "field"}


@pytest.mark.parametrize("path", [
    "/api/accounts/" + "3" * 10_000, "/api/accounts/33%0001", "/api/agent/statement?day=99999-99-99",
    "/api/agent/accounts/33%0001", "/customers/33%0001/", "/portal/accounts/33%0001/", "/customers/?q=%00",
    "/customers/?q=" + "陈" * 5_000, "/receipts/%00.pdf", "/api/accounts/%E4%B8",
])
def test_no_odd_url_answers_500(token: str, path: str) -> None:
    add_staff(username="cashier", name="营业员甲", role=Role.CASHIER.value, password=PASSWORD)
    client = Client(raise_request_exception=False)
    assert client.login(username="cashier", password=PASSWORD)

    answer = client.get(path, headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code < 500, (answer.status_code, answer.content[:300])


@pytest.mark.parametrize("fields", [
    {"account_no": "33\x0001"}, {"account_no": "3" * 100_000}, {f"f{i}": "x" for i in range(1_500)},
])
def test_no_odd_portal_sign_in_answers_500(token: str, fields: dict[str, str]) -> None:
    client = Client(raise_request_exception=False)

    answer = client.post("/portal/", fields)

    assert answer.status_code < 500, (answer.status_code, answer.content[:300])


def test_a_nul_anywhere_is_a_bad_request_and_an_escaped_backslash_is_not_one(token: str) -> None:
    client = Client(raise_request_exception=False)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k-1"}
    good = {"account_no": ACCOUNT, "amount_fen": 100, "channel": "counter"}

    nul = client.post("/api/payments", {**good, "channel_txn_id": "R\x001"}, content_type="application/json",
                      headers=headers)
    backslash = client.post("/api/payments", {**good, "channel_txn_id": "R\\u0000"}, content_type="application/json",
                            headers=headers)
    page = client.post("/portal/", {"account_no": "33\x0001"})

    assert nul.status_code == 400 and json_body(nul)["code"] == "malformed_request"
    assert backslash.status_code == 201  # the text \u0000, six characters: no NUL in it
    assert page.status_code == 400 and "无法读取" in page.content.decode()
