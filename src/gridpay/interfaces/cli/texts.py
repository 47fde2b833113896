"""Chinese names of the loop's codes, for the commands' output."""

from collections.abc import Mapping

ALERT_NAMES = {
    "low_balance_first": "余额第一档",
    "low_balance_second": "余额第二档",
    "days_left": "可用天数不足",
    "arrears": "欠费停电通知",
}

DISCONNECTION_OUTCOMES = {
    "disconnect": "下发停电",
    "not_in_arrears": "已不欠费",
    "not_connected": "已停电",
    "command_pending": "已有命令在途",
    "not_due": "未到停电时间",
    "protected": "保电户，转人工",
    "window_closed": "不在停电时段",
}

WINDOW_CLOSED = {
    "weather_block": "恶劣天气暂停停电",
    "holiday": "节假日",
    "holiday_eve": "节假日前一日",
    "rest_day": "非工作日",
    "outside_hours": "不在停电时间段内",
}

SMS_NAMES = {
    **ALERT_NAMES,
    "disconnected": "停电通知",
    "reconnected": "复电通知",
    "unusual_usage": "异常用电",
    "unusual_usage_staff": "异常用电（网格员）",
    "reconnect_overdue_staff": "复电超时告警",
    "disconnect_failed_staff": "停电失败工单",
    "sign_in_code": "登录验证码",
    "withholding_failed": "代扣失败通知",
}


def alerts_sent(sent: Mapping[str, int] | None) -> str:
    """``{"arrears": 3}`` → ``欠费停电通知 3 户``; 无 when nothing was sent."""
    return "，".join(f"{ALERT_NAMES.get(kind, kind)} {n} 户" for kind, n in (sent or {}).items()) or "无"
