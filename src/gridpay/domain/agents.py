"""Agent outlets (代收网点): how their requests are signed, what they see of a customer, their float and commission."""

import hashlib
import hmac
from dataclasses import dataclass

from gridpay.domain.channel_payments import NotificationRefused, RefusalReason
from gridpay.domain.money import round_to_fen

SIGNATURE_SCHEME = "GRIDPAY-HMAC-SHA256"
MIN_NONCE_LENGTH = 16
MAX_NONCE_LENGTH = 64


def string_to_sign(*, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """What an agent signs: the method, the path with its query, the time, a fresh nonce and the body's SHA-256."""
    return f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n{hashlib.sha256(body).hexdigest()}"


def agent_signature(*, secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = string_to_sign(method=method, path=path, timestamp=timestamp, nonce=nonce, body=body)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def check_agent_signature(
    *, secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes, signature: str
) -> None:
    if not MIN_NONCE_LENGTH <= len(nonce) <= MAX_NONCE_LENGTH or not nonce.isascii() or not nonce.isalnum():
        wanted = f"{MIN_NONCE_LENGTH}–{MAX_NONCE_LENGTH} 位字母或数字"
        raise NotificationRefused(RefusalReason.MALFORMED, f"随机串应为 {wanted}")
    expected = agent_signature(secret=secret, method=method, path=path, timestamp=timestamp, nonce=nonce, body=body)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise NotificationRefused(RefusalReason.BAD_SIGNATURE, "HMAC 签名不符")


def mask_name(name: str) -> str:
    """张三 → 张*, 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜: enough for the customer to recognise, not to learn."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@dataclass(frozen=True)
class CommissionTerms:
    per_payment_fen: int  # 每笔代收手续费
    rate_bp: int  # plus basis points (万分之) of the amount collected


def commission_fen(*, amount_fen: int, terms: CommissionTerms) -> int:
    """The agent's commission on one payment, rounded once (half up)."""
    # A fen is 10 000 micro-yuan and a basis point 1/10 000: fen × basis points is the exact micro-yuan amount.
    return terms.per_payment_fen + round_to_fen(micro_yuan=amount_fen * terms.rate_bp)


def check_float(*, outstanding_fen: int, amount_fen: int, float_limit_fen: int) -> None:
    """An agent holds the cash it collects until it settles; it may not hold more than its float limit."""
    if outstanding_fen + amount_fen > float_limit_fen:
        raise NotificationRefused(
            RefusalReason.OVER_LIMIT,
            f"代收额度 {float_limit_fen} 分，未结算 {outstanding_fen} 分，本笔 {amount_fen} 分：请先结算",
        )
