"""The 10-minute payment circle (十分钟交费圈): which households can walk to an open outlet in ten minutes."""

import math
from dataclasses import dataclass
from datetime import time

import numpy as np

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

WALKING_M_PER_MIN = 75  # 4.5 km/h, an adult's unhurried walk
CIRCLE_MINUTES = 10
EARTH_RADIUS_M = 6_371_000


def circle_radius_m(minutes: int = CIRCLE_MINUTES) -> int:
    """Straight-line metres covered in ``minutes``: roads make the real walk longer, so this is generous."""
    return minutes * WALKING_M_PER_MIN


def is_open(*, hours: str, at: time | None) -> bool:
    """``"08:00-18:00"``, ``"21:00-02:00"`` (past midnight) or ``"24h"``; ``at`` None asks "open at all"."""
    hours = hours.strip()
    if not hours:
        return False
    if at is None or hours.lower() == "24h":
        return True
    start_text, _, end_text = hours.partition("-")
    start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    if start <= end:
        return start <= at < end
    return at >= start or at < end


class InvalidHours(DomainError):
    code = "invalid_hours"


def parse_hours(hours: str) -> str:
    """The hours as stored, or InvalidHours naming the expected form."""
    refused = InvalidHours(gettext_noop("营业时间应为 HH:MM-HH:MM 或 24h，而不是 {hours!r}"), field="hours",
                           params={"hours": hours})
    try:
        is_open(hours=hours, at=time(12))
    except ValueError:  # time.fromisoformat's
        raise refused from None
    if "-" not in hours and hours.strip().lower() != "24h":
        raise refused
    return hours.strip()


@dataclass(frozen=True)
class VillageCoverage:
    village: str
    accounts: int
    located: int  # accounts with a location
    covered: int  # located accounts within the circle of an open outlet
    outlets: int  # open outlets in the village

    @property
    def share(self) -> float | None:
        return self.covered / self.located if self.located else None


def covered_mask(
    *, latitudes: np.ndarray, longitudes: np.ndarray, outlet_latitudes: np.ndarray, outlet_longitudes: np.ndarray,
    radius_m: float,
) -> np.ndarray:
    """For each point, whether some outlet lies within ``radius_m`` (haversine, in blocks to bound memory)."""
    covered = np.zeros(len(latitudes), dtype=bool)
    if len(outlet_latitudes) == 0 or len(latitudes) == 0:
        return covered
    lat2, lon2 = np.radians(outlet_latitudes)[None, :], np.radians(outlet_longitudes)[None, :]
    half_angle = math.sin(radius_m / EARTH_RADIUS_M / 2) ** 2
    block = max(1, 2_000_000 // len(outlet_latitudes))
    for start in range(0, len(latitudes), block):
        lat1 = np.radians(latitudes[start : start + block])[:, None]
        lon1 = np.radians(longitudes[start : start + block])[:, None]
        h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
        covered[start : start + block] = (h <= half_angle).any(axis=1)
    return covered


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))
