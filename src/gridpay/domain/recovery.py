"""The fee recovery rate (电费回收率): how much of the electricity charged was paid."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

RATE_PLACES = Decimal("0.0001")  # 95.25 % is 0.9525


@dataclass(frozen=True)
class Recovery:
    """A month's 应收电费 (what was charged) and 实收电费 (what of it was paid by the cut-off), in fen.

    电费回收率 = 实收电费 ÷ 应收电费 × 100 %, the paid part counted to the month's last day (月末). Late fees (违约金)
    are not 电费: they are income of their own and count in neither figure.
    """

    due_fen: int
    received_fen: int

    def __post_init__(self) -> None:
        if not 0 <= self.received_fen <= self.due_fen:
            raise ValueError("what was received of a month's charges is between nothing and all of them")

    @property
    def outstanding_fen(self) -> int:
        return self.due_fen - self.received_fen

    @property
    def rate(self) -> Decimal | None:
        """To four places, half up; None when nothing was charged (a rate of nothing is not 100 %)."""
        if self.due_fen == 0:
            return None
        return (Decimal(self.received_fen) / Decimal(self.due_fen)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)

    def __add__(self, other: "Recovery") -> "Recovery":
        return Recovery(due_fen=self.due_fen + other.due_fen, received_fen=self.received_fen + other.received_fen)


def prepaid_recovery(*, accounts: list[tuple[int, int]]) -> Recovery:
    """The month's prepaid charges and what money covered of them, from each account's (charges of the month in
    fen, its balance at the cut-off in fen).

    Money on a prepaid balance pays the oldest charges first, so what an account still owes at the cut-off is its
    latest charges, the month's before any earlier: unpaid of the month is the arrears, up to the month's charges.
    Arrears older than the month are counted against their own months, not this one.
    """
    due = received = 0
    for charged_fen, balance_fen in accounts:
        if charged_fen < 0:
            raise ValueError("a month's charges are never negative")
        due += charged_fen
        received += charged_fen - min(max(-balance_fen, 0), charged_fen)
    return Recovery(due_fen=due, received_fen=received)
