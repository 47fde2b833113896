"""The customer portal (网上营业厅): sign in with the account number and an SMS code, see one's accounts."""

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gridpay.application.errors import NotFound
from gridpay.application.payments.channels.create_channel_order import create_channel_order
from gridpay.application.payments.channels.pay_demo_order import pay_demo_order
from gridpay.application.portal.alert_contacts import add_alert_contact, alert_contacts, stop_alert_contact
from gridpay.application.portal.alert_level import alert_level, set_alert_level
from gridpay.application.portal.move_out_statement import move_out_statement, statement_pdf
from gridpay.application.portal.my_accounts import my_accounts, owned_account, portal_account
from gridpay.application.portal.sign_in import check_code, request_code
from gridpay.application.supply.send_notifications import send_notification
from gridpay.application.supply.supply_progress import supply_progress
from gridpay.data.settings import gridpay_settings
from gridpay.domain.errors import DomainError
from gridpay.domain.money import InvalidAmount, fen_from_yuan_text, format_yuan
from gridpay.domain.payments import channel_label
from gridpay.domain.portal_sign_in import SignInLimited, mask_phone
from gridpay.integrations.channels.demo_channel import DemoChannel
from gridpay.integrations.channels.factory import ONLINE_CHANNELS, build_demo_channel, build_online_channel
from gridpay.integrations.channels.online import ChannelNotConfigured
from gridpay.integrations.sms.factory import build_provider
from gridpay.interfaces import clock
from gridpay.interfaces.client_address import client_address
from gridpay.interfaces.web.charts import usage_series
from gridpay.interfaces.web.explain import explained

SESSION_PHONE = "portal_phone"
SESSION_ACCOUNT = "portal_account_no"


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.session.get(SESSION_PHONE):
            return redirect("portal:sign-in")
        return view(request, *args, **kwargs)

    return checked


def sign_in(request: HttpRequest) -> HttpResponse:
    problem, limited = "", False
    account_no = request.POST.get("account_no", "").strip()
    if request.method == "POST":
        try:
            sent = request_code(account_no=account_no, at=clock.now(), client_address=client_address(request),
                                limits=gridpay_settings().portal_limits)
            send_notification(notification_id=sent.notification_id, provider=build_provider(settings.SMS_CONFIG),
                              at=clock.now())
        except DomainError as error:
            problem = explained(error)
            limited = isinstance(error, SignInLimited)
        else:
            request.session[SESSION_ACCOUNT] = account_no
            request.session["portal_masked"] = sent.phone_masked
            return redirect("portal:code")
    return render(request, "web/portal_sign_in.html", {"problem": problem, "account_no": account_no},
                  status=429 if limited else 422 if problem else 200)


def enter_code(request: HttpRequest) -> HttpResponse:
    account_no = request.session.get(SESSION_ACCOUNT)
    if not account_no:
        return redirect("portal:sign-in")
    problem = ""
    if request.method == "POST":
        try:
            phone = check_code(account_no=account_no, code=request.POST.get("code", ""), at=clock.now())
        except DomainError as error:
            problem = explained(error)
        else:
            request.session.cycle_key()  # a new session id once signed in
            request.session[SESSION_PHONE] = phone
            mine = my_accounts(phone=phone)
            if len(mine) == 1:  # straight to the one account; 我的户号 still lists it
                return redirect("portal:account", account_no=mine[0].account_no)
            return redirect("portal:accounts")
    return render(request, "web/portal_code.html", {
        "problem": problem, "masked": request.session.get("portal_masked", ""), "account_no": account_no,
    }, status=422 if problem else 200)


@signed_in
def accounts(request: HttpRequest) -> HttpResponse:
    phone = request.session[SESSION_PHONE]
    return render(request, "web/portal_accounts.html", {"accounts": my_accounts(phone=phone),
                                                        "masked": mask_phone(phone)})


@signed_in
def account(request: HttpRequest, account_no: str) -> HttpResponse:
    return _account_page(request, account_no)


def _account_page(request: HttpRequest, account_no: str, *, problem: str = "") -> HttpResponse:
    try:
        found = portal_account(phone=request.session[SESSION_PHONE], account_no=account_no, today=clock.today())
    except NotFound:
        return render(request, "web/portal_not_found.html", status=404)
    usage = usage_series(found.usage)
    return render(request, "web/portal_account.html", {
        "p": found, "a": found.account, "usage": usage, "problem": problem, "channels": _open_channels(),
        "demo_channel": _demo_channel() is not None,
        "s": supply_progress(account_no=found.account.account_no, now=clock.now(), today=clock.today()),
    }, status=422 if problem else 200)


