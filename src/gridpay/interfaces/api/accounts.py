"""`GET /api/accounts/{account_no}`: one account with its balances, recent usage and days left."""

from dataclasses import asdict

from django.http import HttpRequest
from ninja import Router

from gridpay.application.customers.show_account import show_account
from gridpay.interfaces.api.schemas import AccountOut, ErrorOut

router = Router(tags=["户 accounts"])


@router.get(
    "/accounts/{account_no}",
    response={200: AccountOut, 401: ErrorOut, 404: ErrorOut},
    summary="查询一户：余额、可用余额、预计可用天数",
)
def get_account(request: HttpRequest, account_no: str) -> AccountOut:
    return AccountOut(**asdict(show_account(account_no=account_no)))
