"""The JSON API over HTTP (Django's test client): staff tokens, payments, the account view, errors, docs."""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from django.test import Client

from gridpay.application.settlement.catch_up_settlement import settle_through
from gridpay.application.staff.issue_api_token import issue_api_token
from gridpay.application.staff.revoke_api_token import revoke_api_token
from gridpay.data.models import Account, ApiToken, LedgerAccount, Payment
from tests.support.accounts import enrol
from tests.support.clock import current_instant
from tests.support.readings import add_readings

pytestmark = pytest.mark.django_db
AT = datetime(2025, 3, 1, tzinfo=UTC)
ACCOUNT = "3301000001"


@pytest.fixture
def token(db: None) -> str:
    return issue_api_token(name="营业厅一号窗口", at=AT, channels=["counter"]).token


@pytest.fixture
def account(zj_tariff: str) -> Account:
    return enrol(1, opening_balance_fen=10_000)


def post_payment(client: Client, token: str | None, body: Any, *, key: str | None = "key-1") -> Any:
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/payments", body, content_type="application/json", headers=headers)


def payment(**changes: Any) -> dict[str, Any]:
    return {
        "account_no": ACCOUNT,
        "amount_fen": 5_000,
        "channel": "counter",
        "channel_txn_id": "R-1",
    } | changes


def get_account(client: Client, token: str | None, account_no: str = ACCOUNT) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get(f"/api/accounts/{account_no}", headers=headers)


def test_a_payment_is_credited_once_and_a_replay_returns_the_same_body(
    client: Client, token: str, account: Account
) -> None:
    first = post_payment(client, token, payment())

    assert first.status_code == 201
    body = first.json()
    assert body == {
        "payment_id": body["payment_id"],
        "account_no": ACCOUNT,
        "amount_fen": 5_000,
        "channel": "counter",
        "channel_txn_id": "R-1",
        "received_at": body["received_at"],
        "replayed": False,
        "available_balance_fen": 15_000,
    }
    received = datetime.fromisoformat(body["received_at"].replace("Z", "+00:00"))
    assert abs(received - current_instant()) < timedelta(minutes=1)

    again = post_payment(client, token, payment())

    assert again.status_code == 200
    assert again.json() == body | {"replayed": True}
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    assert LedgerAccount.objects.get(code=f"customer:{ACCOUNT}").balance_fen == 15_000


def test_csrf_does_not_apply_to_bearer_tokens(token: str, account: Account) -> None:
    response = post_payment(Client(enforce_csrf_checks=True), token, payment())
    assert response.status_code == 201


def test_a_given_receipt_time_is_kept(client: Client, token: str, account: Account) -> None:
    # Yesterday at 09:30 in Beijing: inside the API's window (GRIDPAY_PAYMENT_BACKDATE_DAYS).
    beijing = timezone(timedelta(hours=8))
    yesterday = (current_instant().astimezone(beijing) - timedelta(days=1)).replace(hour=9, minute=30, second=0,
                                                                                     microsecond=0)
    response = post_payment(client, token, payment(received_at=yesterday.isoformat()))
    assert response.status_code == 201
    assert response.json()["received_at"] == yesterday.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_fen": 4_000}, "channel_txn_id"),  # same receipt, another amount
        ({"channel_txn_id": "R-2"}, "Idempotency-Key"),  # same key, another receipt
    ],
)
def test_the_same_key_with_different_data_is_409(
    client: Client, token: str, account: Account, changes: dict[str, Any], field: str
) -> None:
    assert post_payment(client, token, payment()).status_code == 201

    response = post_payment(client, token, payment(**changes))

    assert response.status_code == 409
    assert response.json()["code"] == "payment_conflict"
    assert response.json()["field"] == field
    assert Payment.objects.count() == 1


def test_an_unknown_account_is_404(client: Client, token: str, account: Account) -> None:
    response = post_payment(client, token, payment(account_no="3301099999"))
    assert response.status_code == 404
    assert response.json() == {"code": "unknown_account", "message": "没有户号 3301099999", "field": "account_no"}
    assert "没有户号".encode() in response.content, "Chinese is sent as UTF-8, not as \\u escapes"
    assert response["Content-Type"].startswith("application/json")


def test_a_closed_account_is_409(client: Client, token: str, account: Account) -> None:
    Account.objects.filter(id=account.id).update(status="closed")
    response = post_payment(client, token, payment())
    assert (response.status_code, response.json()["code"]) == (409, "account_closed")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (payment(amount_fen=0), "amount_fen"),
        (payment(amount_fen=-100), "amount_fen"),
        (payment(amount_fen=12.5), "amount_fen"),
        (payment(amount_fen="5000"), "amount_fen"),  # money on the wire is an integer of fen
        (payment(channel="paypal"), "channel"),
        (payment(channel_txn_id=""), "channel_txn_id"),
        (payment(channel_txn_id="   "), "channel_txn_id"),  # blank after trimming: refused by the domain
        (payment(received_at="2025-03-01T09:30:00"), "received_at"),  # no zone
        (payment(received_at="yesterday"), "received_at"),
        (payment(received_at=(current_instant() + timedelta(hours=1)).isoformat()), "received_at"),
        (payment(amount_yuan=50), "amount_yuan"),
        ({k: v for k, v in payment().items() if k != "account_no"}, "account_no"),
    ],
)
def test_invalid_input_is_422_naming_the_field(
    client: Client, token: str, account: Account, body: dict[str, Any], field: str
) -> None:
    response = post_payment(client, token, body)

    assert response.status_code == 422
    error = response.json()
    assert set(error) == {"code", "message", "field"}
    assert error["code"] in {"invalid_input", "invalid_payment"}
    assert error["field"] == field
    assert error["message"]
    assert Payment.objects.count() == 0


