"""Signing in to the customer portal with an SMS code: how often a code may be asked for, how long it lives."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
MAX_CODES_PER_HOUR = 5
MAX_ATTEMPTS = 5


class SignInRefused(DomainError):
    code = "sign_in_refused"


class SignInLimit(StrEnum):
    """Which limit a request for a code ran into: what the attempt's record says."""

    PHONE = "phone"  # one a minute and five an hour to one phone
    ADDRESS = "address"  # requests from one client address a minute, whatever the account numbers
    TOTAL = "total"  # codes sent a minute by the whole portal


class SignInLimited(SignInRefused):
    """A request for a code refused by one of the limits (SignInLimit), not by the account."""

    code = "sign_in_limited"
    http_status = 429

    def __init__(self, message: str, *, limit: SignInLimit, params: dict[str, object] | None = None) -> None:
        super().__init__(message, field="account_no", params=params)
        self.limit = limit


@dataclass(frozen=True)
class PortalLimits:
    """The utility's limits on the portal's code requests (GRIDPAY_PORTAL_*): per client address and in total."""

    per_address_per_minute: int
    codes_per_minute: int


def check_may_ask(*, asked_from_address: int, codes_sent: int, limits: PortalLimits) -> None:
    """Before the account is even looked up: one client cycling through account numbers (texting real people, or
    finding out which numbers exist) is stopped by its address, and a spread-out flood by the total. Counts are of
    the last minute: the requests from this address (whatever came of them), the codes sent by the portal."""
    if asked_from_address >= limits.per_address_per_minute:
        raise SignInLimited(gettext_noop("这个网络一分钟内获取验证码次数过多，请一分钟后再试"),
                            limit=SignInLimit.ADDRESS)
    if codes_sent >= limits.codes_per_minute:
        raise SignInLimited(gettext_noop("现在获取验证码的人太多，请一分钟后再试"), limit=SignInLimit.TOTAL)


def check_may_send(*, sent_before: list[datetime], now: datetime) -> None:
    """At most one code a minute and five an hour to one phone: a portal is no way to flood someone with SMS."""
    recent = [at for at in sent_before if now - at < timedelta(hours=1)]
    latest = max(recent, default=None)
    if latest is not None and now - latest < RESEND_AFTER:
        wait = int((RESEND_AFTER - (now - latest)).total_seconds()) + 1
        raise SignInLimited(gettext_noop("验证码已发送，请 {wait} 秒后再获取"), limit=SignInLimit.PHONE,
                            params={"wait": wait})
    if len(recent) >= MAX_CODES_PER_HOUR:
        raise SignInLimited(gettext_noop("一小时内获取验证码次数过多，请稍后再试"), limit=SignInLimit.PHONE)


def code_digest(*, key: bytes, phone: str, code: str) -> str:
    return hmac.new(key, f"{phone}:{code.strip()}".encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str) -> str:
    """13900001111 → 139****1111."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"