def sign_out(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        request.session.flush()
    return redirect("portal:sign-in")


@signed_in
def move_out(request: HttpRequest, account_no: str) -> HttpResponse:
    """The statement between two days as a PDF; a bad period is explained on the account page."""
    try:
        account = owned_account(phone=request.session[SESSION_PHONE], account_no=account_no)
    except NotFound:
        return render(request, "web/portal_not_found.html", status=404)
    try:
        first = date.fromisoformat(request.GET.get("from", ""))
        last = date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        return _account_page(request, account_no, problem=_("请选择开始和结束日期"))
    try:
        statement = move_out_statement(account=account, first_day=first, last_day=last, today=clock.today())
    except DomainError as error:  # a period the statement cannot cover
        return _account_page(request, account_no, problem=explained(error))
    pdf = statement_pdf(statement, utility=gridpay_settings().utility_name)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="move-out-{account_no}-{first}-{last}.pdf"'
    return response


# The order each channel opens: a QR code to scan at the real ones; the demo's has a button instead.
KINDS = {"wechat": "native", "alipay": "precreate", "demo": "demo"}
DEMO = "demo"


def _open_channels() -> list[tuple[str, str]]:
    """The online channels configured here, with their names: the portal offers only those."""
    names = []
    for channel in ONLINE_CHANNELS:
        try:
            build_online_channel(channel, settings.PAYMENT_CHANNELS_CONFIG)
        except ChannelNotConfigured:
            continue
        names.append((channel, _(channel_label(channel))))
    return names


def _demo_channel() -> DemoChannel | None:
    """The demo's channel (演示支付) where the settings say demo and no real channel is configured, else None."""
    try:
        return build_demo_channel(settings.PAYMENT_CHANNELS_CONFIG, enabled=gridpay_settings().demo_payments)
    except ChannelNotConfigured:
        return None


@signed_in
def pay(request: HttpRequest, account_no: str) -> HttpResponse:
    """An order at the chosen channel, shown as a QR code to scan; the notification credits it."""
    if request.method != "POST" or account_of_or_none(request, account_no) is None:
        return redirect("portal:account", account_no=account_no)
    channel = request.POST.get("channel", "")
    demo = _demo_channel() if channel == DEMO else None
    if channel not in dict(_open_channels()) and demo is None:
        return _account_page(request, account_no, problem=_("这个交费方式暂未开通"))
    try:
        fen = fen_from_yuan_text(request.POST.get("amount_yuan", "").strip())
    except InvalidAmount:
        return _account_page(request, account_no, problem=_("请输入金额，例如 100 或 100.50"))
    try:
        order = create_channel_order(
            channel=demo or build_online_channel(channel, settings.PAYMENT_CHANNELS_CONFIG), account_no=account_no,
            amount_fen=fen, kind=KINDS[channel], now=clock.now(),
        )
    except DomainError as error:  # an amount or an account the order refuses, a channel that failed
        return _account_page(request, account_no, problem=explained(error))
    if demo is not None:
        return render(request, "web/portal_pay.html", {"order": order, "demo": True,
                                                       "channel": _(channel_label(channel))})
    scan = order.pay_with.get("code_url") or order.pay_with.get("qr_code", "")
    qr = segno.make(scan, error="m").svg_inline(scale=5)
    return render(request, "web/portal_pay.html", {"order": order, "qr": qr, "channel": _(channel_label(channel))})


@signed_in
def demo_pay(request: HttpRequest, account_no: str) -> HttpResponse:
    """The demo channel's pay button: the channel notifies the payment as a real one would (ADR 0026)."""
    if request.method != "POST" or account_of_or_none(request, account_no) is None:
        return redirect("portal:account", account_no=account_no)
    demo = _demo_channel()
    if demo is None:  # the settings changed since the order, or a real channel is configured now
        return _account_page(request, account_no, problem=_("演示支付只用于演示，这里没有开启"))
    try:
        paid = pay_demo_order(channel=demo, account_no=account_no, order_no=request.POST.get("order_no", ""),
                              now=clock.now(), business_day=clock.today())
    except DomainError as error:
        return _account_page(request, account_no, problem=explained(error))
    messages.success(request, _("已交费 {amount} 元（演示支付，没有真的扣款）。").format(
        amount=format_yuan(paid.amount_fen)))
    return redirect("portal:account", account_no=account_no)


def account_of_or_none(request: HttpRequest, account_no: str) -> object | None:
    try:
        return owned_account(phone=request.session[SESSION_PHONE], account_no=account_no)
    except NotFound:
        return None


@signed_in
def alerts(request: HttpRequest, account_no: str) -> HttpResponse:
    """The account's SMS alerts: the first low-balance amount, and who receives them (add a tenant's mobile, stop
    one)."""
    phone = request.session[SESSION_PHONE]
    problem = ""
    if request.method == "POST":
        stop_text = request.POST.get("stop", "")
        try:  # the contact to stop, if the form stops one
            stop = int(stop_text) if stop_text else None
        except ValueError:
            stop, problem = None, _("无效的联系人")
        if not problem:
            try:
                if "alert_first_yuan" in request.POST:
                    set_alert_level(phone=phone, account_no=account_no,
                                    amount_yuan=request.POST["alert_first_yuan"], at=clock.now())
                elif stop is not None:
                    stop_alert_contact(phone=phone, account_no=account_no, contact_id=stop, at=clock.now())
                else:
                    add_alert_contact(phone=phone, account_no=account_no, name=request.POST.get("name", ""),
                                      new_phone=request.POST.get("phone", ""),
                                      role=request.POST.get("role", "other"), at=clock.now())
                return redirect("portal:alerts", account_no=account_no)
            except NotFound:
                return render(request, "web/portal_not_found.html", status=404)
            except DomainError as error:
                problem = explained(error)
    try:
        contacts = alert_contacts(phone=phone, account_no=account_no)
        level = alert_level(phone=phone, account_no=account_no)
    except NotFound:
        return render(request, "web/portal_not_found.html", status=404)
    return render(request, "web/portal_alerts.html", {"contacts": contacts, "level": level, "account_no": account_no,
                                                      "problem": problem}, status=422 if problem else 200)

