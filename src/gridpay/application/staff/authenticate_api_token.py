"""Tells who presents a staff API token: the live token with the same SHA-256 hash, or nobody."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from gridpay.application.staff.issue_api_token import token_sha256
from gridpay.data.queries.api_tokens import live_token
from gridpay.data.staff import roles_of
from gridpay.domain.staff_roles import Role


@dataclass(frozen=True)
class ApiCaller:
    token_id: int
    name: str
    # The roles of the member of staff the token acts for, as they are now (none for a system's token, or once the
    # person has left): what the token may do beyond recording payments.
    roles: frozenset[Role] = frozenset()
    # The payment channels it may record (domain.payments.check_token_channel).
    channels: frozenset[str] = frozenset()


def authenticate_api_token(*, token: str) -> ApiCaller | None:
    if not token:
        return None
    # Looked up by hash, so the comparison never touches the secret itself.
    row = live_token(token_sha256(token))
    if row is None:
        return None
    token_id, name, staff_id, channels = row
    staff = get_user_model().objects.filter(id=staff_id).first() if staff_id is not None else None
    return ApiCaller(token_id=token_id, name=name,
                     roles=frozenset(roles_of(staff)) if staff is not None else frozenset(),
                     channels=frozenset(c for c in channels.split(",") if c))
