"""Per village, the share of households within a 10-minute walk of an open outlet, with the points for a map."""

from dataclasses import dataclass, field
from datetime import time

import numpy as np

from gridpay.data.models import Account, Outlet, Village
from gridpay.data.models.accounts import AccountStatus
from gridpay.domain.coverage import CIRCLE_MINUTES, VillageCoverage, circle_radius_m, covered_mask, is_open

NO_VILLAGE = "（未分村）"


@dataclass(frozen=True)
class OutletPoint:
    code: str
    name: str
    kind: str
    latitude: float
    longitude: float
    open: bool


@dataclass(frozen=True)
class CoverageReport:
    minutes: int
    radius_m: int
    at: time | None
    villages: list[VillageCoverage]
    total: VillageCoverage
    outlets: list[OutletPoint] = field(default_factory=list)
    village_centres: list[tuple[str, float, float]] = field(default_factory=list)  # name, latitude, longitude
    # Located households, for the map: latitude, longitude, covered.
    latitudes: np.ndarray = field(default_factory=lambda: np.zeros(0))
    longitudes: np.ndarray = field(default_factory=lambda: np.zeros(0))
    covered: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def outlet_coverage(*, at: time | None = None, minutes: int = CIRCLE_MINUTES) -> CoverageReport:
    """``at`` counts only outlets open at that time of day; None counts every active outlet."""
    radius = circle_radius_m(minutes)
    active = list(Outlet.objects.filter(active=True).select_related("village").order_by("code"))
    outlets = [
        OutletPoint(o.code, o.name, o.kind, float(o.latitude), float(o.longitude), is_open(hours=o.hours, at=at))
        for o in active
    ]
    open_outlets = [o for o in outlets if o.open]
    outlets_per_village: dict[str, int] = {}
    for outlet, point in zip(active, outlets, strict=True):
        if point.open and outlet.village is not None:
            outlets_per_village[outlet.village.name] = outlets_per_village.get(outlet.village.name, 0) + 1
    rows = list(
        Account.objects.filter(status=AccountStatus.ACTIVE)
        .values_list("village__name", "latitude", "longitude")
        .order_by("village__name")
    )
    located = [(v or NO_VILLAGE, float(lat), float(lon)) for v, lat, lon in rows if lat is not None and lon is not None]
    latitudes = np.array([p[1] for p in located], dtype=float)
    longitudes = np.array([p[2] for p in located], dtype=float)
    covered = covered_mask(
        latitudes=latitudes, longitudes=longitudes,
        outlet_latitudes=np.array([o.latitude for o in open_outlets], dtype=float),
        outlet_longitudes=np.array([o.longitude for o in open_outlets], dtype=float), radius_m=radius,
    )
    counts: dict[str, list[int]] = {}
    for village, *_ in rows:
        counts.setdefault(village or NO_VILLAGE, [0, 0, 0])[0] += 1
    for (village, _, _), is_covered in zip(located, covered, strict=True):
        counts[village][1] += 1
        counts[village][2] += int(is_covered)
    villages = [
        VillageCoverage(village=name, accounts=a, located=n, covered=c, outlets=outlets_per_village.get(name, 0))
        for name, (a, n, c) in sorted(counts.items())
    ]
    total = VillageCoverage(
        village="合计", accounts=sum(v.accounts for v in villages), located=sum(v.located for v in villages),
        covered=sum(v.covered for v in villages), outlets=len(open_outlets),
    )
    centres = [
        (v.name, float(v.latitude), float(v.longitude))
        for v in Village.objects.filter(latitude__isnull=False, longitude__isnull=False).order_by("name")
        if v.name in counts and v.latitude is not None and v.longitude is not None
    ]
    return CoverageReport(
        village_centres=centres,
        minutes=minutes, radius_m=radius, at=at, villages=villages, total=total, outlets=outlets,
        latitudes=latitudes, longitudes=longitudes, covered=covered,
    )
