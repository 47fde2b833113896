"""Issues a staff API token: the token is shown once and only its SHA-256 hash is kept."""

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from gridpay.data.models import ApiToken
from gridpay.domain.errors import DomainError
from gridpay.domain.payments import TOKEN_CHANNELS, channel_label
from gridpay.domain.texts import gettext_noop

TOKEN_PREFIX = "gp_"  # lets secret scanners and people recognise a gridpay token
MAX_NAME_LENGTH = 100


class ApiTokenRefused(DomainError):
    code = "api_token_refused"


@dataclass(frozen=True)
class IssuedApiToken:
    name: str
    token: str  # the only time the token itself exists outside its holder
    created_at: datetime
    staff: str | None = None  # the username of the member of staff it acts for
    channels: tuple[str, ...] = ()  # the payment channels it may record


def issue_api_token(
    *, name: str, at: datetime, staff: str | None = None, channels: Iterable[str] = ()
) -> IssuedApiToken:
    """A new token named ``name``; with ``staff`` (a username), it acts for that member of staff with their roles. It
    records payments on ``channels`` only (a bank's token, bank payments), never on a channel with a signed door of
    its own (domain.payments.TOKEN_CHANNELS)."""
    name = name.strip()
    if not name:
        raise ApiTokenRefused(gettext_noop("令牌名称不能为空"), field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise ApiTokenRefused(gettext_noop("令牌名称最长 {most} 个字符"), field="name",
                              params={"most": MAX_NAME_LENGTH})
    scoped = sorted({c.strip() for c in channels if c.strip()})
    for channel in scoped:
        if channel not in TOKEN_CHANNELS:
            raise ApiTokenRefused(gettext_noop("接口令牌不能记录{channel}的交费：可选 {allowed}"), field="channels",
                                  params={"channel": channel_label(channel),
                                          "allowed": ", ".join(sorted(TOKEN_CHANNELS))})
    user = None
    if staff is not None:
        user = get_user_model().objects.filter(username=staff.strip(), is_active=True).first()
        if user is None:
            raise ApiTokenRefused(gettext_noop("没有在职的工作人员 {username}（gridpay staff add 添加）"),
                                  field="staff", params={"username": staff.strip()})
    # 32 random bytes: a hash without salt or stretching is enough for a secret this long.
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            ApiToken.objects.create(name=name, token_sha256=token_sha256(token), created_at=at, staff=user,
                                    channels=",".join(scoped))
    except IntegrityError:
        raise ApiTokenRefused(gettext_noop("已有名为 {name} 的有效令牌：请先吊销它或换一个名称"), field="name",
                              params={"name": name}) from None
    return IssuedApiToken(name=name, token=token, created_at=at,
                          staff=user.get_username() if user is not None else None, channels=tuple(scoped))


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
