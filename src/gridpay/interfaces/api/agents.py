"""`/api/agent/...`: agent outlets look up an account and collect payments, each request HMAC-signed."""

from dataclasses import asdict
from datetime import date

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from gridpay.application.payments.agents.agent_statement import agent_statement
from gridpay.application.payments.agents.authenticate_agent import AgentCaller, authenticate_agent
from gridpay.application.payments.agents.collect_payment import collect_payment
from gridpay.application.payments.agents.look_up_account import look_up_account
from gridpay.interfaces import clock
from gridpay.interfaces.api.schemas import (
    AgentAccountOut,
    AgentPaymentIn,
    AgentPaymentOut,
    AgentStatementOut,
    ErrorOut,
)
from gridpay.interfaces.client_address import client_address

router = Router(tags=["代收网点 agents"], auth=None)
SIGNING = (
    "每个请求带 X-Gridpay-Agent（代收方编号）、X-Gridpay-Timestamp（Unix 秒）、X-Gridpay-Nonce（16–64 位字母数字，"
    "不可重复）与 X-Gridpay-Signature：HMAC-SHA256(密钥, 方法\\n路径含查询串\\n时间戳\\n随机串\\n"
    "请求体SHA-256十六进制) 的十六进制。"
)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _agent(request: HttpRequest) -> AgentCaller:
    headers = request.headers
    return authenticate_agent(
        agent_code=headers.get("X-Gridpay-Agent", ""),
        timestamp=headers.get("X-Gridpay-Timestamp", ""),
        nonce=headers.get("X-Gridpay-Nonce", ""),
        signature=headers.get("X-Gridpay-Signature", ""),
        method=request.method or "",
        path=request.get_full_path(),
        body=request.body,
        now=clock.now(),
        remote_addr=client_address(request),
    )


@router.get("/agent/accounts/{account_no}", response={200: AgentAccountOut, **ERRORS}, summary="代收前核对户名",
            description=SIGNING)
def account_for_agent(request: HttpRequest, account_no: str) -> AgentAccountOut:
    _agent(request)
    return AgentAccountOut(**asdict(look_up_account(account_no=account_no)))


@router.post("/agent/payments", response={200: AgentPaymentOut, 201: AgentPaymentOut, **ERRORS},
             summary="代收一笔电费", description=SIGNING + "同一代收流水号重复提交只入账一次（200，replayed=true）。")
def agent_payment(request: HttpRequest, payload: AgentPaymentIn, response: HttpResponse) -> Status[AgentPaymentOut]:
    agent = _agent(request)
    result = collect_payment(
        agent_id=agent.agent_id, account_no=payload.account_no, amount_fen=payload.amount_fen,
        agent_txn_id=payload.agent_txn_id, at=clock.now(), business_day=clock.today(), body=request.body,
        remote_addr=client_address(request),
    )
    paid = result.payment
    out = AgentPaymentOut(
        payment_id=paid.payment_id, account_no=paid.account_no, amount_fen=paid.amount_fen,
        channel_txn_id=paid.channel_txn_id, received_at=paid.received_at, replayed=paid.replayed,
        available_balance_fen=paid.available_balance_fen, commission_fen=result.commission_fen,
        outstanding_fen=result.outstanding_fen,
    )
    return Status(200 if paid.replayed else 201, out)


@router.get("/agent/statement", response={200: AgentStatementOut, **ERRORS}, summary="代收日结单", description=SIGNING)
def statement_for_agent(request: HttpRequest, day: date) -> AgentStatementOut:
    agent = _agent(request)
    return AgentStatementOut(**asdict(agent_statement(agent_code=agent.code, day=day)))
