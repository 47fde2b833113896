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

    def clean_amount_yuan(self) -> int:
        text = self.cleaned_data["amount_yuan"].strip()
        try:
            fen = fen_from_yuan_text(text)
        except InvalidAmount:
            raise forms.ValidationError(_("请输入金额，例如 100 或 100.50（最多两位小数）")) from None
        if fen <= 0:
            raise forms.ValidationError(_("交费金额必须大于 0"))
        if fen > MAX_PAYMENT_FEN:
            raise forms.ValidationError(_("交费金额过大"))
        return fen


def new_receipt_no(day_text: str) -> str:
    return f"GT{day_text}{secrets.token_hex(4).upper()}"


class ProtectedForm(forms.Form):
    protected = forms.BooleanField(label=_("保电"), required=False)
    reason = forms.CharField(label=_("原因"), max_length=100, required=False)


class ReconnectNowForm(forms.Form):
    reason = forms.CharField(label=_("指令复电原因"), max_length=80)
