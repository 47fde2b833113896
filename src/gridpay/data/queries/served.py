"""Rows of the meters one gateway serves, selected by their address's share key (domain.gateway_shares)."""

from collections.abc import Collection, Sequence
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.db.models.functions import Right
from django.db.models.lookups import In

from gridpay.domain.gateway_shares import ALL_KEYS, KEY_DIGITS

M = TypeVar("M", bound=Model)


def served_only(rows: "QuerySet[M, M]", *, address_field: str, keys: Collection[str] | None) -> "QuerySet[M, M]":
    """``rows`` whose meter (its address at ``address_field``) has one of the share ``keys``; None: all of them. The
    address's last digits are compared as strings, the same in SQLite and PostgreSQL."""
    if keys is None:
        return rows
    return rows.filter(In(Right(address_field, KEY_DIGITS), sorted(keys)))


def served_first(
    rows: "QuerySet[M, M]", *, address_field: str, keys: Collection[str] | None, order: Sequence[str], count: int
) -> "QuerySet[M, M]":
    """About the first ``count`` of ``rows`` in ``order`` that the gateway with ``keys`` serves: those among the first
    ``count`` × (all keys / its keys) in that order. The address of a row is on its meter, so a filter on it alone
    would join and sort every row due (100,000 commands of a disconnection run) at each claim; this reads a window
    of the index's order first, in the same statement (daily reads carry their share key instead: ADR 0041). Rows
    of a gateway gone are at the head of that order until it is found gone (15 s): the window then holds fewer of
    this gateway's rows, never none for long."""
    if keys is None:
        return rows
    if not keys:
        return rows.none()
    spread = -(-len(ALL_KEYS) // len(keys))
    window = rows.order_by(*order).values("pk")[: count * spread]
    return served_only(rows.filter(pk__in=window), address_field=address_field, keys=keys)
