"""Read queries about meters in service: what a simulated fleet needs to stand in for them."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from gridpay.data.models import Meter, Reading


@dataclass(frozen=True)
class MeterInService:
    address: str
    total_kwh: Decimal  # the last reading's total register, or the install reading
    relay_open: bool


def meters_in_service(*, limit: int) -> list[MeterInService]:
    last_total = Reading.objects.filter(meter=OuterRef("pk")).order_by("-reading_date").values("total_kwh")[:1]
    rows = (
        Meter.objects.filter(removed_on__isnull=True)
        .annotate(last_total=Subquery(last_total))
        .order_by("id")
        .values_list("dlt645_address", "last_total", "start_total_kwh", "relay_open_reported")[:limit]
    )
    return [
        MeterInService(address=address, total_kwh=last if last is not None else start, relay_open=bool(relay_open))
        for address, last, start, relay_open in rows
    ]
