"""An agent's daily statement (代收日结单): every payment of the day, the commission, and what is owed."""

from dataclasses import dataclass
from datetime import date, datetime

from gridpay.application.errors import NotFound
from gridpay.data.models import Agent, AgentPayment, AgentSettlement
from gridpay.domain.agents import mask_name
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class StatementEntry:
    received_at: datetime
    agent_txn_id: str
    channel_txn_id: str
    account_no: str
    masked_name: str
    amount_fen: int
    commission_fen: int


@dataclass(frozen=True)
class AgentStatement:
    agent_code: str
    agent_name: str
    day: date
    entries: list[StatementEntry]
    payments: int
    amount_fen: int
    commission_fen: int
    due_fen: int  # 应解款: collected less commission
    settled_at: datetime | None
    settled_by: str


def agent_statement(*, agent_code: str, day: date) -> AgentStatement:
    agent = Agent.objects.filter(code=agent_code.strip()).first()
    if agent is None:
        raise NotFound(gettext_noop("没有代收方 {agent_code}"), field="agent", params={"agent_code": agent_code})
    rows = (
        AgentPayment.objects.filter(agent=agent, day=day)
        .select_related("payment__account__customer")
        .order_by("payment__received_at", "id")
    )
    entries = [
        StatementEntry(
            received_at=row.payment.received_at,
            agent_txn_id=row.agent_txn_id,
            channel_txn_id=row.payment.channel_txn_id,
            account_no=row.payment.account.account_no,
            masked_name=mask_name(row.payment.account.customer.name),
            amount_fen=row.payment.amount_fen,
            commission_fen=row.commission_fen,
        )
        for row in rows
    ]
    amount = sum(e.amount_fen for e in entries)
    commission = sum(e.commission_fen for e in entries)
    settlement = AgentSettlement.objects.filter(agent=agent, day=day).first()
    return AgentStatement(
        agent_code=agent.code, agent_name=agent.name, day=day, entries=entries, payments=len(entries),
        amount_fen=amount, commission_fen=commission, due_fen=amount - commission,
        settled_at=settlement.settled_at if settlement else None,
        settled_by=settlement.settled_by if settlement else "",
    )
