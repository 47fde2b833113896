"""The console's forms: what staff type, checked and explained in Chinese (or in English after the switch)."""

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from gridpay.domain.money import InvalidAmount, fen_from_yuan_text
from gridpay.domain.payments import MAX_PAYMENT_FEN


class SearchForm(forms.Form):
    q = forms.CharField(label=_("户号、户名、电话或表号"), max_length=50, required=False)


class CounterPaymentForm(forms.Form):
    amount_yuan = forms.CharField(label=_("交费金额（元）"), max_length=16)
    # Made when the form is shown: pressing the button twice sends the same receipt number, credited once.
    receipt_no = forms.CharField(widget=forms.HiddenInput, max_length=40)
    # The counter's guard rails (ADR 0025): the payment's use case says when these are needed, and checks them.
    amount_confirm_yuan = forms.CharField(label=_("再次输入金额（元）"), max_length=16, required=False)
    supervisor_username = forms.CharField(label=_("授权人登录名"), max_length=150, required=False)
    supervisor_password = forms.CharField(label=_("授权人密码"), max_length=128, required=False,
                                          strip=False, widget=forms.PasswordInput)

    def clean_amount_yuan(self) -> int:
        return _yuan_as_fen(self.cleaned_data["amount_yuan"], zero_allowed=False)

    def clean_amount_confirm_yuan(self) -> int | None:
        text = self.cleaned_data["amount_confirm_yuan"].strip()
        return _yuan_as_fen(text, zero_allowed=False) if text else None


class VoidForm(forms.Form):
    """A cashier's void of their own counter payment, with the supervisor who authorises it on the same form."""

    reason = forms.CharField(label=_("作废原因"), max_length=200)
    supervisor_username = forms.CharField(label=_("授权人登录名"), max_length=150, required=False)
    supervisor_password = forms.CharField(label=_("授权人密码"), max_length=128, required=False,
                                          strip=False, widget=forms.PasswordInput)


def new_receipt_no(day_text: str) -> str:
    return f"GT{day_text}{secrets.token_hex(4).upper()}"


class ProtectedForm(forms.Form):
    protected = forms.BooleanField(label=_("保电"), required=False)
    reason = forms.CharField(label=_("原因"), max_length=100, required=False)


class ReconnectNowForm(forms.Form):
    reason = forms.CharField(label=_("指令复电原因"), max_length=80)


def _yuan_as_fen(text: str, *, zero_allowed: bool) -> int:
    """An amount typed in yuan (100, 100.5, 100.50) as fen, exactly; a clear refusal otherwise."""
    try:
        fen = fen_from_yuan_text(text.strip())
    except InvalidAmount:
        raise forms.ValidationError(_("请输入金额，例如 100 或 100.50（最多两位小数）")) from None
    if fen <= 0 and not zero_allowed:
        raise forms.ValidationError(_("交费金额必须大于 0"))
    if fen > MAX_PAYMENT_FEN:
        raise forms.ValidationError(_("交费金额过大"))
    return fen


class GreenCollectionForm(forms.Form):
    """The collector's phone form (上门收费): what the paper receipt says, and a photo of it if they like."""

    account_no = forms.CharField(label=_("户号"), max_length=20)
    amount_yuan = forms.CharField(label=_("收款金额（元）"), max_length=16)
    receipt_no = forms.CharField(label=_("收据号"), max_length=30)
    photo = forms.FileField(label=_("收据照片（可选）"), required=False)

    def clean_amount_yuan(self) -> int:
        return _yuan_as_fen(self.cleaned_data["amount_yuan"], zero_allowed=False)


class HandInForm(forms.Form):
    """The counter counts a collector's cash in (上门收费缴存)."""

    collector = forms.CharField(label=_("收费员"), max_length=150)
    amount_yuan = forms.CharField(label=_("实收现金（元）"), max_length=16)
    # Made when the form is shown: pressing the button twice records one hand-in.
    slip_no = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def clean_amount_yuan(self) -> int:
        return _yuan_as_fen(self.cleaned_data["amount_yuan"], zero_allowed=True)