def test_a_missing_idempotency_key_is_400(client: Client, token: str, account: Account) -> None:
    response = post_payment(client, token, payment(), key=None)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"
    assert response.json()["field"] == "Idempotency-Key"
    assert Payment.objects.count() == 0


def test_a_body_that_is_not_json_is_400(client: Client, token: str, account: Account) -> None:
    response = post_payment(client, token, "{not json")  # a string is sent as it is
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


@pytest.mark.parametrize("presented", [None, "", "gp_not-a-token", "wrong-scheme"])
def test_both_endpoints_need_a_live_staff_token(
    client: Client, token: str, account: Account, presented: str | None
) -> None:
    if presented == "wrong-scheme":
        response = client.get(f"/api/accounts/{ACCOUNT}", headers={"Authorization": f"Token {token}"})
        assert response.status_code == 401
        return
    for response in (post_payment(client, presented, payment()), get_account(client, presented)):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert Payment.objects.count() == 0


def test_a_revoked_token_no_longer_works(client: Client, token: str, account: Account) -> None:
    assert get_account(client, token).status_code == 200
    revoke_api_token(name="营业厅一号窗口", at=AT)
    assert get_account(client, token).status_code == 401


def test_only_the_hash_of_a_token_is_stored(token: str) -> None:
    stored = ApiToken.objects.get()
    assert token.startswith("gp_")
    assert token not in (stored.token_sha256, stored.name)
    assert len(stored.token_sha256) == 64


def test_the_account_view_as_json(client: Client, token: str, account: Account) -> None:
    add_readings(account, first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 3)
    settle_through(through=date(2025, 1, 3), at=AT)

    response = get_account(client, token)

    assert response.status_code == 200
    assert response.json() == {
        "account_no": ACCOUNT,
        "customer_name": "测试用户1",
        "mode": "prepaid",
        "status": "active",
        "supply_state": "connected",
        "protected": False,
        "protected_reason": "",
        "village": None,
        "transformer_area": "",
        "tariff_code": "zj-resident-2024",
        "meter_no": "M00000001",
        "balance_fen": 10_000,
        "available_balance_fen": 10_000 - 3 * 538,
        "last_settled_day": "2025-01-03",
        "average_daily_charge_fen": 538,
        "days_left": (10_000 - 3 * 538) // 538,
        "unbilled_charges_fen": 3 * 538,  # the balance less the available balance: no bill issued yet
        "unbilled_since": "2025-01-01",
        "last_bill_month": None,
    }


def test_an_unknown_account_view_is_404(client: Client, token: str, account: Account) -> None:
    response = get_account(client, token, "3301099999")
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_account"


def test_an_order_at_a_channel_not_configured_is_503_naming_the_missing_setting(
    client: Client, token: str, account: Account, settings: Any
) -> None:
    settings.PAYMENT_CHANNELS_CONFIG = {}
    response = client.post("/api/orders", {"channel": "alipay", "account_no": ACCOUNT, "amount_fen": 5_000,
                                           "kind": "precreate"},
                           content_type="application/json", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()) == (503, {
        "code": "channel_not_configured", "message": "支付宝配置缺少 GRIDPAY_ALIPAY_APPID", "field": "channel",
    })


def test_the_openapi_schema_and_docs_load_without_a_token(client: Client) -> None:
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    document = schema.json()
    assert {"/api/payments", "/api/accounts/{account_no}"} <= set(document["paths"])
    assert document["components"]["securitySchemes"]
    post = document["paths"]["/api/payments"]["post"]
    assert {"200", "201", "400", "401", "404", "409", "422"} <= set(post["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" and p["required"] is True
               for p in post["parameters"])
    # Issue 20 point 7: every operation documents what the error layer may answer on it, with the error body.
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            must = {"400", "422", "500"} | ({"401"} if operation.get("security") else set())
            assert must <= documented, (method, path, must - documented)
            for status in documented - {"200", "201"}:
                body = operation["responses"][status]["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)

    docs = client.get("/api/docs")
    assert docs.status_code == 200
    page = docs.content.decode()
    # The reference is written on the server: nothing for the browser to run before it shows.
    assert "<script" not in page
    assert 'href="/api/openapi.json"' in page and 'href="/api/docs/try"' in page
    assert "Authorization: Bearer" in page and "gridpay api-token create" in page  # how to authenticate
    assert '"code": "invalid_input"' in page  # the error format


def test_swagger_ui_answers_at_api_docs_try_and_can_load_its_files(client: Client) -> None:
    page = client.get("/api/docs/try")
    assert page.status_code == 200
    assert b"/api/openapi.json" in page.content
    # A phone draws it at its own width, not as a 980-pixel desktop page scaled down.
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.content.decode()
    for asset in ("/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui.css"):
        assert asset in page.content.decode()
        response = client.get(asset)
        assert response.status_code == 200, asset
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
