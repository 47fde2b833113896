"""The utility's supply policy as one editable row (defaults are RULES §5–7's)."""

from datetime import time
from decimal import Decimal

from django.db import models


class SupplyPolicySettings(models.Model):
    """One row (id 1). Absent, the domain's defaults apply."""

    alert_first_fen = models.BigIntegerField("第一档余额提醒（分）", default=5_000)
    alert_second_fen = models.BigIntegerField("第二档余额提醒（分）", default=2_000)
    alert_days_left = models.PositiveSmallIntegerField("可用天数提醒", default=3)
    sms_from = models.TimeField("短信发送开始", default=time(8))
    sms_until = models.TimeField("短信发送结束", default=time(21))
    disconnect_delay_days = models.PositiveSmallIntegerField("欠费后停电延迟（天）", default=1)
    disconnect_delay_minutes = models.PositiveIntegerField("欠费后停电延迟（分钟，天数为 0 时）", default=0)
    window_opens = models.TimeField("停电时段开始", default=time(9))
    window_closes = models.TimeField("停电时段结束", default=time(16))
    window_working_days_only = models.BooleanField("仅工作日停电", default=True)
    window_closed_on_holidays_and_eves = models.BooleanField("节假日及前一日不停电", default=True)
    weather_block = models.BooleanField("恶劣天气暂停停电", default=False)
    reconnect_level_fen = models.BigIntegerField("复电可用余额（分）", default=0)
    unusual_baseline_days = models.PositiveSmallIntegerField("异常用电基准天数", default=30)
    unusual_min_history_days = models.PositiveSmallIntegerField("异常用电最少历史天数", default=7)
    unusual_factor = models.DecimalField("异常用电倍数", max_digits=5, decimal_places=2, default=Decimal(3))
    unusual_min_excess_kwh = models.DecimalField(
        "异常用电最少超出电量", max_digits=8, decimal_places=2, default=Decimal(5)
    )
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "供电策略"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="supply_policy_single_row")]
