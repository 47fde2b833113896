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
            schemas[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return schemas[path_prefix]


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
