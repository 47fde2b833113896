"""Registers an agent outlet; its HMAC secret is made here and shown once."""

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from gridpay.data.models import Agent, Outlet
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop


class InvalidAgent(DomainError):
    code = "invalid_agent"


@dataclass(frozen=True)
class IssuedAgent:
    code: str
    name: str
    secret: str  # shown once: the agent configures it in its till


def register_agent(
    *, code: str, name: str, float_limit_fen: int, commission_per_payment_fen: int = 0, commission_rate_bp: int = 0,
    outlet_code: str = "",
) -> IssuedAgent:
    code, name = code.strip(), name.strip()
    if not code or not code.isascii() or not code.replace("-", "").isalnum():
        raise InvalidAgent(gettext_noop("代收方编号应为字母、数字或连字符"), field="code")
    if not name:
        raise InvalidAgent(gettext_noop("代收方名称不能为空"), field="name")
    if float_limit_fen <= 0 or commission_per_payment_fen < 0 or commission_rate_bp < 0:
        raise InvalidAgent(gettext_noop("代收额度应大于 0，手续费不能为负"), field="float_limit_fen")
    outlet = None
    if outlet_code:
        outlet = Outlet.objects.filter(code=outlet_code.strip()).first()
        if outlet is None:
            raise InvalidAgent(
                gettext_noop("没有网点 {outlet_code}"), field="outlet", params={"outlet_code": outlet_code},
            )
    secret = secrets.token_hex(32)
    try:
        with transaction.atomic():
            Agent.objects.create(
                code=code, name=name, outlet=outlet, secret=secret, float_limit_fen=float_limit_fen,
                commission_per_payment_fen=commission_per_payment_fen, commission_rate_bp=commission_rate_bp,
            )
    except IntegrityError:
        raise InvalidAgent(gettext_noop("代收方编号 {code} 已存在"), field="code", params={"code": code}) from None
    return IssuedAgent(code=code, name=name, secret=secret)
