"""Read queries about staff API tokens: the live token with a given hash, and names and dates (never hashes)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from gridpay.data.models import ApiToken


def live_token(token_sha256: str) -> tuple[int, str, int | None, str] | None:
    """The id, name, staff member's id (None for a system's token) and channels of the live token with this hash.
    Written out: every API request asks, and the ORM building the statement cost more than the database answering
    it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, name, staff_id, channels FROM {ApiToken._meta.db_table} "
                       "WHERE token_sha256 = %s AND revoked_at IS NULL ORDER BY id LIMIT 1", [token_sha256])
        row = cursor.fetchone()
    return (row[0], row[1], row[2], row[3]) if row is not None else None


@dataclass(frozen=True)
class ApiTokenListing:
    name: str
    created_at: datetime
    revoked_at: datetime | None
    channels: str  # comma-separated codes, empty for none


def api_tokens() -> list[ApiTokenListing]:
    return [
        ApiTokenListing(name=name, created_at=created_at, revoked_at=revoked_at, channels=channels)
        for name, created_at, revoked_at, channels in ApiToken.objects.order_by("created_at", "id").values_list(
            "name", "created_at", "revoked_at", "channels"
        )
    ]
