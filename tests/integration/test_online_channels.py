"""WeChat Pay and Alipay end to end against local servers that play them with test keys: orders, notifications
delivered to our HTTP endpoint, refunds and statements. Only a verified, matching notification credits money."""

import base64
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.core.management import call_command
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gridpay.application.payments.channels.create_channel_order import ChannelDown, OrderFailed, create_channel_order
from gridpay.application.payments.channels.refund_through_channel import refund_through_channel
from gridpay.data.models import ChannelOrder, ChannelRefusal, LedgerAccount, Payment, PaymentRefund, Transfer
from gridpay.domain.channel_payments import REFUSAL_LABELS, RefusalReason
from gridpay.integrations.channels.factory import build_online_channel
from tests.integration.test_record_payment import cached_balances_match_transfers
from tests.support.accounts import enrol
from tests.support.channel_servers import AlipayGateway, WeChatPayServer
from tests.support.clock import current_instant

pytestmark = pytest.mark.django_db
ACCOUNT = "3301000001"


def balance() -> int:
    return int(LedgerAccount.objects.get(code=f"customer:{ACCOUNT}").balance_fen)


def order(channel: str, settings: Any, amount_fen: int = 5_000, kind: str = "native") -> str:
    adapter = build_online_channel(channel, settings.PAYMENT_CHANNELS_CONFIG)
    return create_channel_order(
        channel=adapter, account_no=ACCOUNT, amount_fen=amount_fen, kind=kind, now=current_instant(),
        openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" if kind == "jsapi" else "",
    ).order_no


def deliver_wechat(client: Client, headers: dict[str, str], body: bytes) -> Any:
    return client.post("/api/channels/wechat/notify", data=body, content_type="application/json", headers=headers)


def deliver_alipay(client: Client, body: bytes) -> Any:
    return client.post("/api/channels/alipay/notify", data=body, content_type="application/x-www-form-urlencoded")


def test_a_wechat_qr_order_paid_is_credited_once_and_the_order_marked_paid(
    zj_tariff: str, wechat: WeChatPayServer, settings: Any, client: Client
) -> None:
    enrol(1, opening_balance_fen=0)
    order_no = order("wechat", settings)
    row = ChannelOrder.objects.get(order_no=order_no)
    assert row.status == "open" and row.pay_with["code_url"].startswith("weixin://wxpay/bizpayurl")
    assert wechat.orders[order_no].attach == ACCOUNT  # the account travels with the order
    txn = wechat.pay(order_no, at=current_instant())
    headers, body = wechat.notification(order_no, sent_at=current_instant())
    answer = deliver_wechat(client, headers, body)
    assert answer.status_code == 204
    payment = Payment.objects.get()
    assert (payment.channel, payment.channel_txn_id, payment.amount_fen) == ("wechat", txn, 5_000)
    assert payment.payer == "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
    assert balance() == 5_000
    assert ChannelOrder.objects.get(order_no=order_no).status == "paid"
    # WeChat retries until it hears success: the same payment again (newly signed) credits nothing.
    headers, body = wechat.notification(order_no, sent_at=current_instant())
    assert deliver_wechat(client, headers, body).status_code == 204
    assert Payment.objects.count() == 1 and balance() == 5_000
    assert cached_balances_match_transfers()


def test_a_paid_order_reported_paid_again_under_another_transaction_is_refused_and_recorded_not_credited(
    zj_tariff: str, wechat: WeChatPayServer, settings: Any, client: Client
) -> None:
    enrol(1, opening_balance_fen=0)
    order_no = order("wechat", settings)
    first = wechat.pay(order_no, at=current_instant())
    assert deliver_wechat(client, *wechat.notification(order_no, sent_at=current_instant())).status_code == 204
    # The customer pays the same order again from a second phone: WeChat reports a second transaction for it.
    wechat.orders[order_no].transaction_id = ""
    second = wechat.pay(order_no, at=current_instant())
    assert second != first
    answer = deliver_wechat(client, *wechat.notification(order_no, sent_at=current_instant()))
    assert answer.status_code == 204  # acknowledged once recorded: a retry cannot cure it
    payment = Payment.objects.get()
    assert payment.channel_txn_id == first and balance() == 5_000
    refusal = ChannelRefusal.objects.get()
    assert (refusal.reason, refusal.order_no, refusal.channel_txn_id) == ("order_paid", order_no, second)
    assert first in refusal.detail and REFUSAL_LABELS[RefusalReason.ORDER_PAID] == "订单已由另一笔交易付讫"
    assert cached_balances_match_transfers()


