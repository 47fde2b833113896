"""Tells who presents a staff API token: the live token with the same SHA-256 hash, or nobody."""

from dataclasses import dataclass

from gridpay.application.staff.issue_api_token import token_sha256
from gridpay.data.queries.api_tokens import live_token


@dataclass(frozen=True)
class ApiCaller:
    token_id: int
    name: str


def authenticate_api_token(*, token: str) -> ApiCaller | None:
    if not token:
        return None
    # Looked up by hash, so the comparison never touches the secret itself.
    row = live_token(token_sha256(token))
    return ApiCaller(token_id=row[0], name=row[1]) if row is not None else None
