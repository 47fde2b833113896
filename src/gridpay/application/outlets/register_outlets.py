"""Adds or updates outlets of the registry (type, place, hours, channels), all or none."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction

from gridpay.data.models import Outlet, Village
from gridpay.data.models.outlets import OutletKind
from gridpay.domain.coverage import InvalidHours, parse_hours
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


def _problems(item: OutletInput) -> list[tuple[str, str]]:
    """What is wrong with one outlet as given: (field, message) for each problem."""
    found = []
    if not item.code.strip() or not item.name.strip():
        found.append(("code", "编号和名称不能为空"))
    if item.kind not in OutletKind.values:
        found.append(("kind", f"类型应为 {'、'.join(OutletKind.values)}"))
    try:
        latitude, longitude = Decimal(item.latitude), Decimal(item.longitude)
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            found.append(("latitude", "经纬度超出范围"))
    except InvalidOperation:
        found.append(("latitude", "经纬度应为数字"))
    try:
        parse_hours(item.hours)
    except InvalidHours as error:
        found.append(("hours", error.message))
    for channel in item.channels:
        try:
            parse_channel(channel)
        except DomainError as error:
            found.append(("channels", error.message))
    return found


def register_outlets(*, outlets: list[OutletInput]) -> int:
    """Adds or updates outlets by code, all or none: a bad row names itself and nothing is written."""
    rows = []
    problems: list[str] = []  # every problem of every row: one look at the file shows all there is to mend
    for number, item in enumerate(outlets, 1):
        found = _problems(item)
        latitude = longitude = Decimal(0)
        if not any(field == "latitude" for field, _ in found):
            latitude, longitude = Decimal(item.latitude), Decimal(item.longitude)
        village = None
        if item.village:
            village = Village.objects.filter(name=item.village, **({"town": item.town} if item.town else {})).first()
            if village is None:
                found.append(("village", f"没有村/社区 {item.village}"))
        problems += [f"第 {number} 个网点（{item.code or '无编号'}）：{message}" for _, message in found]
        rows.append((item, latitude.quantize(Decimal("0.000001")), longitude.quantize(Decimal("0.000001")), village))
    if problems:
        raise InvalidOutlet("；".join(problems), field="outlets")
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
