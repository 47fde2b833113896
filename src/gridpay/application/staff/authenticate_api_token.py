"""Tells who presents a staff API token: the live token with the same SHA-256 hash, or nobody."""

from dataclasses import dataclass

from gridpay.application.staff.issue_api_token import token_sha256
from gridpay.data.models import ApiToken


@dataclass(frozen=True)
class ApiCaller:
    token_id: int
    name: str


def authenticate_api_token(*, token: str) -> ApiCaller | None:
    if not token:
        return None
    # Looked up by hash, so the comparison never touches the secret itself.
    row = ApiToken.objects.filter(token_sha256=token_sha256(token), revoked_at__isnull=True).only("id", "name").first()
    return ApiCaller(token_id=row.id, name=row.name) if row is not None else None
