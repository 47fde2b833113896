"""The fee recovery rate (电费回收率): how much of the electricity charged was paid."""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

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


K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class MonthRecovery:
    """A month's 电费回收 of a place (a village, an area, a collector's accounts, the whole station).

    ``accounts`` were charged (prepaid) or billed (postpaid) in the month; ``unsettled`` of them still owed some of
    it at the cut-off. 月结月清 (the month's fees all paid by the month's end) holds when none does.
    """

    prepaid: Recovery
    postpaid: Recovery
    postpaid_bills: int
    accounts: int = 0
    unsettled: int = 0

    @property
    def total(self) -> Recovery:
        return self.prepaid + self.postpaid

    @property
    def settled(self) -> bool:
        return self.unsettled == 0

    def __add__(self, other: "MonthRecovery") -> "MonthRecovery":
        return MonthRecovery(prepaid=self.prepaid + other.prepaid, postpaid=self.postpaid + other.postpaid,
                             postpaid_bills=self.postpaid_bills + other.postpaid_bills,
                             accounts=self.accounts + other.accounts, unsettled=self.unsettled + other.unsettled)


NOTHING = MonthRecovery(prepaid=Recovery(0, 0), postpaid=Recovery(0, 0), postpaid_bills=0)


def recovery_by_place(*, prepaid: Iterable[tuple[K, int, int]], postpaid: Iterable[tuple[K, int, int, int]]
                      ) -> dict[K, MonthRecovery]:
    """Each place's month, from one row per account: prepaid (place, the month's charges, the balance at the
    cut-off) and postpaid (place, bills issued in the month, their amount, their principal paid by the cut-off).

    Every place's prepaid figure is prepaid_recovery of its accounts, so the places add up to the station's.
    """
    found: dict[K, MonthRecovery] = {}
    for place, charged_fen, balance_fen in prepaid:
        part = prepaid_recovery(accounts=[(charged_fen, balance_fen)])
        found[place] = found.get(place, NOTHING) + MonthRecovery(
            prepaid=part, postpaid=Recovery(0, 0), postpaid_bills=0, accounts=1,
            unsettled=int(part.outstanding_fen > 0))
    for place, bills, billed_fen, paid_fen in postpaid:
        part = Recovery(due_fen=billed_fen, received_fen=paid_fen)
        found[place] = found.get(place, NOTHING) + MonthRecovery(
            prepaid=Recovery(0, 0), postpaid=part, postpaid_bills=bills, accounts=1,
            unsettled=int(part.outstanding_fen > 0))
    return found
