"""Chinese names of the loop's codes, for the commands' output (and, translated, the web pages)."""

from collections.abc import Mapping

from django.utils.translation import gettext_noop

ALERT_NAMES = {
    "low_balance_first": gettext_noop("余额第一档"),
    "low_balance_second": gettext_noop("余额第二档"),
    "days_left": gettext_noop("可用天数不足"),
    "arrears": gettext_noop("欠费停电通知"),
}

DISCONNECTION_OUTCOMES = {
    "disconnect": gettext_noop("下发停电"),
    "not_in_arrears": gettext_noop("已不欠费"),
    "not_connected": gettext_noop("已停电"),
    "command_pending": gettext_noop("已有命令在途"),
    "not_due": gettext_noop("未到停电时间"),
    "protected": gettext_noop("保电户，转人工"),
    "window_closed": gettext_noop("不在停电时段"),
}

WINDOW_CLOSED = {
    "weather_block": gettext_noop("恶劣天气暂停停电"),
    "holiday": gettext_noop("节假日"),
    "holiday_eve": gettext_noop("节假日前一日"),
    "rest_day": gettext_noop("非工作日"),
    "outside_hours": gettext_noop("不在停电时间段内"),
}

SMS_NAMES = {
    **ALERT_NAMES,
    "disconnected": gettext_noop("停电通知"),
    "reconnected": gettext_noop("复电通知"),
    "close_permitted_button": gettext_noop("允许合闸（按表计按钮）"),
    "close_permitted_breaker": gettext_noop("允许合闸（合上断路器）"),
    "close_not_taken_staff": gettext_noop("用户未合闸提醒"),
    "unusual_usage": gettext_noop("异常用电"),
    "unusual_usage_staff": gettext_noop("异常用电（网格员）"),
    "reconnect_overdue_staff": gettext_noop("复电超时告警"),
    "disconnect_failed_staff": gettext_noop("停电失败工单"),
    "sign_in_code": gettext_noop("登录验证码"),
    "withholding_failed": gettext_noop("代扣失败通知"),
}


def alerts_sent(sent: Mapping[str, int] | None) -> str:
    """``{"arrears": 3}`` → ``欠费停电通知 3 户``; 无 when nothing was sent."""
    return "，".join(f"{ALERT_NAMES.get(kind, kind)} {n} 户" for kind, n in (sent or {}).items()) or "无"