def test_wechat_jsapi_order_returns_parameters_signed_with_the_merchant_key(
    zj_tariff: str, wechat: WeChatPayServer, settings: Any
) -> None:
    enrol(1)
    pay_with = ChannelOrder.objects.get(order_no=order("wechat", settings, kind="jsapi")).pay_with
    assert pay_with["package"].startswith("prepay_id=wx") and pay_with["signType"] == "RSA"
    message = "\n".join([pay_with["appId"], pay_with["timeStamp"], pay_with["nonceStr"], pay_with["package"]]) + "\n"
    wechat.merchant.private.public_key().verify(
        base64.b64decode(pay_with["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )


@pytest.mark.parametrize(
    ("case", "reason", "status"),
    [
        ("stale", "stale", 400),
        ("tampered_body", "bad_signature", 400),
        ("unknown_serial", "bad_signature", 400),
        ("wrong_key", "bad_signature", 400),
        ("wrong_merchant", "wrong_merchant", 400),
        ("amount_mismatch", "amount_mismatch", 204),
        ("account_mismatch", "account_mismatch", 204),
        ("unknown_order", "unknown_order", 204),
    ],
)
def test_wechat_notifications_that_must_not_move_money_are_refused_and_recorded(
    *, zj_tariff: str, wechat: WeChatPayServer, settings: Any, client: Client, case: str, reason: str, status: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    enrol(1, opening_balance_fen=0)
    order_no = order("wechat", settings)
    now = current_instant()
    wechat.pay(order_no, at=now)
    headers, body = wechat.notification(order_no, sent_at=now)
    if case == "stale":
        headers, body = wechat.notification(order_no, sent_at=now - timedelta(minutes=6))
    elif case == "tampered_body":
        body = body.replace(b'"summary": "', b'"summary": "X')
    elif case == "unknown_serial":
        headers["Wechatpay-Serial"] = "PUB_KEY_ID_FORGED"
    elif case == "wrong_key":
        from tests.support.channel_servers import key_pair

        forger = key_pair("forger")
        headers["Wechatpay-Signature"] = forger.sign(
            f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{body.decode()}\n".encode()
        )
    elif case == "wrong_merchant":
        headers, body = wechat.notification(order_no, sent_at=now, resource={
            "mchid": "1900000999", "appid": "wx8888888888888888", "out_trade_no": order_no, "transaction_id": "4200X",
            "trade_state": "SUCCESS", "success_time": now.isoformat(), "amount": {"total": 5_000}})
    elif case == "amount_mismatch":
        wechat.pay(order_no, at=now, amount_fen=1)  # the channel says 0.01 yuan was paid for a 50 yuan order
        headers, body = wechat.notification(order_no, sent_at=now)
    elif case == "account_mismatch":
        wechat.orders[order_no].attach = "3301000999"  # signed by the channel, but for another account
        headers, body = wechat.notification(order_no, sent_at=now)
    elif case == "unknown_order":
        wechat.orders["GPNOTOURS"] = wechat.orders.pop(order_no)
        wechat.orders["GPNOTOURS"].order_no = "GPNOTOURS"
        headers, body = wechat.notification("GPNOTOURS", sent_at=now)
    answer = deliver_wechat(client, headers, body)
    assert answer.status_code == status
    if status == 400:
        assert answer.json()["code"] == "FAIL"  # WeChat Pay will retry: only a genuine retry can pass
    assert Payment.objects.count() == 0 and balance() == 0
    refusal = ChannelRefusal.objects.get()
    assert (refusal.channel, refusal.reason) == ("wechat", reason)
    assert len(refusal.body_sha256) == 64
    call_command("payments", "refusals", "--channel", "wechat")
    assert REFUSAL_LABELS[RefusalReason(reason)] in capsys.readouterr().out


def test_an_order_refused_or_unreachable_is_kept_as_failed(
    zj_tariff: str, wechat: WeChatPayServer, settings: Any
) -> None:
    enrol(1)
    wechat.refuse_next = "PARAM_ERROR"
    with pytest.raises(OrderFailed, match="PARAM_ERROR"):
        order("wechat", settings)
    wechat.refuse_next = "SYSTEM_ERROR"
    with pytest.raises(ChannelDown):
        order("wechat", settings)
    assert list(ChannelOrder.objects.values_list("status", flat=True)) == ["failed", "failed"]
    settings.PAYMENT_CHANNELS_CONFIG = {**settings.PAYMENT_CHANNELS_CONFIG, "GRIDPAY_WECHATPAY_BASE_URL": "http://127.0.0.1:9"}
    with pytest.raises(ChannelDown, match="无法连接微信支付"):
        order("wechat", settings)


def test_a_wechat_refund_goes_through_the_channel_and_is_recorded_once(
    zj_tariff: str, wechat: WeChatPayServer, settings: Any, client: Client
) -> None:
    enrol(1, opening_balance_fen=0)
    order_no = order("wechat", settings)
    txn = wechat.pay(order_no, at=current_instant())
    deliver_wechat(client, *wechat.notification(order_no, sent_at=current_instant()))
    adapter = build_online_channel("wechat", settings.PAYMENT_CHANNELS_CONFIG)
    now = current_instant()
    result = refund_through_channel(channel=adapter, channel_txn_id=txn, refund_no="RF-1", amount_fen=2_000,
                                    reason="多交", at=now, business_day=now.date())
    assert result.available_balance_fen == 3_000
    assert wechat.orders[order_no].refunds == [("RF-1", 2_000)]
    again = refund_through_channel(channel=adapter, channel_txn_id=txn, refund_no="RF-1", amount_fen=2_000,
                                   reason="多交", at=now, business_day=now.date())
    assert again.replayed and PaymentRefund.objects.count() == 1 and balance() == 3_000
    with pytest.raises(Exception, match="退款超过可退金额"):
        refund_through_channel(channel=adapter, channel_txn_id=txn, refund_no="RF-2", amount_fen=3_001,
                               reason="多交", at=now, business_day=now.date())


def paid_and_refunded(wechat: WeChatPayServer, settings: Any, client: Client, *, refund_fen: int = 2_000,
                      refund_no: str = "RF-1") -> str:
    """A 50.00 WeChat payment credited, then ``refund_fen`` of it refunded through the channel (WeChat: PROCESSING).
    Returns the payment's transaction id."""
    order_no = order("wechat", settings)
    txn = wechat.pay(order_no, at=current_instant())
    assert deliver_wechat(client, *wechat.notification(order_no, sent_at=current_instant())).status_code == 204
    refund(settings, txn, refund_no, refund_fen)
    return txn


def refund(settings: Any, txn: str, refund_no: str, amount_fen: int) -> Any:
    now = current_instant()
    return refund_through_channel(
        channel=build_online_channel("wechat", settings.PAYMENT_CHANNELS_CONFIG), channel_txn_id=txn,
        refund_no=refund_no, amount_fen=amount_fen, reason="多交", at=now, business_day=now.date(),
    )


def ledger_rows() -> tuple[int, int, int]:
    """Transfers, refunds and refusals recorded: a replay adds to none of them."""
    return Transfer.objects.count(), PaymentRefund.objects.count(), ChannelRefusal.objects.count()


def test_a_wechat_refund_notification_confirms_our_pending_refund_once(
    zj_tariff: str, wechat: WeChatPayServer, settings: Any, client: Client
) -> None:
    enrol(1, opening_balance_fen=0)
    paid_and_refunded(wechat, settings, client)
    assert PaymentRefund.objects.get().channel_status == "PROCESSING" and balance() == 3_000
    before = ledger_rows()
    sent = current_instant()
    answer = deliver_wechat(client, *wechat.refund_notification("RF-1", sent_at=sent))
    assert answer.status_code == 204 and ChannelRefusal.objects.count() == 0
    row = PaymentRefund.objects.get()
    assert (row.channel_status, row.channel_settled_at, row.received_by) == (
        "SUCCESS", sent.replace(microsecond=0), "支付用户零钱")
    assert balance() == 3_000 and ledger_rows() == before  # confirmed: the money had moved when it was asked
    # WeChat retries until it hears success: the same result again records nothing and is answered success.
    for _ in range(3):
        answer = deliver_wechat(client, *wechat.refund_notification("RF-1", sent_at=current_instant()))
        assert answer.status_code == 204
    assert ledger_rows() == before and balance() == 3_000
    assert cached_balances_match_transfers()


def test_a_closed_wechat_refund_gives_the_money_back_once(
    zj_tariff: str, wechat: WeChatPayServer, settings: Any, client: Client
) -> None:
    enrol(1, opening_balance_fen=0)
    paid_and_refunded(wechat, settings, client)
    transfers = Transfer.objects.count()
    for _ in range(2):
        answer = deliver_wechat(client, *wechat.refund_notification("RF-1", sent_at=current_instant(),
                                                                    status="CLOSED"))
        assert answer.status_code == 204
    row = PaymentRefund.objects.get()
    assert row.channel_status == "CLOSED" and row.closed_transfer is not None
    assert (row.closed_transfer.kind, row.closed_transfer.amount_fen) == ("refund_closed", 2_000)
    assert balance() == 5_000 and Transfer.objects.count() == transfers + 1 and ChannelRefusal.objects.count() == 0
    # The closed refund gave nothing back to the payer: the whole payment may still be refunded.
    assert refund(settings, PaymentRefund.objects.get().payment.channel_txn_id, "RF-2", 5_000).amount_fen == 5_000
    assert balance() == 0 and cached_balances_match_transfers()


def test_an_abnormal_wechat_refund_moves_no_money_and_a_later_result_settles_it(
    zj_tariff: str, wechat: WeChatPayServer, settings: Any, client: Client
) -> None:
    enrol(1, opening_balance_fen=0)
    paid_and_refunded(wechat, settings, client)
    before = ledger_rows()
    answer = deliver_wechat(client, *wechat.refund_notification("RF-1", sent_at=current_instant(),
                                                                status="ABNORMAL"))
    assert answer.status_code == 204 and PaymentRefund.objects.get().channel_status == "ABNORMAL"
    assert balance() == 3_000 and ledger_rows() == before
    # Handled in the merchant platform (异常退款 to the payer's card), WeChat reports the refund made.
    deliver_wechat(client, *wechat.refund_notification("RF-1", sent_at=current_instant()))
    assert PaymentRefund.objects.get().channel_status == "SUCCESS" and balance() == 3_000
    # A made refund cannot close afterwards: recorded as a refusal for staff, acknowledged, no money moved.
    answer = deliver_wechat(client, *wechat.refund_notification("RF-1", sent_at=current_instant(),
                                                                status="CLOSED"))
    assert answer.status_code == 204 and balance() == 3_000
    refusal = ChannelRefusal.objects.get()
    assert refusal.reason == "refund_conflict" and "已是退款成功" in refusal.detail
    assert PaymentRefund.objects.get().channel_status == "SUCCESS"


@pytest.mark.parametrize(
    ("case", "reason", "status", "detail"),
    [
        ("made_outside_gridpay", "unknown_refund", 204, "本系统没有这笔退款"),
        ("other_amount", "amount_mismatch", 204, "应退 2000 分"),
        ("other_payment", "unknown_refund", 204, "属于交易"),
        ("other_merchant", "wrong_merchant", 400, "1900000999"),
        ("event_and_status_differ", "malformed", 400, "REFUND.SUCCESS"),
        ("tampered", "bad_signature", 400, ""),
        ("stale", "stale", 400, ""),
    ],
)
def test_wechat_refund_notifications_that_do_not_match_our_refund_are_refused_and_recorded(
    *, zj_tariff: str, wechat: WeChatPayServer, settings: Any, client: Client, case: str, reason: str,
    status: int, detail: str,
) -> None:
    enrol(1, opening_balance_fen=0)
    txn = paid_and_refunded(wechat, settings, client)
    now = current_instant()
    before = ledger_rows()
    if case == "made_outside_gridpay":
        wechat.refund_outside(next(iter(wechat.orders)), "MP-REFUND-7", 1_000)
        headers, body = wechat.refund_notification("MP-REFUND-7", sent_at=now)
    elif case == "other_amount":
        headers, body = wechat.refund_notification(
            "RF-1", sent_at=now, change=lambda r: r["amount"].update(refund=2_500, payer_refund=2_500))
    elif case == "other_payment":
        headers, body = wechat.refund_notification("RF-1", sent_at=now,
                                                   change=lambda r: r.update(transaction_id="4200000000OTHER"))
    elif case == "other_merchant":
        headers, body = wechat.refund_notification("RF-1", sent_at=now, change=lambda r: r.update(mchid="1900000999"))
    elif case == "event_and_status_differ":
        headers, body = wechat.refund_notification("RF-1", sent_at=now,
                                                   change=lambda r: r.update(refund_status="CLOSED"))
    elif case == "tampered":
        headers, body = wechat.refund_notification("RF-1", sent_at=now)
        body = body.replace(b'"summary": "', b'"summary": "X')
    else:
        headers, body = wechat.refund_notification("RF-1", sent_at=now - timedelta(minutes=6))
    answer = deliver_wechat(client, headers, body)
    assert answer.status_code == status
    refusal = ChannelRefusal.objects.get()
    assert (refusal.channel, refusal.reason) == ("wechat", reason) and detail in refusal.detail
    if status == 204:  # verified: kept for staff with the trade it names, and WeChat stops retrying
        assert refusal.channel_txn_id in (txn, "4200000000OTHER") and refusal.order_no
    assert (Transfer.objects.count(), PaymentRefund.objects.count()) == before[:2]
    assert PaymentRefund.objects.get().channel_status == "PROCESSING" and balance() == 3_000


REFUND_RESULTS = st.sampled_from(["SUCCESS", "ABNORMAL", "CLOSED"])


@hypothesis_settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(refund_fen=st.integers(1, 5_000), results=st.lists(REFUND_RESULTS, min_size=1, max_size=6))
def test_refund_results_delivered_in_any_order_and_again_move_the_money_at_most_once(
    *, zj_tariff: str, wechat: WeChatPayServer, settings: Any, client: Client, refund_fen: int, results: list[str]
) -> None:
    """Whatever WeChat sends about one refund, and however often: the refund's money leaves the account once, and
    comes back once if (and only if) the refund closed before it was made."""
    if not LedgerAccount.objects.filter(code=f"customer:{ACCOUNT}").exists():
        enrol(1, opening_balance_fen=0)
    start = balance()
    refund_no = f"RF-{PaymentRefund.objects.count() + 1}"
    paid_and_refunded(wechat, settings, client, refund_fen=refund_fen, refund_no=refund_no)
    refusals = ChannelRefusal.objects.count()
    state, conflicts = "PROCESSING", 0
    for result in results:
        answer = deliver_wechat(client, *wechat.refund_notification(refund_no, sent_at=current_instant(),
                                                                    status=result))
        assert answer.status_code == 204
        if result != state and state in ("SUCCESS", "CLOSED"):
            conflicts += 1
        elif result != state:
            state = result
    assert PaymentRefund.objects.get(channel_refund_id=refund_no).channel_status == state
    assert balance() - start == 5_000 - (0 if state == "CLOSED" else refund_fen)
    assert ChannelRefusal.objects.count() - refusals == conflicts
    assert cached_balances_match_transfers()


def test_an_alipay_qr_order_is_credited_once_and_answered_success_only_after_crediting(
    zj_tariff: str, alipay: AlipayGateway, settings: Any, client: Client
) -> None:
    enrol(1, opening_balance_fen=0)
    order_no = order("alipay", settings, amount_fen=12_345, kind="precreate")
    assert ChannelOrder.objects.get(order_no=order_no).pay_with["qr_code"].startswith("https://qr.alipay.com/")
    txn = alipay.pay(order_no, at=current_instant())
    answer = deliver_alipay(client, alipay.notification(order_no, sent_at=current_instant()))
    assert (answer.status_code, answer.content) == (200, b"success")
    assert Payment.objects.get().channel_txn_id == txn and balance() == 12_345
    again = deliver_alipay(client, alipay.notification(order_no, sent_at=current_instant(), status="TRADE_FINISHED"))
    assert again.content == b"success" and Payment.objects.count() == 1 and balance() == 12_345


@pytest.mark.parametrize(
    ("case", "reason"),
    [("tampered_amount", "bad_signature"), ("tampered_order", "bad_signature"), ("stale", "stale"),
     ("unsigned", "bad_signature"), ("other_app", "wrong_merchant")],
)
def test_alipay_notifications_that_must_not_move_money_answer_fail(
    *, zj_tariff: str, alipay: AlipayGateway, settings: Any, client: Client, case: str, reason: str
) -> None:
    enrol(1, opening_balance_fen=0)
    order_no = order("alipay", settings, kind="precreate")
    now = current_instant()
    alipay.pay(order_no, at=now)
    body = alipay.notification(order_no, sent_at=now)
    if case == "tampered_amount":
        body = body.replace(b"total_amount=50.00", b"total_amount=5000.00")
    elif case == "tampered_order":
        body = body.replace(order_no.encode(), b"GP000000000000000000000000")
    elif case == "stale":
        body = alipay.notification(order_no, sent_at=now - timedelta(hours=1))
    elif case == "unsigned":
        body = b"&".join(p for p in body.split(b"&") if not p.startswith(b"sign="))
    elif case == "other_app":
        body = alipay.notification(order_no, sent_at=now, change=lambda f: f.update(app_id="2099000000000000"))
    answer = deliver_alipay(client, body)
    assert (answer.status_code, answer.content) == (400, b"fail")
    assert Payment.objects.count() == 0 and balance() == 0
    assert ChannelRefusal.objects.get().reason == reason


def test_a_closed_alipay_trade_is_acknowledged_and_credits_nothing(
    zj_tariff: str, alipay: AlipayGateway, settings: Any, client: Client
) -> None:
    enrol(1, opening_balance_fen=0)
    order_no = order("alipay", settings, kind="precreate")
    alipay.pay(order_no, at=current_instant())
    answer = deliver_alipay(client, alipay.notification(order_no, sent_at=current_instant(), status="TRADE_CLOSED"))
    assert answer.content == b"success" and Payment.objects.count() == 0


def test_an_alipay_refund_goes_through_the_channel(
    zj_tariff: str, alipay: AlipayGateway, settings: Any, client: Client
) -> None:
    enrol(1, opening_balance_fen=0)
    order_no = order("alipay", settings, kind="precreate")
    txn = alipay.pay(order_no, at=current_instant())
    deliver_alipay(client, alipay.notification(order_no, sent_at=current_instant()))
    adapter = build_online_channel("alipay", settings.PAYMENT_CHANNELS_CONFIG)
    now = current_instant()
    refund_through_channel(channel=adapter, channel_txn_id=txn, refund_no="RF-9", amount_fen=5_000, reason="销户退费",
                           at=now, business_day=now.date())
    assert alipay.orders[order_no].refunds == [("RF-9", 5_000)] and balance() == 0


def test_a_notification_for_a_channel_not_configured_is_refused_and_recorded(settings: Any, client: Client) -> None:
    settings.PAYMENT_CHANNELS_CONFIG = {}
    answer = client.post("/api/channels/wechat/notify", data=b"{}", content_type="application/json")
    assert answer.status_code == 503 and "GRIDPAY_WECHATPAY_MCHID" in answer.json()["message"]
    assert ChannelRefusal.objects.get().reason == "not_configured"
    assert client.post("/api/channels/paypal/notify", data=b"{}", content_type="application/json").status_code == 404


def test_a_notification_too_large_to_read_is_refused_unread_and_recorded(settings: Any, client: Client) -> None:
    # Issue 20 point 7: Django refuses a body past DATA_UPLOAD_MAX_MEMORY_SIZE before anything reads it; the refusal
    # is recorded like every other, not lost in a bare 400.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_024
    answer = client.post("/api/channels/alipay/notify", data=b"x" * 5_000, content_type="application/json",
                         REMOTE_ADDR="203.0.113.9")
    assert answer.status_code == 413 and "报文过大" in answer.json()["message"]
    refusal = ChannelRefusal.objects.get()
    assert (refusal.channel, refusal.reason, refusal.remote_addr) == ("alipay", "oversized", "203.0.113.9")
    assert "5000 字节" in refusal.detail and not Payment.objects.exists()
