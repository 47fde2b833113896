"""`POST /api/orders`: an order at WeChat Pay or Alipay for an account, paid by scanning or inside WeChat."""

from dataclasses import asdict

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Status

from gridpay.application.payments.channels.create_channel_order import create_channel_order
from gridpay.integrations.channels.factory import build_online_channel
from gridpay.interfaces import clock
from gridpay.interfaces.api.schemas import ErrorOut, OrderIn, OrderOut

router = Router(tags=["在线支付 orders"])


@router.post(
    "/orders",
    response={201: OrderOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 503: ErrorOut},
    summary="在微信支付或支付宝为一个户号下单",
    description="返回付款所需的二维码内容或 JSAPI 调起参数；渠道通知到达并验证后才入账。",
)
def create_order(request: HttpRequest, payload: OrderIn) -> Status[OrderOut]:
    result = create_channel_order(
        channel=build_online_channel(payload.channel, settings.PAYMENT_CHANNELS_CONFIG),  # 503 when not configured
        account_no=payload.account_no,
        amount_fen=payload.amount_fen,
        kind=payload.kind,
        openid=payload.openid,
        now=clock.now(),
    )
    return Status(201, OrderOut(**asdict(result)))
