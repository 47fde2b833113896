"""An agent collects a payment for an account number: within its float, credited at once, exactly once."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Sum

from gridpay.application.errors import InvalidInput
from gridpay.application.payments.channels.refusals import record_refusal
from gridpay.application.payments.record_payment import PaymentResult, record_payment
from gridpay.data.models import Agent, AgentPayment, Payment
from gridpay.domain.agents import CommissionTerms, check_float, commission_fen
from gridpay.domain.channel_payments import NotificationRefused, RefusalReason
from gridpay.domain.errors import DomainError
from gridpay.domain.payments import PaymentChannel
from gridpay.domain.texts import gettext_noop

MAX_AGENT_TXN_ID_LENGTH = 40


class FloatExceeded(DomainError):
    code = "float_exceeded"
    http_status = 403


@dataclass(frozen=True)
class AgentPaymentResult:
    payment: PaymentResult
    commission_fen: int
    outstanding_fen: int  # what the agent holds, unsettled, after this payment


def collect_payment(
    *, agent_id: int, account_no: str, amount_fen: int, agent_txn_id: str, at: datetime, business_day: date,
    body: bytes = b"", remote_addr: str = "",
) -> AgentPaymentResult:
    """The agent's own serial number makes the payment's identity: a retry with it credits nothing again.

    Every refusal (past the float, a serial number used for another payment, an unknown account…) is recorded as the
    channels' are (ChannelRefusal, channel "agent"; issue 20), after its transaction rolled back: ``body`` and
    ``remote_addr`` are the request's."""
    try:
        return _collect(agent_id=agent_id, account_no=account_no, amount_fen=amount_fen, agent_txn_id=agent_txn_id,
                        at=at, business_day=business_day)
    except DomainError as error:
        reason = RefusalReason.OVER_LIMIT if isinstance(error, FloatExceeded) else RefusalReason.NOT_CREDITED
        refused = NotificationRefused(reason, f"{error.code}: {error.message}")
        record_refusal(channel=PaymentChannel.AGENT.value, refused=refused, body=body, at=at, remote_addr=remote_addr,
                       channel_txn_id=agent_txn_id.strip())
        raise


def _collect(
    *, agent_id: int, account_no: str, amount_fen: int, agent_txn_id: str, at: datetime, business_day: date
) -> AgentPaymentResult:
    agent_txn_id = agent_txn_id.strip()
    if not agent_txn_id or len(agent_txn_id) > MAX_AGENT_TXN_ID_LENGTH or not agent_txn_id.isprintable():
        raise InvalidInput(
            gettext_noop("代收流水号应为 1–{most} 个可打印字符"), field="agent_txn_id",
            params={"most": MAX_AGENT_TXN_ID_LENGTH},
        )
    with transaction.atomic():
        # The agent's row is the lock that makes its float checks take turns.
        agent = Agent.objects.select_for_update().get(id=agent_id)
        txn = f"{agent.code}-{agent_txn_id}"
        replay = Payment.objects.filter(channel=PaymentChannel.AGENT.value, channel_txn_id=txn).exists()
        outstanding = _outstanding(agent)
        if not replay:
            try:
                check_float(outstanding_fen=outstanding, amount_fen=amount_fen, float_limit_fen=agent.float_limit_fen)
            except NotificationRefused as refused:
                raise FloatExceeded(refused.template, field="amount_fen", params=refused.params) from None
        paid = record_payment(
            account_no=account_no, amount_fen=amount_fen, channel=PaymentChannel.AGENT.value, channel_txn_id=txn,
            received_at=at, business_day=business_day, payer=agent.name,
        )
        if paid.replayed:
            row = AgentPayment.objects.get(payment_id=paid.payment_id)
            return AgentPaymentResult(paid, row.commission_fen, outstanding)
        terms = CommissionTerms(per_payment_fen=agent.commission_per_payment_fen, rate_bp=agent.commission_rate_bp)
        commission = commission_fen(amount_fen=amount_fen, terms=terms)
        AgentPayment.objects.create(
            payment_id=paid.payment_id, agent=agent, agent_txn_id=agent_txn_id, day=business_day,
            commission_fen=commission,
        )
        return AgentPaymentResult(paid, commission, outstanding + amount_fen)


def _outstanding(agent: Agent) -> int:
    total = AgentPayment.objects.filter(agent=agent, settlement__isnull=True).aggregate(s=Sum("payment__amount_fen"))
    return int(total["s"] or 0)
