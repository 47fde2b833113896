"""Adds or updates outlets of the registry (type, place, hours, channels), all or none."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction

from gridpay.data.models import Outlet, Village
from gridpay.data.models.outlets import OutletKind
from gridpay.domain.coverage import parse_hours
from gridpay.domain.errors import DomainError
from gridpay.domain.payments import parse_channel


class InvalidOutlet(DomainError):
    code = "invalid_outlet"


@dataclass(frozen=True)
class OutletInput:
    code: str
    name: str
    kind: str
    latitude: str
    longitude: str
    village: str = ""
    town: str = ""
    address: str = ""
    hours: str = "08:00-18:00"
    channels: tuple[str, ...] = ()
    active: bool = True


def register_outlets(*, outlets: list[OutletInput]) -> int:
    """Adds or updates outlets by code, all or none: a bad row names itself and nothing is written."""
    rows = []
    for number, item in enumerate(outlets, 1):
        where = f"第 {number} 个网点（{item.code or '无编号'}）"
        if not item.code.strip() or not item.name.strip():
            raise InvalidOutlet(f"{where}：编号和名称不能为空", field="code")
        if item.kind not in OutletKind.values:
            raise InvalidOutlet(f"{where}：类型应为 {'、'.join(OutletKind.values)}", field="kind")
        try:
            latitude, longitude = Decimal(item.latitude), Decimal(item.longitude)
        except InvalidOperation:
            raise InvalidOutlet(f"{where}：经纬度应为数字", field="latitude") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise InvalidOutlet(f"{where}：经纬度超出范围", field="latitude")
        try:
            parse_hours(item.hours)
        except ValueError as error:
            raise InvalidOutlet(f"{where}：{error}", field="hours") from None
        for channel in item.channels:
            parse_channel(channel)
        village = None
        if item.village:
            village = Village.objects.filter(name=item.village, **({"town": item.town} if item.town else {})).first()
            if village is None:
                raise InvalidOutlet(f"{where}：没有村/社区 {item.village}", field="village")
        rows.append((item, latitude.quantize(Decimal("0.000001")), longitude.quantize(Decimal("0.000001")), village))
    with transaction.atomic():
        for item, latitude, longitude, village in rows:
            Outlet.objects.update_or_create(
                code=item.code.strip(),
                defaults={
                    "name": item.name.strip(), "kind": item.kind, "village": village, "address": item.address,
                    "latitude": latitude, "longitude": longitude, "hours": item.hours, "channels": list(item.channels),
                    "active": item.active,
                },
            )
    return len(rows)
