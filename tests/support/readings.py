"""Stores daily readings for tests, with the day's energy already known (as the import computes it)."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from gridpay.data.models import Account, Reading

RECEIVED = datetime(2025, 1, 1, tzinfo=UTC)


def add_readings(account: Account, *, first_day: date, daily_kwh: Sequence[Decimal | str]) -> date:
    """One reading a day from ``first_day`` on; returns the last day."""
    meter = account.meters.get(removed_on__isnull=True)
    last = Reading.objects.filter(meter=meter).order_by("-reading_date").first()
    total = last.total_kwh if last else meter.start_total_kwh
    day = first_day
    rows = []
    for kwh in daily_kwh:
        energy = Decimal(kwh)
        total += energy
        rows.append(
            Reading(
                meter=meter,
                account=account,
                reading_date=day,
                total_kwh=total,
                energy_kwh=energy,
                received_at=RECEIVED,
            )
        )
        day += timedelta(days=1)
    Reading.objects.bulk_create(rows)
    return day - timedelta(days=1)
