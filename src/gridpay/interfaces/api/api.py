"""The API object and its routes: staff token authentication and one error format on every route."""

from ninja import NinjaAPI

from gridpay.interfaces.api import accounts, payments
from gridpay.interfaces.api.auth import StaffToken
from gridpay.interfaces.api.errors import install_error_handlers

api = NinjaAPI(
    title="gridpay API",
    version="1",
    urls_namespace="api",
    auth=StaffToken(),
    description="智能交费接口。金额一律为整数分；错误返回 {code, message, field}，code 稳定可供程序判断。",
)
install_error_handlers(api)
api.add_router("/", payments.router)
api.add_router("/", accounts.router)
