"""演示支付: the demo town's online channel, which takes no money. It opens orders and, when the customer presses
pay, writes and signs the notification a real channel would send, which is then read back through the door every
channel's notification takes (ADR 0026). Only factory.build_demo_channel hands it out, and only to a demo."""

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from datetime import date, datetime

from gridpay.domain.channel_payments import ConfirmedPayment, NotificationRefused, RefusalReason, check_sent_at
from gridpay.domain.payments import PaymentChannel
from gridpay.integrations.channels.online import ChannelNotice, ChannelRejected, OrderRequest

SIGNATURE_HEADER = "Gridpay-Demo-Signature"
ACK = (200, b'{"code": "SUCCESS"}', "application/json")
PAYER = "演示用户"


class DemoChannel:
    channel = PaymentChannel.DEMO

    def __init__(self) -> None:
        # A key of its own, made when the process starts: only this process's demo channel can sign a notification
        # it accepts, and nothing that signs real money shares it.
        self._key = secrets.token_bytes(32)

    def create_order(self, order: OrderRequest) -> dict[str, str]:
        """Nothing to scan: the portal shows the demo's pay button for the order."""
        return {"demo_order": order.order_no}

    def pay(self, *, order_no: str, amount_fen: int, paid_at: datetime) -> tuple[dict[str, str], bytes]:
        """The notification this channel sends once its customer paid ``order_no``: headers and body, signed."""
        body = json.dumps({
            "event_type": "TRANSACTION.SUCCESS",
            "out_trade_no": order_no,
            # One transaction per order, as a real channel collects an order once: a second press is the same payment.
            "transaction_id": f"DEMO{order_no}",
            "amount_fen": amount_fen,
            "success_time": paid_at.isoformat(),
            "sent_at": paid_at.isoformat(),
            "payer": PAYER,
        }, ensure_ascii=False).encode()
        return {SIGNATURE_HEADER: self._signature(body)}, body

    def read_notification(self, *, headers: Mapping[str, str], body: bytes, now: datetime) -> ChannelNotice:
        signature = {name.lower(): value for name, value in headers.items()}.get(SIGNATURE_HEADER.lower(), "")
        if not signature or not hmac.compare_digest(signature, self._signature(body)):
            raise NotificationRefused(RefusalReason.BAD_SIGNATURE, "演示支付通知的签名无效")
        try:
            fields = json.loads(body)
            check_sent_at(sent_at=datetime.fromisoformat(fields["sent_at"]), now=now)
            payment = ConfirmedPayment(
                channel=self.channel,
                channel_txn_id=str(fields["transaction_id"]),
                account_no="",  # the order carries the account
                amount_fen=int(fields["amount_fen"]),
                paid_at=datetime.fromisoformat(fields["success_time"]),
                payer=str(fields.get("payer", "")),
                order_no=str(fields["out_trade_no"]),
            )
        except (KeyError, ValueError, TypeError):
            raise NotificationRefused(RefusalReason.MALFORMED, "缺少或无效的字段") from None
        return ChannelNotice(payment=payment, ack_status=ACK[0], ack_body=ACK[1], ack_content_type=ACK[2])

    def refusal_answer(self, message: str) -> tuple[int, bytes, str]:
        return 400, json.dumps({"code": "FAIL", "message": message}, ensure_ascii=False).encode(), "application/json"

    def refund(self, *, refund_no: str, channel_txn_id: str, amount_fen: int, paid_fen: int, reason: str) -> str:
        raise ChannelRejected("演示支付没有真的收款，不能原路退回")

    def statement(self, *, day: date) -> bytes:
        raise ChannelRejected("演示支付没有对账单")

    def _signature(self, body: bytes) -> str:
        return hmac.new(self._key, body, hashlib.sha256).hexdigest()
