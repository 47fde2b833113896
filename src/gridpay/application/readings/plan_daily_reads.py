"""Plans a business day's reads: every meter in service, every day since its last reading that it may still keep."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max

from gridpay.data.bulk import refresh_statistics
from gridpay.data.models import DailyRead, Meter
from gridpay.domain.daily_reads import GapReason, ReadStatus
from gridpay.domain.gateway_shares import share_key
from gridpay.domain.meter_models import UNKNOWN

# A meter installed long ago without a reading is not read back further than this (the meter keeps 62).
FIRST_READ_DAYS = 7


@dataclass(frozen=True)
class ReadPlan:
    wanted: int  # (meter, day) now wanted, new or asked again
    beyond_depth: int  # days older than their meter keeps, listed as gaps at once


def plan_daily_reads(*, today: date, at: datetime) -> ReadPlan:
    """Wants every day up to yesterday that a meter in service has no reading of, back to its last reading (or its
    install, at most a week back) and within what the meter keeps; and asks again for yesterday's silent gaps."""
    wanted: list[DailyRead] = []
    beyond = 0
    with transaction.atomic():
        meters = (
            Meter.objects.filter(removed_on__isnull=True, installed_on__lt=today)
            .annotate(last_read=Max("readings__reading_date"))
            .values_list("id", "dlt645_address", "installed_on", "last_read", "model__freeze_depth")
        )
        # Days read have their reading, so they are never after a meter's last one: only the others can clash.
        planned = set(
            DailyRead.objects.filter(reading_date__gte=today - timedelta(days=UNKNOWN.freeze_depth + FIRST_READ_DAYS))
            .exclude(status=ReadStatus.READ)
            .values_list("meter_id", "reading_date")
        )
        for meter_id, address, installed_on, last_read, model_depth in meters:
            depth = model_depth or UNKNOWN.freeze_depth
            since_install = max(installed_on, today - timedelta(days=FIRST_READ_DAYS))
            first = last_read + timedelta(days=1) if last_read else since_install
            for offset in range((today - first).days):
                day = first + timedelta(days=offset)
                if (meter_id, day) in planned:
                    continue
                kept = (today - day).days <= depth
                beyond += not kept
                wanted.append(DailyRead(
                    meter_id=meter_id, reading_date=day, updated_at=at, share_key=share_key(address),
                    status=ReadStatus.WANTED if kept else ReadStatus.GAP,
                    gap_reason="" if kept else GapReason.BEYOND_DEPTH, next_attempt_at=at if kept else None,
                ))
        DailyRead.objects.bulk_create(wanted, batch_size=2_000, ignore_conflicts=True)
        # Earlier rounds' silent days: a new round, while the meter may still keep them (a day beyond its depth
        # is then found so by its stamps).
        again = DailyRead.objects.filter(
            status=ReadStatus.GAP, gap_reason=GapReason.SILENT,
            reading_date__gte=today - timedelta(days=UNKNOWN.freeze_depth),
        ).update(status=ReadStatus.WANTED, gap_reason="", attempts=0, next_attempt_at=at, updated_at=at)
    # The day's reads are now most of the table's due rows: the claims' plans must know it.
    refresh_statistics(DailyRead._meta.db_table)
    return ReadPlan(wanted=len(wanted) - beyond + again, beyond_depth=beyond)
