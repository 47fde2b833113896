"""Read queries about meters: one's last reading, and what a simulated fleet needs of those in service."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
from django.db.models import Exists, OuterRef, QuerySet, Subquery

from gridpay.data.history_archive import READINGS, archived
from gridpay.data.models import Meter, Reading, ReconnectCase


def last_reading(meter_id: int, columns: list[str]) -> tuple[Any, ...] | None:
    """The meter's last reading's ``columns`` (reading_date first among them, or not), archived or not; None when it
    has none: a meter silent for months (the one being replaced, often) may have its last reading in the archive."""
    found = Reading.objects.filter(meter_id=meter_id).order_by("-reading_date").values_list(*columns).first()
    if found is None and (old := archived(READINGS)) is not None:
        rows = old.filter(pl.col("meter_id") == meter_id).sort("reading_date", descending=True).head(1)
        found = next(iter(rows.select(*columns).collect().rows()), None)
    return found


@dataclass(frozen=True)
class MeterInService:
    address: str
    total_kwh: Decimal  # the last reading's total register, or the install reading
    read_through: date  # the day of that reading (or of the install)
    relay_open: bool
    direct_close: bool  # its model takes 1C; a meter of no known model does not
    rates: int  # its model's rates (4 where not known)
    # Its account's reconnection waits for the customer: the close was permitted (1B) and the relay is still open.
    close_permitted: bool = False


def meters_in_service(*, limit: int) -> list[MeterInService]:
    last = Reading.objects.filter(meter=OuterRef("pk")).order_by("-reading_date")
    last_total, last_day = last.values("total_kwh")[:1], last.values("reading_date")[:1]
    waiting = ReconnectCase.objects.filter(account_id=OuterRef("account_id"), confirmed_at__isnull=True,
                                           close_permitted_at__isnull=False)
    rows = (
        _in_service()
        .annotate(last_total=Subquery(last_total), last_day=Subquery(last_day), permitted=Exists(waiting))
        .order_by("id")
        .values_list("dlt645_address", "last_total", "start_total_kwh", "relay_open_reported", "model__direct_close",
                     "model__rates", "last_day", "installed_on", "permitted")[:limit]
    )
    return [
        MeterInService(address=address, total_kwh=last if last is not None else start, relay_open=bool(relay_open),
                       direct_close=bool(direct_close), rates=4 if rates is None else rates,
                       read_through=last_day or installed_on, close_permitted=bool(relay_open and permitted))
        for address, last, start, relay_open, direct_close, rates, last_day, installed_on, permitted in rows
    ]


def meters_in_service_count() -> int:
    return _in_service().count()


def _in_service() -> "QuerySet[Meter]":
    return Meter.objects.filter(removed_on__isnull=True)
