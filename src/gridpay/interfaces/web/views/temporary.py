"""Temporary supply (临时用电) in the console: the supplies not ended (or all), and each one's statement as a PDF."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from gridpay.application.errors import NotFound
from gridpay.application.temporary.show_temporary_supply import list_temporary_supplies
from gridpay.application.temporary.temporary_statement import statement_pdf, temporary_statement
from gridpay.data.settings import gridpay_settings
from gridpay.domain.staff_roles import Action
from gridpay.interfaces import clock
from gridpay.interfaces.web.access import requires


@requires(Action.VIEW_CUSTOMER)
def temporary_page(request: HttpRequest) -> HttpResponse:
    ended_too = request.GET.get("all") == "1"
    supplies = list_temporary_supplies(today=clock.today(), ended_too=ended_too)
    return render(request, "web/temporary.html", {"supplies": supplies, "ended_too": ended_too})


@requires(Action.VIEW_CUSTOMER)
def temporary_statement_pdf(request: HttpRequest, account_no: str) -> HttpResponse:
    try:
        statement = temporary_statement(account_no=account_no, today=clock.today())
    except NotFound:
        what = _("临时用电户 {account_no}").format(account_no=account_no)
        return render(request, "web/not_found.html", {"what": what}, status=404)
    response = HttpResponse(statement_pdf(statement, utility=gridpay_settings().utility_name),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="temporary-{statement.supply.account_no}.pdf"'
    return response
