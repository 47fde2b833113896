"""Read queries about meters in service: what a simulated fleet needs to stand in for them."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from gridpay.data.models import Meter, Reading


@dataclass(frozen=True)
class MeterInService:
    address: str
    total_kwh: Decimal  # the last reading's total register, or the install reading
    read_through: date  # the day of that reading (or of the install)
    relay_open: bool
    direct_close: bool  # its model takes 1C; a meter of no known model does not
    rates: int  # its model's rates (4 where not known)


def meters_in_service(*, limit: int) -> list[MeterInService]:
    last = Reading.objects.filter(meter=OuterRef("pk")).order_by("-reading_date")
    last_total, last_day = last.values("total_kwh")[:1], last.values("reading_date")[:1]
    rows = (
        Meter.objects.filter(removed_on__isnull=True)
        .annotate(last_total=Subquery(last_total), last_day=Subquery(last_day))
        .order_by("id")
        .values_list("dlt645_address", "last_total", "start_total_kwh", "relay_open_reported", "model__direct_close",
                     "model__rates", "last_day", "installed_on")[:limit]
    )
    return [
        MeterInService(address=address, total_kwh=last if last is not None else start, relay_open=bool(relay_open),
                       direct_close=bool(direct_close), rates=4 if rates is None else rates,
                       read_through=last_day or installed_on)
        for address, last, start, relay_open, direct_close, rates, last_day, installed_on in rows
    ]
