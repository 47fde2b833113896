"""Arrears ageing (欠费账龄): how long accounts have been in arrears, in the bands staff act on."""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from gridpay.domain.texts import gettext_noop

BANDS = (
    (0, 7, gettext_noop("7 天以内")), (7, 30, gettext_noop("7–30 天")), (30, 90, gettext_noop("30–90 天")),
    (90, None, gettext_noop("90 天以上")),
)


@dataclass(frozen=True)
class AgeBand:
    label: str
    accounts: int
    owed_fen: int


def days_in_arrears(*, day: date, since: date | None) -> int:
    """Days from the first day in arrears to ``day``; an account with no date (not yet seen by the alerts) is new."""
    return (day - since).days if since else 0


def arrears_ageing(*, arrears: Iterable[tuple[date | None, int]], day: date) -> list[AgeBand]:
    """``arrears`` are (first day in arrears, fen owed > 0), one per account, as they stood on ``day``."""
    return age_bands(arrears=((days_in_arrears(day=day, since=since), owed_fen) for since, owed_fen in arrears))


def age_bands(*, arrears: Iterable[tuple[int, int]]) -> list[AgeBand]:
    """``arrears`` are (days in arrears, fen owed > 0), one per account: how many and how much in each band."""
    counts = [[0, 0] for _ in BANDS]
    for days, owed_fen in arrears:
        band = counts[band_index(days=days)]
        band[0] += 1
        band[1] += owed_fen
    return [AgeBand(label, n, fen) for (_, _, label), (n, fen) in zip(BANDS, counts, strict=True)]


def band_index(*, days: int) -> int:
    for index, (low, high, _) in enumerate(BANDS):
        if days >= low and (high is None or days < high):
            return index
    return 0  # a date after the day asked about (a correction posted later) counts as new


K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class ArrearsGroup:
    """The accounts in arrears one area, collector or village answers for: how many, how much, and how old."""

    accounts: int
    owed_fen: int
    bands: list[AgeBand]


def group_arrears(*, arrears: Iterable[tuple[K, int, int]]) -> dict[K, ArrearsGroup]:
    """``arrears`` are (group, days in arrears, fen owed > 0), one per account; each group's figures."""
    lines: dict[K, list[tuple[int, int]]] = {}
    for key, days, owed_fen in arrears:
        if owed_fen <= 0:
            raise ValueError("an account in arrears owes something")
        lines.setdefault(key, []).append((days, owed_fen))
    return {key: ArrearsGroup(accounts=len(found), owed_fen=sum(fen for _, fen in found),
                              bands=age_bands(arrears=found)) for key, found in lines.items()}
