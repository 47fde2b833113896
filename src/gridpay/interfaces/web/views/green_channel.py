"""The green channel (绿色通道) in the console: the collector's phone page, the flag on the account file, and the
counter's page for the collectors' cash with its discrepancy list."""

import secrets

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from gridpay.application.green_channel.collect_at_home import Photo, collect_at_home
from gridpay.application.green_channel.flag_household import flag_household, unflag_household
from gridpay.application.green_channel.green_lists import (
    collectors_cash,
    discrepancies,
    flagged_households,
    unsettled_collections,
)
from gridpay.application.green_channel.hand_in_cash import hand_in_cash
from gridpay.application.staff.acting_staff import ActingStaff, acting_staff
from gridpay.data.settings import gridpay_settings
from gridpay.domain.errors import DomainError
from gridpay.domain.green_channel import HardshipKind
from gridpay.domain.staff_roles import Action
from gridpay.interfaces import clock
from gridpay.interfaces.web.access import allowed_actions, requires
from gridpay.interfaces.web.explain import explained
from gridpay.interfaces.web.forms import GreenCollectionForm, HandInForm
from gridpay.interfaces.web.views.customers import customer_file_page


def _me(request: HttpRequest) -> ActingStaff:
    return acting_staff(request.user.get_username())


def _new_token(prefix: str) -> str:
    return f"{prefix}{clock.today():%Y%m%d}{secrets.token_hex(4).upper()}"


@requires(Action.COLLECT_AT_HOME)
def collect_page(request: HttpRequest) -> HttpResponse:
    """The collector's phone page: account number, amount, the paper receipt's number, a photo if they like."""
    if request.method != "POST":
        return _collect(request, GreenCollectionForm(initial={"account_no": request.GET.get("account", "")}),
                        status=200)
    form = GreenCollectionForm(request.POST, request.FILES)
    if not form.is_valid():
        return _collect(request, form, status=422)
    upload = form.cleaned_data.get("photo")
    photo = None
    if upload:
        most = gridpay_settings().green_photo_max_kb * 1024
        # Read no more than the limit and one byte: the use case refuses what is too large, in its words.
        photo = Photo(data=upload.read(most + 1), content_type=upload.content_type or "")
    try:
        done = collect_at_home(
            account_no=form.cleaned_data["account_no"], amount_fen=form.cleaned_data["amount_yuan"],
            receipt_no=form.cleaned_data["receipt_no"], staff=_me(request), at=clock.now(),
            business_day=clock.today(), photo=photo,
        )
    except DomainError as error:
        form.add_error(None, explained(error))
        return _collect(request, form, status=422)
    return redirect(f"{reverse('web:green-collect')}?done={done.payment_id}")


def _collect(request: HttpRequest, form: GreenCollectionForm, *, status: int) -> HttpResponse:
    me = _me(request)
    mine = unsettled_collections(collector=me.username)
    done = next((c for c in mine if str(c.payment_id) == request.GET.get("done", "")), None)
    return render(request, "web/green_collect.html", {
        "form": form, "done": done, "mine": mine, "mine_fen": sum(c.amount_fen for c in mine),
    }, status=status)


@requires(Action.FLAG_HARDSHIP)
def flag(request: HttpRequest, account_no: str) -> HttpResponse:
    """Flags or unflags the household from its account file; a refusal is shown there, nothing written."""
    if request.method == "POST":
        try:
            if request.POST.get("unflag"):
                unflag_household(account_no=account_no, reason=request.POST.get("reason", ""), staff=_me(request),
                                 at=clock.now())
            else:
                flag_household(account_no=account_no, kind=request.POST.get("kind", ""),
                               reason=request.POST.get("reason", ""), staff=_me(request), at=clock.now())
        except DomainError as error:
            return customer_file_page(request, account_no, status=422, problem=explained(error))
    return redirect("web:customer", account_no=account_no)


@requires(Action.VIEW_CUSTOMER)
def green_page(request: HttpRequest) -> HttpResponse:
    """The households in the green channel; for the counter, the collectors' cash, its form and the discrepancies."""
    return _green(request, HandInForm(initial={"slip_no": _new_token("JK")}), status=200)


@requires(Action.SETTLE_HOME_COLLECTIONS)
def hand_in(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("web:green")
    form = HandInForm(request.POST)
    if form.is_valid():
        try:
            done = hand_in_cash(collector=form.cleaned_data["collector"], amount_fen=form.cleaned_data["amount_yuan"],
                                slip_no=form.cleaned_data["slip_no"], staff=_me(request), at=clock.now(),
                                business_day=clock.today())
        except DomainError as error:
            form.add_error(None, explained(error))
        else:
            return redirect(f"{reverse('web:green')}?slip={done.slip_no}")
    return _green(request, form, status=422)


def _green(request: HttpRequest, form: HandInForm, *, status: int) -> HttpResponse:
    counter = Action.SETTLE_HOME_COLLECTIONS.value in allowed_actions(request)
    return render(request, "web/green.html", {
        "flags": flagged_households(with_ended=bool(request.GET.get("all"))),
        "kinds": list(HardshipKind),
        "cash": collectors_cash() if counter else [],
        "found": discrepancies(today=clock.today()) if counter else None,
        "form": form, "slip": request.GET.get("slip", ""),
        "show_all": bool(request.GET.get("all")),
    }, status=status)

