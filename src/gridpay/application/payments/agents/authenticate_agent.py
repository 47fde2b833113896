"""Authenticates an agent's signed request: known agent, fresh timestamp, unused nonce, right HMAC."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction

from gridpay.application.payments.channels.refusals import record_refusal
from gridpay.data.models import Agent, AgentNonce
from gridpay.domain.agents import check_agent_signature
from gridpay.domain.channel_payments import DEFAULT_MAX_SKEW, NotificationRefused, RefusalReason, check_sent_at
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop


class AgentRefused(DomainError):
    code = "agent_refused"
    http_status = 401


@dataclass(frozen=True)
class AgentCaller:
    agent_id: int
    code: str
    name: str


def authenticate_agent(
    *,
    agent_code: str,
    timestamp: str,
    nonce: str,
    signature: str,
    method: str,
    path: str,
    body: bytes,
    now: datetime,
    remote_addr: str = "",
    max_skew: timedelta = DEFAULT_MAX_SKEW,
) -> AgentCaller:
    """Every refusal is recorded and raised as AgentRefused; the nonce is spent even if the request later fails."""
    try:
        agent = Agent.objects.filter(code=agent_code.strip(), active=True).first()
        if agent is None:
            raise NotificationRefused(RefusalReason.BAD_SIGNATURE, f"未知或已停用的代收方 {agent_code!r}")
        try:
            sent_at = datetime.fromtimestamp(int(timestamp), UTC)
        except (ValueError, OverflowError, OSError):
            raise NotificationRefused(RefusalReason.MALFORMED, "时间戳应为整数秒") from None
        check_sent_at(sent_at=sent_at, now=now, max_skew=max_skew)
        check_agent_signature(
            secret=agent.secret, method=method, path=path, timestamp=timestamp, nonce=nonce, body=body,
            signature=signature,
        )
        _spend_nonce(agent, nonce, now, max_skew)
    except NotificationRefused as refused:
        record_refusal(channel="agent", refused=refused, body=body, at=now, remote_addr=remote_addr)
        raise AgentRefused(gettext_noop("代收请求被拒绝：{problem}"), params={"problem": refused.message}) from None
    return AgentCaller(agent_id=agent.id, code=agent.code, name=agent.name)


def _spend_nonce(agent: Agent, nonce: str, now: datetime, max_skew: timedelta) -> None:
    try:
        with transaction.atomic():
            AgentNonce.objects.create(agent=agent, nonce=nonce, at=now)
    except IntegrityError:
        raise NotificationRefused(RefusalReason.NONCE_REUSED, nonce) from None
    # Older nonces can no longer pass the time check: they need not be kept.
    AgentNonce.objects.filter(agent=agent, at__lt=now - 2 * max_skew).delete()
