"""The supply panel of an account page, alone: what the page's htmx asks for every few seconds while a reconnection
(or a disconnection) is under way, with the heading's 停电/供电 badge swapped beside it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gridpay.application.errors import NotFound, UnknownAccount
from gridpay.application.portal.my_accounts import owned_account
from gridpay.application.supply.supply_progress import SupplyProgress, supply_progress
from gridpay.domain.staff_roles import Action
from gridpay.interfaces import clock
from gridpay.interfaces.web.access import requires
from gridpay.interfaces.web.views.portal import SESSION_PHONE, signed_in

TEMPLATE = "web/_supply_progress.html"


def progress_of(account_no: str) -> SupplyProgress:
    """For the account pages, which show the panel when they are drawn."""
    return supply_progress(account_no=account_no, now=clock.now(), today=clock.today())


@requires(Action.VIEW_CUSTOMER)
def console_panel(request: HttpRequest, account_no: str) -> HttpResponse:
    try:
        progress = progress_of(account_no)
    except UnknownAccount:
        return HttpResponse(status=404)
    return render(request, TEMPLATE, {"s": progress, "badge": True})


@signed_in
def portal_panel(request: HttpRequest, account_no: str) -> HttpResponse:
    try:  # someone else's account is not found, exactly as one that does not exist
        owned_account(phone=request.session[SESSION_PHONE], account_no=account_no)
    except NotFound:
        return HttpResponse(status=404)
    return render(request, TEMPLATE, {"s": progress_of(account_no), "badge": True, "portal": True})
