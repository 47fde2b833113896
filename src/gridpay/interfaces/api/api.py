"""The API object and its routes: staff token authentication and one error format on every route."""

from collections.abc import Mapping
from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer

from gridpay.interfaces.api import accounts, agents, orders, payments
from gridpay.interfaces.api.auth import StaffToken
from gridpay.interfaces.api.errors import install_error_handlers


class ChineseJSONRenderer(JSONRenderer):
    """Chinese messages as readable UTF-8, not \\u escapes."""

    json_dumps_params: Mapping[str, Any] = {"ensure_ascii": False}


class GridpayAPI(NinjaAPI):
    """The OpenAPI schema is built once per process: the routes do not change while it serves, and building it takes
    a third of a second that /api/docs (the reference) and /api/docs/try (Swagger UI) would otherwise wait on every
    visit."""

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schemas: dict[str, OpenAPISchema] = self.__dict__.setdefault("_schemas", {})
        if path_prefix not in schemas:
            schemas[path_prefix] = documented_as_served(super().get_openapi_schema(path_prefix=path_prefix))
        return schemas[path_prefix]


# What the one error layer (interfaces.api.errors) answers on any operation, beside what each declares: a body that is
# not JSON (400), a field that fails validation (422), a fault of ours (500); and on an operation that needs a token,
# none or a bad one (401).
ANY_OPERATION = {400: "请求格式错误（不是有效的 JSON 等）", 422: "输入不合要求：message 说明原因，field 指出字段",
                 500: "服务器内部错误"}
WITH_A_TOKEN = {401: "需要有效的接口令牌"}
REQUIRED_HEADERS = {"Idempotency-Key"}  # refused with 400 when absent (checked by the operation, for its message)


def documented_as_served(schema: OpenAPISchema) -> OpenAPISchema:
    """Every status an operation can answer documented, with the {code, message, field} body; the headers an
    operation refuses to do without marked required (issue 20)."""
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            extra = {**ANY_OPERATION, **(WITH_A_TOKEN if operation.get("security") else {})}
            for status, description in extra.items():
                if status not in responses and str(status) not in responses:
                    responses[status] = {"description": description, "content": error_body}
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name") in REQUIRED_HEADERS:
                    parameter["required"] = True
    return schema


api = GridpayAPI(
    renderer=ChineseJSONRenderer(),
    title="gridpay API",
    version="1",
    urls_namespace="api",
    # /api/docs is the reference page, drawn on the server (interfaces.api.reference); Swagger UI, which must parse
    # a 1.5 MB script before it draws anything, stays for trying requests.
    docs_url="/docs/try",
    auth=StaffToken(),
    description="智能交费接口。金额一律为整数分；错误返回 {code, message, field}，code 稳定可供程序判断。",
)
install_error_handlers(api)
api.add_router("/", payments.router)
api.add_router("/", accounts.router)
api.add_router("/", orders.router)
api.add_router("/", agents.router)
