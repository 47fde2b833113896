"""Settles an agent's day (解款): the day's collections handed over, its float freed, once, with an audit record."""

from datetime import date, datetime

from django.db import IntegrityError, transaction

from gridpay.application.errors import InvalidInput
from gridpay.application.payments.agents.agent_statement import AgentStatement, agent_statement
from gridpay.data.models import Agent, AgentPayment, AgentSettlement, AuditRecord
from gridpay.domain.texts import gettext_noop


def settle_agent_day(*, agent_code: str, day: date, by: str, at: datetime) -> AgentStatement:
    if not by.strip():
        raise InvalidInput(gettext_noop("必须写明结算经办人（--by）"), field="by")
    statement = agent_statement(agent_code=agent_code, day=day)
    if statement.settled_at is not None:
        return statement
    try:
        with transaction.atomic():
            agent = Agent.objects.select_for_update().get(code=statement.agent_code)
            settlement = AgentSettlement.objects.create(
                agent=agent, day=day, payments=statement.payments, amount_fen=statement.amount_fen,
                commission_fen=statement.commission_fen, settled_at=at, settled_by=by.strip()[:100],
            )
            AgentPayment.objects.filter(agent=agent, day=day, settlement__isnull=True).update(settlement=settlement)
            AuditRecord.objects.create(
                at=at, actor=settlement.settled_by, action="agent.settle", target=f"agent_settlement:{settlement.id}",
                old={}, new={"agent": agent.code, "day": day.isoformat(), "amount_fen": statement.amount_fen,
                             "commission_fen": statement.commission_fen},
            )
    except IntegrityError:  # settled at the same moment by someone else
        pass
    return agent_statement(agent_code=agent_code, day=day)
