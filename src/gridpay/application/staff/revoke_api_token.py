"""Revokes the live staff API token of a name; the row stays, with the time it was revoked."""

from datetime import datetime

from django.db import transaction

from gridpay.data.models import ApiToken
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop


class UnknownApiToken(DomainError):
    code = "unknown_api_token"


def revoke_api_token(*, name: str, at: datetime) -> None:
    with transaction.atomic():
        revoked = ApiToken.objects.filter(name=name.strip(), revoked_at__isnull=True).update(revoked_at=at)
    if not revoked:
        raise UnknownApiToken(gettext_noop("没有名为 {name} 的有效令牌"), field="name", params={"name": name})
