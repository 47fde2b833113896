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
from gridpay.application.payments.take_counter_payment import (
    counter_receipt,
    next_copy,
    print_receipt,
    take_counter_payment,
)
from gridpay.application.payments.void_counter_payment import (
    ARREARS_AFTER_VOID,
    void_counter_payment,
    voidable_receipts,
)
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.application.staff.counter_authorisation import Authoriser
from gridpay.data.queries.customers import TOU_PERIODS
from gridpay.data.settings import gridpay_settings
from gridpay.domain.counter_desk import needs_authorisation
from gridpay.domain.errors import DomainError
from gridpay.domain.green_channel import HardshipKind
from gridpay.domain.staff_roles import Action, may
from gridpay.interfaces import clock
from gridpay.interfaces.web.access import request_roles, requires, staff_name
from gridpay.interfaces.web.charts import tou_fields, usage_series
from gridpay.interfaces.web.explain import explained
from gridpay.interfaces.web.forms import (
    CounterPaymentForm,
    ProtectedForm,
    ReconnectNowForm,
    SearchForm,
    VoidForm,
    new_receipt_no,
)
from gridpay.interfaces.web.views.supply import progress_of


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
                confirmed_fen=form.cleaned_data["amount_confirm_yuan"],
                authoriser=authoriser if (authoriser := _authoriser(form)).username else None,
            )
        except DomainError as error:
            form.add_error(None, explained(error))
        else:
            url = reverse("web:customer", kwargs={"account_no": account_no})
            return redirect(f"{url}?paid={receipt.receipt_no}")
    return _render_file(request, account_no, form, status=422)


@requires(Action.VIEW_CUSTOMER)
def receipt(request: HttpRequest, receipt_no: str) -> HttpResponse:
    """The receipt's PDF. Its address names the print (?copy=N): Chromium fetches a PDF twice (the page, then its
    viewer), and a reload fetches it again, and each is still the one print, counted once; without the number,
    the next print's address."""
    pdf: list[bytes] = []
    try:
        copy = int(request.GET.get("copy", ""))
    except ValueError:
        copy = 0
    try:
        if copy < 1:
            url = reverse("web:receipt", kwargs={"receipt_no": receipt_no})
            return redirect(f"{url}?copy={next_copy(receipt_no=receipt_no)}")
        found = print_receipt(receipt_no=receipt_no, deliver_pdf=pdf.append, copy=copy)
        if found.copy != copy:
            # An old address (an earlier copy's): this was counted as the next print, which its own address shows.
            url = reverse("web:receipt", kwargs={"receipt_no": receipt_no})
            return redirect(f"{url}?copy={found.copy}")
    except NotFound:
        what = _("收据 {receipt_no}").format(receipt_no=receipt_no)
        return render(request, "web/not_found.html", {"what": what}, status=404)
    response = HttpResponse(pdf[0], content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{found.receipt_no}.pdf"'
    # Kept by nobody between the counter and the printer: a stored copy would be a print nobody counted.
    response["Cache-Control"] = "no-store"
    return response


@requires(Action.TAKE_COUNTER_PAYMENT)
def void_receipt(request: HttpRequest, receipt_no: str) -> HttpResponse:
    """A cashier voids their own counter payment of today, a supervisor authorising on the same form."""
    try:
        shown = counter_receipt(receipt_no=receipt_no)
    except NotFound:
        what = _("收据 {receipt_no}").format(receipt_no=receipt_no)
        return render(request, "web/not_found.html", {"what": what}, status=404)
    form = VoidForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                done = void_counter_payment(
                    receipt_no=receipt_no, reason=form.cleaned_data["reason"],
                    cashier=acting_staff(request.user.get_username()), authoriser=_authoriser(form),
                    at=clock.now(), business_day=clock.today(),
                )
            except DomainError as error:
                form.add_error(None, explained(error))
            else:
                url = reverse("web:customer", kwargs={"account_no": done.account_no})
                return redirect(f"{url}?voided={done.receipt_no}")
    voidable = receipt_no in voidable_receipts(
        account_no=shown.account_no, today=clock.today(), username=request.user.get_username(),
        name=staff_name(request))
    return render(request, "web/receipt_void.html",
                  {"r": shown, "form": form, "voidable": voidable or form.is_bound}, status=status)


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
    voided = request.GET.get("voided", "")
    return render(
        request, "web/customer.html",
        {"f": file, "a": file.account, "form": form, "usage": usage, "paid": paid, "problem": problem,
         "voided": voided, "arrears_after_void": _(ARREARS_AFTER_VOID),
         "desk": _desk(request, form, file.account.account_no),
         "s": progress_of(file.account.account_no),
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


def _desk(request: HttpRequest, form: CounterPaymentForm, account_no: str) -> dict[str, object]:
    """The counter's limits for the payment form (its script shows the second amount and the authorisation as the
    amount is typed; after a refusal they show without it), and the receipts this cashier may void."""
    limits = gridpay_settings().counter_limits
    typed = form.cleaned_data.get("amount_yuan") if form.is_bound and hasattr(form, "cleaned_data") else None
    amount = typed if isinstance(typed, int) else 0
    voidable: set[str] = set()
    if may(request_roles(request), Action.TAKE_COUNTER_PAYMENT):
        voidable = voidable_receipts(account_no=account_no, today=clock.today(),
                                     username=request.user.get_username(), name=staff_name(request))
    return {"limits": limits, "voidable": voidable,
            "show_confirm": amount > limits.typed_twice_above_fen,
            "show_authorise": needs_authorisation(amount_fen=amount, limits=limits)}


def _authoriser(form: CounterPaymentForm | VoidForm) -> Authoriser:
    """The supervisor named on the form with the password typed there, which the use case checks (always a
    password: a blank one is wrong, never the command line's trust)."""
    return Authoriser(form.cleaned_data["supervisor_username"].strip(), form.cleaned_data["supervisor_password"])


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
