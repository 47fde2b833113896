"""How an account's fired alerts are kept in its ``alerts_fired`` column: AlertKind values, sorted, comma-separated."""

from collections.abc import Iterable

from gridpay.domain.alerts import AlertKind


def fired_from_column(text: str) -> frozenset[AlertKind]:
    return frozenset(AlertKind(kind) for kind in text.split(",") if kind)


def fired_to_column(fired: Iterable[AlertKind]) -> str:
    return ",".join(sorted(fired))
