"""The default schedule (django-q2 rows staff may change): created when missing, never overwritten."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django_q.models import Schedule

from gridpay.data.settings import gridpay_settings
from gridpay.interfaces import clock

# name → (job, kind, local time of the first run or None for "now", minutes for MINUTES schedules)
DEFAULTS = {
    "每日结算与提醒": ("gridpay.interfaces.jobs.tasks.settle_and_alert", Schedule.DAILY, time(1, 30), None),
    "后付费电费发行与违约金": ("gridpay.interfaces.jobs.tasks.postpaid_day", Schedule.DAILY, time(3, 0), None),
    "临时用电期满停电": ("gridpay.interfaces.jobs.tasks.expire_temporary_supplies", Schedule.DAILY, time(9, 0), None),
    "长期延时交费档案与交费提醒": ("gridpay.interfaces.jobs.tasks.collection_day", Schedule.DAILY, time(7, 0), None),
    # After the night's settlement (01:30) and the postpaid bills and late fees (03:00): yesterday's balances are in.
    "电费风险评分": ("gridpay.interfaces.jobs.tasks.score_risk", Schedule.DAILY, time(4, 0), None),
    "欠费停电（上午）": ("gridpay.interfaces.jobs.tasks.enforce", Schedule.DAILY, time(9, 30), None),
    "欠费停电（下午）": ("gridpay.interfaces.jobs.tasks.enforce", Schedule.DAILY, time(14, 0), None),
    "催费宣传短信": ("gridpay.interfaces.jobs.tasks.campaign_sms", Schedule.DAILY, time(7, 30), None),
    # Daily though a month needs it once: this month's partitions and the next three's exist long before their rows.
    "历史表按月分区": ("gridpay.interfaces.jobs.tasks.create_partitions", Schedule.DAILY, time(0, 30), None),
    "发送短信": ("gridpay.interfaces.jobs.tasks.send_sms", Schedule.MINUTES, None, 1),
    "表计命令超时与重试": ("gridpay.interfaces.jobs.tasks.sweep_commands", Schedule.MINUTES, None, 1),
}


def install_default_schedules() -> list[str]:
    """Adds the schedules that do not exist yet; returns their names."""
    zone = gridpay_settings().zone
    now = clock.now()
    added = []
    for name, (func, kind, at_local, minutes) in DEFAULTS.items():
        if Schedule.objects.filter(name=name).exists():
            continue
        Schedule.objects.create(
            name=name, func=func, schedule_type=kind, minutes=minutes, repeats=-1,
            next_run=_next(now, at_local, zone) if at_local else now,
        )
        added.append(name)
    return added


def _next(now: datetime, at_local: time, zone: ZoneInfo) -> datetime:
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at_local, tzinfo=zone)
    return candidate if candidate > local else candidate + timedelta(days=1)
