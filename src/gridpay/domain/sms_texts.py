"""The SMS texts in Chinese, each a template with its parameters in order (RULES §5–7): what the customer reads.

Parameters are ordered because Tencent Cloud SMS takes a list; Aliyun takes them by name. A
customer text names the account, the balance, and how to pay.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from gridpay.domain.alerts import ALERT_LABELS, AlertKind
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

HOW_TO_PAY = "可通过网上国网App、微信、支付宝或营业厅交费"


class SmsTemplateError(DomainError):
    code = "sms_template"


@dataclass(frozen=True)
class SmsTemplate:
    label: str  # what staff call this SMS (reports, the demo's summary), marked for translation
    params: tuple[str, ...]
    text: str

    def __post_init__(self) -> None:
        if set(re.findall(r"\{(\w+)\}", self.text)) != set(self.params):
            raise SmsTemplateError(gettext_noop("短信模板的参数与正文不一致"), field="params")


TEMPLATES: Mapping[str, SmsTemplate] = {
    "low_balance_first": SmsTemplate(
        ALERT_LABELS[AlertKind.LOW_BALANCE_FIRST],
        ("account_no", "available_yuan", "days_left"),
        "您的户号{account_no}可用余额{available_yuan}元，{days_left}请及时交费。" + HOW_TO_PAY + "。",
    ),
    "low_balance_second": SmsTemplate(
        ALERT_LABELS[AlertKind.LOW_BALANCE_SECOND],
        ("account_no", "available_yuan", "days_left"),
        "您的户号{account_no}可用余额仅{available_yuan}元，{days_left}请尽快交费，以免欠费停电。" + HOW_TO_PAY + "。",
    ),
    "days_left": SmsTemplate(
        ALERT_LABELS[AlertKind.DAYS_LEFT],
        ("account_no", "available_yuan", "days_left"),
        "您的户号{account_no}可用余额{available_yuan}元，{days_left}请及时交费。" + HOW_TO_PAY + "。",
    ),
    "arrears": SmsTemplate(
        ALERT_LABELS[AlertKind.ARREARS],
        ("account_no", "available_yuan", "disconnect_day"),
        "您的户号{account_no}已欠费，可用余额{available_yuan}元，将于{disconnect_day}停电。交清欠费后自动恢复供电，"
        + HOW_TO_PAY + "。",
    ),
    "disconnected": SmsTemplate(
        gettext_noop("停电通知"),
        ("account_no", "available_yuan"),
        "您的户号{account_no}因欠费已停电，可用余额{available_yuan}元。交清欠费后将自动恢复供电，" + HOW_TO_PAY + "。",
    ),
    "reconnected": SmsTemplate(
        gettext_noop("复电通知"),
        ("account_no", "available_yuan"),
        "您的户号{account_no}已恢复供电，可用余额{available_yuan}元。感谢您及时交费。",
    ),
    # 1B taken by a meter without 1C: the relay waits for the customer (meter_models).
    "close_permitted_button": SmsTemplate(
        gettext_noop("允许合闸（按表计按钮）"),
        ("account_no", "available_yuan"),
        "您的户号{account_no}已交清欠费，可用余额{available_yuan}元，电能表已允许合闸。请长按电能表上的合闸按钮约3秒恢复用电；"
        "如仍无电，请联系供电所。",
    ),
    "close_permitted_breaker": SmsTemplate(
        gettext_noop("允许合闸（合上断路器）"),
        ("account_no", "available_yuan"),
        "您的户号{account_no}已交清欠费，可用余额{available_yuan}元，电能表已允许合闸。请合上电表箱内的断路器（空开）"
        "恢复用电；如仍无电，请联系供电所。",
    ),
    "withholding_failed": SmsTemplate(
        gettext_noop("代扣失败通知"),
        ("account_no", "amount_yuan", "reason"),
        "您的户号{account_no}银行代扣电费{amount_yuan}元未成功（{reason}），请检查银行账户，或" + HOW_TO_PAY[1:] + "。",
    ),
    "unusual_usage": SmsTemplate(
        gettext_noop("异常用电"),
        ("account_no", "day", "day_kwh", "baseline_kwh"),
        "您的户号{account_no}在{day}用电{day_kwh}千瓦时，远高于平日的{baseline_kwh}千瓦时，请检查是否漏电或电器故障。",
    ),
    "unusual_usage_staff": SmsTemplate(
        gettext_noop("异常用电（网格员）"),
        ("account_no", "customer_name", "address", "day", "day_kwh", "baseline_kwh"),
        "异常用电：户号{account_no}（{customer_name}，{address}）{day}用电{day_kwh}千瓦时，平日约{baseline_kwh}千瓦时，"
        "请联系核实。",
    ),
    "close_not_taken_staff": SmsTemplate(
        gettext_noop("用户未合闸提醒"),
        ("account_no", "customer_name", "hours"),
        "合闸提醒：户号{account_no}（{customer_name}）已允许合闸{hours}小时，用户仍未合闸，请上门协助。",
    ),
    "reconnect_overdue_staff": SmsTemplate(
        gettext_noop("复电超时告警"),
        ("account_no", "customer_name", "hours"),
        "复电告警：户号{account_no}（{customer_name}）交费后{hours}小时仍未确认复电，请立即处理。",
    ),
    "disconnect_failed_staff": SmsTemplate(
        gettext_noop("停电失败工单"),
        ("account_no", "customer_name"),
        "停电失败：户号{account_no}（{customer_name}）远程停电多次未成功，已转现场工单。",
    ),
    # The monthly campaign (seed 003), on the day of the village's round: the deadline and where to pay, no amount.
    "campaign_reminder": SmsTemplate(
        gettext_noop("交费宣传提醒"),
        ("account_no", "deadline", "where"),
        "供电所温馨提示：您的户号{account_no}请于{deadline}前交清电费或及时充值，以免产生违约金或影响用电。"
        "就近交费：{where}；也" + HOW_TO_PAY + "。",
    ),
    # Seed 003: the monthly reminder a household asked for, and the chronic late payers' reminder through a relative
    # or a neighbour who passes it on.
    "payment_reminder": SmsTemplate(
        gettext_noop("每月交费提醒"),
        ("account_no", "balance_phrase"),
        "交费温馨提示：您的户号{account_no}{balance_phrase}请按时交纳本月电费，" + HOW_TO_PAY + "。",
    ),
    "chronic_reminder_contact": SmsTemplate(
        gettext_noop("交费提醒（转告）"),
        ("contact_name", "customer_name", "account_no", "due_day"),
        "{contact_name}您好：请转告{customer_name}（户号{account_no}）于{due_day}前交清电费，" + HOW_TO_PAY
        + "。谢谢您的帮助！",
    ),
    "sign_in_code": SmsTemplate(
        gettext_noop("登录验证码"), ("code",), "您的登录验证码为{code}，5分钟内有效。请勿告诉他人。"),
}


def sms_label(kind: str) -> str:
    """What staff call an SMS of ``kind``; a kind no template has (an older version's) as it is."""
    template = TEMPLATES.get(kind)
    return template.label if template else kind


def days_left_phrase(days_left: int | None) -> str:
    """The days-left sentence of a low-balance text (empty when there is no usage to forecast from)."""
    return "" if days_left is None else f"预计可用{days_left}天，"


def render(*, kind: str, params: Mapping[str, str]) -> str:
    template = _template(kind)
    _check(kind, template, params)
    return template.text.format_map(dict(params))


def ordered_params(*, kind: str, params: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The parameters as (name, value) pairs in the template's order."""
    template = _template(kind)
    _check(kind, template, params)
    return tuple((name, params[name]) for name in template.params)


def _template(kind: str) -> SmsTemplate:
    if kind not in TEMPLATES:
        raise SmsTemplateError(gettext_noop("没有短信模板 {kind}"), field="kind", params={"kind": kind})
    return TEMPLATES[kind]


def _check(kind: str, template: SmsTemplate, params: Mapping[str, str]) -> None:
    missing = set(template.params) - set(params)
    extra = set(params) - set(template.params)
    if missing or extra:
        raise SmsTemplateError(
            gettext_noop("短信模板 {kind} 的参数不符：缺少 {missing}，多出 {extra}"), field="params",
            params={"kind": kind, "missing": sorted(missing), "extra": sorted(extra)},
        )
