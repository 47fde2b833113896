"""The arrears procedure's forms (停电催费): one per step, each asking only what that step records."""

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gridpay.domain.arrears_procedure import (
    AcknowledgeRefusal,
    Approve,
    ClosePaid,
    CompleteReconnection,
    DeliverRedNotice,
    Execute,
    GivePhoneNotice,
    IssueTicket,
    RaiseReconnection,
    ReconnectionSource,
    ServeYellowNotice,
    Step,
    StepRequest,
)
from gridpay.domain.money import InvalidAmount, fen_from_yuan_text
from gridpay.interfaces import clock

# What a browser's date-time box sends, and what a person types where it is a plain text box.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class LocalInstantField(forms.Field):
    """A time on the utility's clock (the station's wall clock, whatever the browser's zone), made aware here."""

    default_error_messages = {"invalid": _("请输入时间，例如 2026-12-23 10:00")}

    def to_python(self, value: Any) -> datetime | None:
        text = str(value or "").strip()
        if not text:
            return None
        for pattern in LOCAL_FORMATS:
            try:
                return datetime.strptime(text, pattern).replace(tzinfo=clock.zone())
            except ValueError:
                continue
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StepForm(forms.Form):
    """A step with nothing to record but who took it and when (知悉拒签, 电话通知, 交清结案)."""

    step = forms.ChoiceField(label=_("办理步骤"), choices=[(s.value, s.value) for s in Step], widget=forms.HiddenInput)

    def request(self) -> StepRequest:
        step = Step(self.cleaned_data["step"])
        if step == Step.ACKNOWLEDGE_REFUSAL:
            return AcknowledgeRefusal()
        if step == Step.PHONE_NOTICE:
            return GivePhoneNotice()
        return ClosePaid()


class NoticeForm(StepForm):
    # The amount the page showed, which the notice states: if the arrears changed meanwhile, the domain says so.
    amount_fen = forms.IntegerField(label=_("通知金额"), widget=forms.HiddenInput, min_value=1)
    pay_by = forms.DateField(label=_("交费期限"))
    planned = LocalInstantField(label=_("计划停电时间"))

    def request(self) -> StepRequest:
        data = self.cleaned_data
        return ServeYellowNotice(amount_fen=data["amount_fen"], pay_by=data["pay_by"],
                                 planned_disconnection_at=data["planned"])


class RedNoticeForm(NoticeForm):
    signed = forms.ChoiceField(label=_("客户签收"), choices=[("signed", _("客户已签收")), ("refused", _("客户拒签"))],
                               widget=forms.RadioSelect)
    refusal_note = forms.CharField(label=_("拒签情况"), max_length=500, required=False)  # the domain asks it

    def request(self) -> StepRequest:
        data = self.cleaned_data
        signed = data["signed"] == "signed"
        return DeliverRedNotice(amount_fen=data["amount_fen"], pay_by=data["pay_by"],
                                planned_disconnection_at=data["planned"], signed=signed,
                                refusal_note="" if signed else data["refusal_note"])


class ApproveForm(StepForm):
    filing_ref = forms.CharField(label=_("报备文号"), max_length=100, required=False)

    def request(self) -> StepRequest:
        return Approve(filing_ref=self.cleaned_data["filing_ref"])


class TicketForm(StepForm):
    for_day = forms.DateField(label=_("停电日期"))

    def request(self) -> StepRequest:
        for_day: date = self.cleaned_data["for_day"]
        return IssueTicket(for_day=for_day)


class ExecuteForm(StepForm):
    how = forms.ChoiceField(label=_("停电方式"), choices=[("remote", _("远程停电（经命令队列）")),
                                                         ("field", _("现场停电"))], widget=forms.RadioSelect)
    meter_verified = forms.BooleanField(label=_("已核对需停电的表计"), required=False)

    def request(self) -> StepRequest:
        remote = self.cleaned_data["how"] == "remote"
        return Execute(remote=remote, meter_verified=self.cleaned_data["meter_verified"] and not remote)


class ReconnectionRequestForm(StepForm):
    source = forms.ChoiceField(label=_("复电依据"), widget=forms.RadioSelect,
                               choices=[(s.value, s.value) for s in ReconnectionSource])
    request_no = forms.CharField(label=_("95598 工单号"), max_length=40, required=False)

    def request(self) -> StepRequest:
        return RaiseReconnection(source=ReconnectionSource(self.cleaned_data["source"]),
                                 request_no=self.cleaned_data["request_no"])


class ReconnectedForm(StepForm):
    explain_customer = forms.CharField(label=_("向客户说明的原因"), max_length=500, required=False)
    explain_supervisor = forms.CharField(label=_("向主管领导说明的情况"), max_length=500, required=False)

    def request(self) -> StepRequest:
        # The metering team's record is of the field work; a smart meter's own reconnection completes by itself.
        return CompleteReconnection(remote=False, explanation_to_customer=self.cleaned_data["explain_customer"],
                                    explanation_to_supervisor=self.cleaned_data["explain_supervisor"])


STEP_FORMS: dict[Step, type[StepForm]] = {
    Step.SERVE_YELLOW_NOTICE: NoticeForm,
    Step.DELIVER_RED_NOTICE: RedNoticeForm,
    Step.ACKNOWLEDGE_REFUSAL: StepForm,
    Step.APPROVE: ApproveForm,
    Step.ISSUE_TICKET: TicketForm,
    Step.PHONE_NOTICE: StepForm,
    Step.EXECUTE: ExecuteForm,
    Step.CLOSE_PAID: StepForm,
    Step.RAISE_RECONNECTION: ReconnectionRequestForm,
    Step.COMPLETE_RECONNECTION: ReconnectedForm,
}


class WaiverForm(forms.Form):
    bill_no = forms.CharField(widget=forms.HiddenInput, max_length=40)
    amount_yuan = forms.CharField(label=_("减免金额（元）"), max_length=16, required=False)
    reason = forms.CharField(label=_("减免原因"), max_length=200)

    def clean_amount_yuan(self) -> int | None:
        text = self.cleaned_data["amount_yuan"].strip()
        if not text:
            return None  # all the unpaid late fee
        try:
            return fen_from_yuan_text(text)
        except InvalidAmount:
            raise forms.ValidationError(_("请输入金额，例如 100 或 100.50（最多两位小数）")) from None
