"""Signing in to the customer portal with an SMS code: how often a code may be asked for, how long it lives."""

import hashlib
import hmac
from datetime import datetime, timedelta

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
MAX_CODES_PER_HOUR = 5
MAX_ATTEMPTS = 5


class SignInRefused(DomainError):
    code = "sign_in_refused"


def check_may_send(*, sent_before: list[datetime], now: datetime) -> None:
    """At most one code a minute and five an hour to one phone: a portal is no way to flood someone with SMS."""
    recent = [at for at in sent_before if now - at < timedelta(hours=1)]
    latest = max(recent, default=None)
    if latest is not None and now - latest < RESEND_AFTER:
        wait = int((RESEND_AFTER - (now - latest)).total_seconds()) + 1
        raise SignInRefused(gettext_noop("验证码已发送，请 {wait} 秒后再获取"), field="account_no",
                            params={"wait": wait})
    if len(recent) >= MAX_CODES_PER_HOUR:
        raise SignInRefused(gettext_noop("一小时内获取验证码次数过多，请稍后再试"), field="account_no")


def code_digest(*, key: bytes, phone: str, code: str) -> str:
    return hmac.new(key, f"{phone}:{code.strip()}".encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str) -> str:
    """13900001111 → 139****1111."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"
