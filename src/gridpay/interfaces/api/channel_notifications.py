"""`POST /api/channels/<channel>/notify`: where WeChat Pay and Alipay deliver payment notifications (no token)."""

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gridpay.application.payments.channels.accept_channel_notification import accept_channel_notification
from gridpay.application.payments.channels.refusals import record_refusal
from gridpay.domain.channel_payments import NotificationRefused, RefusalReason
from gridpay.integrations.channels.factory import ONLINE_CHANNELS, build_online_channel
from gridpay.integrations.channels.online import ChannelNotConfigured
from gridpay.interfaces import clock
from gridpay.interfaces.api.errors import too_large_message
from gridpay.interfaces.client_address import client_address


@csrf_exempt
@require_POST
def channel_notification(request: HttpRequest, channel: str) -> HttpResponse:
    if channel not in ONLINE_CHANNELS:
        return _json(404, "FAIL", f"没有渠道 {channel}")
    remote_addr = client_address(request)
    try:
        request.body  # noqa: B018 - read here, where a body too large for the server is refused and recorded
    except RequestDataTooBig:
        size = request.META.get("CONTENT_LENGTH", "?")
        refused = NotificationRefused(RefusalReason.OVERSIZED,
                                      f"{size} 字节，超过 {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} 字节，未读取")
        record_refusal(channel=channel, refused=refused, body=b"", at=clock.now(), remote_addr=remote_addr)
        # The API's error body, as every other oversized request gets; the message says what was recorded.
        return _json(413, "request_too_large", f"{refused.message}；{too_large_message()}", field=None)
    try:
        adapter = build_online_channel(channel, settings.PAYMENT_CHANNELS_CONFIG)
    except ChannelNotConfigured as error:
        refused = NotificationRefused(RefusalReason.NOT_CONFIGURED, error.message)
        record_refusal(channel=channel, refused=refused, body=request.body, at=clock.now(), remote_addr=remote_addr)
        return _json(503, "FAIL", refused.message)
    answer = accept_channel_notification(
        channel=adapter,
        headers=dict(request.headers),
        body=request.body,
        now=clock.now(),
        business_day=clock.today(),
        remote_addr=remote_addr,
    )
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)


def _json(status: int, code: str, message: str, **more: object) -> HttpResponse:
    body = json.dumps({"code": code, "message": message, **more}, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json")
