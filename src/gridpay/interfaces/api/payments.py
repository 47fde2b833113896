"""`POST /api/payments`: records a payment once per (channel, transaction id) and per Idempotency-Key."""

from dataclasses import asdict
from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.params import HeaderEx, P

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.staff.authenticate_api_token import ApiCaller
from gridpay.data.settings import gridpay_settings
from gridpay.domain.errors import DomainError
from gridpay.domain.payments import check_token_channel, received_at_in_window
from gridpay.domain.staff_roles import Action, may
from gridpay.interfaces import clock
from gridpay.interfaces.api.errors import ApiError
from gridpay.interfaces.api.schemas import ErrorOut, PaymentIn, PaymentOut

# Clocks of channels and counters drift; a receipt time further ahead than this is a mistake.
ALLOWED_CLOCK_SKEW = timedelta(minutes=5)
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"

router = Router(tags=["交费 payments"])


@router.post(
    "/payments",
    response={
        200: PaymentOut,
        201: PaymentOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="记录一笔交费",
    description=(
        "立即入账。201：已入账；200：同一笔交费的重复请求，返回第一次的结果（replayed=true），未重复入账；"
        "409：同一渠道流水号或幂等键已用于另一笔交费；403：令牌不能记录这个渠道的交费（微信支付、支付宝、代收网点等"
        "只经其签名的通知或接口入账）。请求头 Idempotency-Key 必填。"
    ),
)
def create_payment(
    request: HttpRequest,
    payload: PaymentIn,
    response: HttpResponse,
    idempotency_key: HeaderEx[str | None, P(alias=IDEMPOTENCY_KEY_HEADER)] = None,
) -> Status[PaymentOut]:
    if idempotency_key is None or not idempotency_key.strip():
        raise ApiError(
            "idempotency_key_required",
            "缺少请求头 Idempotency-Key：每个交费请求带一个唯一的键（例如 UUID），重试时用同一个键",
            field=IDEMPOTENCY_KEY_HEADER,
        )
    now = clock.now()
    caller: ApiCaller = request.auth  # type: ignore[attr-defined]  # set by StaffToken, the router's auth
    try:
        check_token_channel(channel=payload.channel.value, allowed=caller.channels)
        received_at = received_at_in_window(
            received_at=payload.received_at or now, now=now, earliest_days=gridpay_settings().payment_backdate_days,
            future_skew=ALLOWED_CLOCK_SKEW, earlier_allowed=may(caller.roles, Action.BACKDATE_PAYMENT),
        )
        result = record_payment(
            account_no=payload.account_no,
            amount_fen=payload.amount_fen,
            channel=payload.channel.value,
            channel_txn_id=payload.channel_txn_id,
            received_at=received_at,
            business_day=clock.today(),
            idempotency_key=idempotency_key,
        )
    except DomainError as error:
        # Over HTTP the key is a header; name it as the client sent it.
        if error.field == "idempotency_key":
            error.field = IDEMPOTENCY_KEY_HEADER
        raise
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(200 if result.replayed else 201, PaymentOut(**asdict(result)))
