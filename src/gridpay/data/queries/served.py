"""Rows of the meters one gateway serves, selected by their address's share key (domain.gateway_shares)."""

from collections.abc import Collection
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.db.models.functions import Right
from django.db.models.lookups import In

from gridpay.domain.gateway_shares import KEY_DIGITS

M = TypeVar("M", bound=Model)


def served_only(rows: "QuerySet[M, M]", *, address_field: str, keys: Collection[str] | None) -> "QuerySet[M, M]":
    """``rows`` whose meter (its address at ``address_field``) has one of the share ``keys``; None: all of them. The
    address's last digits are compared as strings, the same in SQLite and PostgreSQL."""
    if keys is None:
        return rows
    return rows.filter(In(Right(address_field, KEY_DIGITS), sorted(keys)))
