"""Staff authentication: `Authorization: Bearer <token>` with a live token issued by `gridpay api-token`."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from gridpay.application.staff.authenticate_api_token import ApiCaller, authenticate_api_token


class StaffToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiCaller | None:
        return authenticate_api_token(token=token.strip())
