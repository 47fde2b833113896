"""What a customer sees of an account: balance, available balance (可用余额), days left (预计可用天数)."""

from collections.abc import Sequence
from dataclasses import dataclass

from gridpay.domain.money import MICRO_YUAN_PER_FEN, round_to_fen


@dataclass(frozen=True)
class AccountFigures:
    balance_fen: int  # 账户余额: payments less official bills
    available_balance_fen: int  # 可用余额: balance less charges settled since the last bill
    average_daily_charge_fen: int | None
    days_left: int | None  # None when there is no recent usage to forecast from


def account_figures(
    *, ledger_balance_fen: int, unbilled_charges_fen: int, recent_daily_charges_fen: Sequence[int]
) -> AccountFigures:
    """Daily settlement debits the ledger at once, so the ledger balance is the available balance.

    RULES §4: available balance = account balance − charges settled since the last official bill.
    """
    average = average_daily_charge_fen(recent_daily_charges_fen)
    return AccountFigures(
        balance_fen=ledger_balance_fen + unbilled_charges_fen,
        available_balance_fen=ledger_balance_fen,
        average_daily_charge_fen=average,
        days_left=days_left(available_balance_fen=ledger_balance_fen, average_daily_charge_fen=average),
    )


def average_daily_charge_fen(charges_fen: Sequence[int]) -> int | None:
    if not charges_fen:
        return None
    total_micro = sum(charges_fen) * MICRO_YUAN_PER_FEN
    return round_to_fen(micro_yuan=total_micro // len(charges_fen))


def days_left(*, available_balance_fen: int, average_daily_charge_fen: int | None) -> int | None:
    """Whole days the available balance lasts at the recent average charge."""
    if not average_daily_charge_fen or average_daily_charge_fen <= 0:
        return None
    if available_balance_fen <= 0:
        return 0
    return available_balance_fen // average_daily_charge_fen
