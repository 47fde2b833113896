"""The fee recovery rate (电费回收率): how much of the electricity charged was paid."""

from decimal import ROUND_HALF_UP, Decimal


def recovery_rate(*, charged_fen: int, outstanding_fen: int) -> Decimal | None:
    """(charged − still owed) / charged, to four places (95.25 % is 0.9525); None when nothing was charged.

    Smart-payment accounts pay before they use, so what is still owed is the arrears on their balances.
    """
    if charged_fen <= 0:
        return None
    recovered = max(charged_fen - max(outstanding_fen, 0), 0)
    return (Decimal(recovered) / Decimal(charged_fen)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
