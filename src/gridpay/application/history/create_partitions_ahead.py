"""Create the history tables' partitions of this month and the next three (PostgreSQL; nothing on SQLite)."""

from datetime import date

from gridpay.data.history_partitions import ensure_partitions
from gridpay.domain.history_months import months_ahead


def create_partitions_ahead(*, today: date) -> list[str]:
    """The partitions created (none when they all exist): run daily, so a month's partition exists months before
    its first row."""
    return ensure_partitions(months_ahead(today=today))
