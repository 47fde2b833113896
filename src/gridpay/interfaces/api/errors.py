"""The one place where errors become HTTP: a business refusal answers its class's status, the API's own errors
theirs, and every body is {code, message, field}."""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from gridpay.domain.errors import DomainError

logger = logging.getLogger(__name__)

# The statuses of the interface's own errors (ApiError and the ones made below); a DomainError carries its own.
STATUS_BY_CODE = {
    "malformed_request": 400,
    "idempotency_key_required": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "invalid_input": 422,
    "request_too_large": 413,
    "throttled": 429,
    "internal_error": 500,
}
CODE_BY_HTTP_ERROR_STATUS = {400: "malformed_request", 401: "unauthorized", 403: "forbidden", 429: "throttled"}


class ApiError(Exception):
    """An error of the HTTP interface itself (a missing header, a bad query), not of a business rule."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def install_error_handlers(api: NinjaAPI) -> None:
    """Replaces ninja's handlers (each registered class, since the most specific one wins)."""

    def handle(request: HttpRequest, exc: object) -> HttpResponse:
        return error_response(api, request, exc)

    for kind in (Exception, DomainError, ApiError, ValidationError, HttpError, AuthenticationError, Http404):
        api.add_exception_handler(kind, handle)


def error_response(api: NinjaAPI, request: HttpRequest, exc: object) -> HttpResponse:
    if isinstance(exc, DomainError):
        return render(api, request, exc.code, exc.message, field=exc.field, status=exc.http_status)
    if isinstance(exc, ApiError):
        return render(api, request, exc.code, exc.message, field=exc.field)
    if isinstance(exc, ValidationError):
        return _validation_error(api, request, exc)
    if isinstance(exc, AuthenticationError):
        response = render(api, request, "unauthorized", "需要有效的接口令牌：请求头 Authorization: Bearer <令牌>")
        response["WWW-Authenticate"] = 'Bearer realm="gridpay"'
        return response
    if isinstance(exc, HttpError):
        code = CODE_BY_HTTP_ERROR_STATUS.get(exc.status_code, f"http_{exc.status_code}")
        message = "请求体不是有效的 JSON" if code == "malformed_request" else str(exc)
        return render(api, request, code, message, status=exc.status_code)
    if isinstance(exc, Http404):
        return render(api, request, "not_found", "未找到")
    if isinstance(exc, RequestDataTooBig):
        return render(api, request, "request_too_large", too_large_message())
    if isinstance(exc, (SuspiciousOperation, BadRequest)):  # too many fields, a bad multipart body: not the server
        return render(api, request, "malformed_request", str(exc) if isinstance(exc, BadRequest) and str(exc)
                      else "请求无法解析")
    error = exc if isinstance(exc, BaseException) else None
    logger.error("unexpected error in %s %s", request.method, request.path, exc_info=error)
    return render(api, request, "internal_error", "服务器内部错误，请稍后重试")


def too_large_message() -> str:
    return f"请求体太大：最多 {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024} KB"


def render(
    api: NinjaAPI, request: HttpRequest, code: str, message: str, *, field: str | None = None, status: int | None = None
) -> HttpResponse:
    body = {"code": code, "message": message, "field": field}
    return api.create_response(request, body, status=status or STATUS_BY_CODE[code])


def _validation_error(api: NinjaAPI, request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Reports the first problem, as the domain does: the field named and a Chinese message."""
    error = exc.errors[0] if exc.errors else {}
    field = _field_of(error.get("loc", ()))
    return render(api, request, "invalid_input", _message(error, field), field=field)


def _field_of(loc: Any) -> str | None:
    parts = [str(p) for p in loc]
    source, rest = (parts[0], parts[1:]) if parts else ("", [])
    # A body's location starts with the view's parameter name, which the client never sees.
    if source == "body" and rest:
        rest = rest[1:]
    return ".".join(rest) or None


def _message(error: dict[str, Any], field: str | None) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    name = field or "请求体"
    if field is None and kind in {"missing", "model_attributes_type", "dict_type", "model_type"}:
        return "请求体必须是 JSON 对象"
    expected = str(ctx.get("expected", "")).replace(" or ", ", ")
    too_short = f"{name} 不能为空" if ctx.get("min_length") == 1 else f"{name} 至少 {ctx.get('min_length')} 个字符"
    messages = {
        "missing": f"缺少 {name}",
        "extra_forbidden": f"不认识的字段 {name}",
        "int_type": f"{name} 必须是整数",
        "int_parsing": f"{name} 必须是整数",
        "int_from_float": f"{name} 必须是整数",
        "string_type": f"{name} 必须是字符串",
        "bool_type": f"{name} 必须是 true 或 false",
        "string_too_short": too_short,
        "string_too_long": f"{name} 最长 {ctx.get('max_length')} 个字符",
        "greater_than": f"{name} 必须大于 {ctx.get('gt')}",
        "greater_than_equal": f"{name} 不能小于 {ctx.get('ge')}",
        "less_than": f"{name} 必须小于 {ctx.get('lt')}",
        "less_than_equal": f"{name} 不能大于 {ctx.get('le')}",
        "enum": f"{name} 必须是以下之一：{expected}",
        "literal_error": f"{name} 必须是以下之一：{expected}",
        "datetime_type": f"{name} 必须是 ISO 8601 时间，例如 2025-03-10T10:00:00+08:00",
        "datetime_parsing": f"{name} 必须是 ISO 8601 时间，例如 2025-03-10T10:00:00+08:00",
        "datetime_from_date_parsing": f"{name} 必须是 ISO 8601 时间，例如 2025-03-10T10:00:00+08:00",
        "timezone_aware": f"{name} 必须带时区，例如 2025-03-10T10:00:00+08:00",
    }
    return messages.get(kind, f"{name} 无效：{error.get('msg', '')}")
