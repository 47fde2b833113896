"""The utility's supply policy as one editable row (defaults are RULES §5–7's)."""

from django.db import models

from gridpay.domain.supply_policy import SupplyPolicy

# The rules' defaults live in the domain; the columns take theirs from there.
DEFAULT = SupplyPolicy()
ALERTS, DELAY, WINDOW, UNUSUAL = DEFAULT.alerts, DEFAULT.disconnect_delay, DEFAULT.window, DEFAULT.unusual_usage


class SupplyPolicySettings(models.Model):
    """One row (id 1). Absent, the domain's defaults apply."""

    alert_first_fen = models.BigIntegerField("第一档余额提醒（分）", default=ALERTS.first_fen)
    alert_second_fen = models.BigIntegerField("第二档余额提醒（分）", default=ALERTS.second_fen)
    alert_days_left = models.PositiveSmallIntegerField("可用天数提醒", default=ALERTS.days_left)
    sms_from = models.TimeField("短信发送开始", default=DEFAULT.quiet_hours.sms_from)
    sms_until = models.TimeField("短信发送结束", default=DEFAULT.quiet_hours.sms_until)
    disconnect_delay_days = models.PositiveSmallIntegerField("欠费后停电延迟（天）", default=DELAY.days)
    disconnect_delay_minutes = models.PositiveIntegerField("欠费后停电延迟（分钟，天数为 0 时）", default=DELAY.minutes)
    window_opens = models.TimeField("停电时段开始", default=WINDOW.opens)
    window_closes = models.TimeField("停电时段结束", default=WINDOW.closes)
    window_working_days_only = models.BooleanField("仅工作日停电", default=WINDOW.working_days_only)
    window_closed_on_holidays_and_eves = models.BooleanField(
        "节假日及前一日不停电", default=WINDOW.closed_on_holidays_and_eves
    )
    weather_block = models.BooleanField("恶劣天气暂停停电", default=DEFAULT.weather_block)
    reconnect_level_fen = models.BigIntegerField("复电可用余额（分）", default=DEFAULT.reconnect_level_fen)
    unusual_baseline_days = models.PositiveSmallIntegerField("异常用电基准天数", default=UNUSUAL.baseline_days)
    unusual_min_history_days = models.PositiveSmallIntegerField(
        "异常用电最少历史天数", default=UNUSUAL.min_history_days
    )
    unusual_factor = models.DecimalField("异常用电倍数", max_digits=5, decimal_places=2, default=UNUSUAL.factor)
    unusual_min_excess_kwh = models.DecimalField(
        "异常用电最少超出电量", max_digits=8, decimal_places=2, default=UNUSUAL.min_excess_kwh
    )
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "供电策略"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="supply_policy_single_row")]


class AlertDay(models.Model):
    """A settled business day whose alerts were evaluated (issue 20): a run killed between its settlement's commit and
    the alerts leaves the day unmarked, and the next settlement run or the schedule evaluates it."""

    day = models.DateField("业务日", unique=True)
    evaluated_at = models.DateTimeField("提醒评估时间")

    class Meta:
        verbose_name = "已评估提醒的业务日"
