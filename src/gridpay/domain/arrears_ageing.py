"""Arrears ageing (欠费账龄): how long accounts have been in arrears, in the bands staff act on."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

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


def arrears_ageing(*, arrears: Iterable[tuple[datetime | None, int]], now: datetime) -> list[AgeBand]:
    """``arrears`` are (in arrears since, balance fen < 0); an account with no date counts as new."""
    counts = [[0, 0] for _ in BANDS]
    for since, balance in arrears:
        days = (now - since).days if since else 0
        for index, (low, high, _) in enumerate(BANDS):
            if days >= low and (high is None or days < high):
                counts[index][0] += 1
                counts[index][1] += -balance
                break
    return [AgeBand(label, n, fen) for (_, _, label), (n, fen) in zip(BANDS, counts, strict=True)]
