"""补召: staff ask for the daily reads again now — the days still wanted and the silent gaps, of one meter or all."""

from datetime import datetime

from django.db.models import Q

from gridpay.application.errors import NotFound
from gridpay.data.models import DailyRead, Meter
from gridpay.domain.daily_reads import GapReason, ReadStatus
from gridpay.domain.texts import gettext_noop


def recall_daily_reads(*, at: datetime, meter_no: str | None = None) -> int:
    """Makes them due at once, with today's asks counted afresh; returns how many (meter, day) the gateway will ask."""
    rows = DailyRead.objects.filter(
        Q(status=ReadStatus.WANTED) | Q(status=ReadStatus.GAP, gap_reason=GapReason.SILENT)
    )
    if meter_no is not None:
        if not Meter.objects.filter(meter_no=meter_no).exists():
            raise NotFound(gettext_noop("没有表号 {meter_no}"), field="meter", params={"meter_no": meter_no})
        rows = rows.filter(meter__meter_no=meter_no)
    return rows.update(status=ReadStatus.WANTED, gap_reason="", attempts=0, next_attempt_at=at, updated_at=at)
