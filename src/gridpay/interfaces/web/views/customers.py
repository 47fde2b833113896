"""Finding a customer, their account file, and the counter payment with its receipt."""

from datetime import date
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gridpay.application.customers.customer_file import customer_file
from gridpay.application.customers.find_customers import find_customers
from gridpay.application.customers.reconnect_now import reconnect_now
from gridpay.application.customers.replace_meter import MeterSwap, replace_meter
from gridpay.application.customers.set_protected import set_protected
from gridpay.application.errors import NotFound, UnknownAccount
from gridpay.application.green_channel.green_lists import hardship_history
from gridpay.application.paging import page_number
from gridpay.application.payments.take_counter_payment import print_receipt, take_counter_payment
from gridpay.data.queries.customers import TOU_PERIODS
from gridpay.domain.errors import DomainError
from gridpay.domain.green_channel import HardshipKind
from gridpay.domain.staff_roles import Action
from gridpay.interfaces import clock
from gridpay.interfaces.web.access import requires, staff_name
from gridpay.interfaces.web.charts import tou_fields, usage_series
from gridpay.interfaces.web.explain import explained
from gridpay.interfaces.web.forms import (
    CounterPaymentForm,
    ProtectedForm,
    ReconnectNowForm,
    SearchForm,
    new_receipt_no,
)


@requires(Action.VIEW_CUSTOMER)
def search_page(request: HttpRequest) -> HttpResponse:
    """How many matched, a page of them at a time; the one account that matches opens at once."""
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    found = find_customers(query=query, page=page_number(request.GET.get("page"))) if query else None
    if found and found.page.total == 1:
        return redirect("web:customer", account_no=found.hits[0].account_no)
    return render(request, "web/customers.html", {
        "form": form, "found": found, "searched": bool(request.GET.get("q")),
        "keep": urlencode({"q": query}) + "&",
    })


@requires(Action.VIEW_CUSTOMER)
def customer_page(request: HttpRequest, account_no: str) -> HttpResponse:
    return _render_file(request, account_no, _payment_form(), status=200)


@requires(Action.TAKE_COUNTER_PAYMENT)
def counter_payment(request: HttpRequest, account_no: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("web:customer", account_no=account_no)
    form = CounterPaymentForm(request.POST)
    if form.is_valid():
        try:
            receipt = take_counter_payment(
                account_no=account_no, amount_fen=form.cleaned_data["amount_yuan"],
                receipt_no=form.cleaned_data["receipt_no"], cashier=staff_name(request),
                actor=request.user.get_username(), at=clock.now(), business_day=clock.today(),
            )
        except DomainError as error:
            form.add_error(None, explained(error))
        else:
            url = reverse("web:customer", kwargs={"account_no": account_no})
            return redirect(f"{url}?paid={receipt.receipt_no}")
    return _render_file(request, account_no, form, status=422)


@requires(Action.VIEW_CUSTOMER)
def receipt(request: HttpRequest, receipt_no: str) -> HttpResponse:
    pdf: list[bytes] = []
    try:
        found = print_receipt(receipt_no=receipt_no, deliver_pdf=pdf.append)
    except NotFound:
        what = _("收据 {receipt_no}").format(receipt_no=receipt_no)
        return render(request, "web/not_found.html", {"what": what}, status=404)
    response = HttpResponse(pdf[0], content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{found.receipt_no}.pdf"'
    return response


def customer_file_page(request: HttpRequest, account_no: str, *, status: int, problem: str = "") -> HttpResponse:
    """The account file with a refusal of one of its forms shown on it (the other views' way back)."""
    return _render_file(request, account_no, _payment_form(), status=status, problem=problem)


def _render_file(
    request: HttpRequest, account_no: str, form: CounterPaymentForm, *, status: int, problem: str = ""
) -> HttpResponse:
    try:
        file = customer_file(account_no=account_no, today=clock.today())
    except UnknownAccount:
        what = _("户号 {account_no}").format(account_no=account_no)
        return render(request, "web/not_found.html", {"what": what}, status=404)
    usage = usage_series(file.usage)
    paid = request.GET.get("paid", "")
    return render(
        request, "web/customer.html",
        {"f": file, "a": file.account, "form": form, "usage": usage, "paid": paid, "problem": problem,
         "tou_fields": tou_fields(file.tou_periods),
         "green_flags": hardship_history(account_no=file.account.account_no), "hardship_kinds": list(HardshipKind)},
        status=status,
    )


@requires(Action.SET_PROTECTED)
def protected(request: HttpRequest, account_no: str) -> HttpResponse:
    form = ProtectedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            set_protected(account_no=account_no, protected=form.cleaned_data["protected"],
                          reason=form.cleaned_data["reason"], actor=request.user.get_username(), at=clock.now())
        except DomainError as error:
            return _render_file(request, account_no, _payment_form(), status=422, problem=explained(error))
    return redirect("web:customer", account_no=account_no)


@requires(Action.RECONNECT_NOW)
def reconnect(request: HttpRequest, account_no: str) -> HttpResponse:
    form = ReconnectNowForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return _render_file(request, account_no, _payment_form(), status=422, problem=_("指令复电必须写明原因"))
        try:
            reconnect_now(account_no=account_no, reason=form.cleaned_data["reason"],
                          actor=request.user.get_username(), at=clock.now())
        except DomainError as error:
            return _render_file(request, account_no, _payment_form(), status=422, problem=explained(error))
    return redirect("web:customer", account_no=account_no)


def _payment_form() -> CounterPaymentForm:
    return CounterPaymentForm(initial={"receipt_no": new_receipt_no(clock.today().strftime("%Y%m%d"))})


@requires(Action.REPLACE_METER)
def replace_meter_view(request: HttpRequest, account_no: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("web:customer", account_no=account_no)
    try:
        day = date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        return _render_file(request, account_no, _payment_form(), status=422, problem=_("换表日期应为 YYYY-MM-DD"))
    try:
        swap = MeterSwap(
            account_no=account_no, day=day,
            final_total_kwh=request.POST.get("final_total_kwh", ""), new_meter_no=request.POST.get("new_meter_no", ""),
            new_dlt645_address=request.POST.get("new_dlt645_address", ""),
            start_total_kwh=request.POST.get("start_total_kwh", ""),
            final_tou_kwh={p: request.POST.get(f"final_{p}_kwh", "") for p in TOU_PERIODS},
            start_tou_kwh={p: request.POST.get(f"start_{p}_kwh", "") for p in TOU_PERIODS},
        )
        replace_meter(swap=swap, actor=request.user.get_username(), at=clock.now(), today=clock.today())
    except DomainError as error:
        return _render_file(request, account_no, _payment_form(), status=422, problem=explained(error))
    return redirect("web:customer", account_no=account_no)
