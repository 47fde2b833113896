"""Series for the pages' charts, in the shapes their ECharts scripts read."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from gridpay.domain.money import format_yuan


def usage_series(usage: Sequence[tuple[date, str, int]]) -> dict[str, Any]:
    """Daily (day, kWh, charge fen) as the usage chart's days, kWh and yuan."""
    return {
        "days": [day.strftime("%m-%d") for day, _, _ in usage],
        "kwh": [kwh for _, kwh, _ in usage],
        "yuan": [format_yuan(fen) for _, _, fen in usage],
    }
