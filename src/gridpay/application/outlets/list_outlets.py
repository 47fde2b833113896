"""Lists the outlet registry."""

from dataclasses import dataclass

from gridpay.data.models import Outlet
from gridpay.data.models.outlets import OutletKind


@dataclass(frozen=True)
class OutletLine:
    code: str
    name: str
    kind: str
    kind_label: str
    village: str
    hours: str
    channels: list[str]
    active: bool
    latitude: float
    longitude: float


def list_outlets() -> list[OutletLine]:
    return [
        OutletLine(
            code=o.code, name=o.name, kind=o.kind, kind_label=OutletKind(o.kind).label,
            village=o.village.name if o.village else "", hours=o.hours, channels=list(o.channels), active=o.active,
            latitude=float(o.latitude), longitude=float(o.longitude),
        )
        for o in Outlet.objects.select_related("village").order_by("code")
    ]
