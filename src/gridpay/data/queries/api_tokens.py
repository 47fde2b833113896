"""Read queries about staff API tokens: names and dates only, never hashes."""

from dataclasses import dataclass
from datetime import datetime

from gridpay.data.models import ApiToken


@dataclass(frozen=True)
class ApiTokenListing:
    name: str
    created_at: datetime
    revoked_at: datetime | None


def api_tokens() -> list[ApiTokenListing]:
    return [
        ApiTokenListing(name=name, created_at=created_at, revoked_at=revoked_at)
        for name, created_at, revoked_at in ApiToken.objects.order_by("created_at", "id").values_list(
            "name", "created_at", "revoked_at"
        )
    ]
