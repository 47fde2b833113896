"""Ledger transfers balance to zero; money rounds half up exactly once; account figures."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.account_figures import account_figures
from gridpay.domain.ledger import InvalidTransfer, Transfer, TransferKind, balances, transfer_toward
from gridpay.domain.ledger_batch import TransferBatch, balances_after, changes, columns
from gridpay.domain.money import InvalidAmount, fen_from_yuan_text, format_yuan, round_to_fen, yuan_in_words, yuan_text


def test_rounding_is_half_up_away_from_zero() -> None:
    assert round_to_fen(micro_yuan=4_999) == 0
    assert round_to_fen(micro_yuan=5_000) == 1
    assert round_to_fen(micro_yuan=-5_000) == -1
    assert round_to_fen(micro_yuan=55_800_000) == 5580


def test_format_yuan() -> None:
    assert (format_yuan(5580), format_yuan(-5), format_yuan(0)) == ("55.80", "-0.05", "0.00")


def test_a_transfer_needs_a_positive_amount_between_two_accounts() -> None:
    with pytest.raises(InvalidTransfer):
        Transfer(debit=1, credit=2, amount_fen=0, kind=TransferKind.PAYMENT)
    with pytest.raises(InvalidTransfer):
        Transfer(debit=1, credit=1, amount_fen=5, kind=TransferKind.PAYMENT)


def test_a_batch_is_checked_as_each_of_its_transfers_would_be() -> None:
    def batch(debit: list[int], credit: list[int], amount: list[int], kind: object = TransferKind.SETTLEMENT) -> None:
        TransferBatch(debit=np.array(debit), credit=np.array(credit), amount_fen=np.array(amount), kind=kind)  # type: ignore[arg-type]

    batch([1, 2], [3, 3], [5, 7])
    for debit, credit, amount in (([1, 2], [3, 3], [5, 0]), ([1, 3], [3, 3], [5, 7]), ([1], [3, 3], [5, 7])):
        with pytest.raises(InvalidTransfer):
            batch(debit, credit, amount)
    with pytest.raises(InvalidTransfer):
        TransferBatch(debit=np.array([1]), credit=np.array([2]), amount_fen=np.array([1.5]), kind=TransferKind.PAYMENT)
    with pytest.raises(InvalidTransfer):
        batch([1], [2], [5], kind="settlement")
    with pytest.raises(InvalidTransfer):
        Transfer(debit=1, credit=2, amount_fen=5, kind="gift")  # type: ignore[arg-type]


transfer_lists = st.lists(
    st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 10**9)).filter(lambda t: t[0] != t[1]), max_size=40
)


@given(transfer_lists, st.lists(st.integers(-(10**9), 10**9), min_size=5, max_size=5))
def test_the_balances_after_each_transfer_are_running_sums_from_the_balances_before(
    moves: list[tuple[int, int, int]], opening: list[int]
) -> None:
    transfers = [Transfer(debit=d, credit=c, amount_fen=a, kind=TransferKind.PAYMENT) for d, c, a in moves]
    debit, credit, amount = columns(transfers)
    accounts, change, moved = changes(debit=debit, credit=credit, amount_fen=amount)
    before = {account: opening[account - 1] for account in accounts.tolist()}
    debit_after, credit_after = balances_after(
        debit=debit, credit=credit, amount_fen=amount, accounts=accounts,
        before_fen=np.array([before[a] for a in accounts.tolist()], dtype=np.int64),
    )

    running = dict(before)
    expected = []
    for t in transfers:
        running[t.debit] -= t.amount_fen
        running[t.credit] += t.amount_fen
        expected.append((running[t.debit], running[t.credit]))
    assert list(zip(debit_after.tolist(), credit_after.tolist(), strict=True)) == expected
    net = balances(transfers)
    assert dict(zip(accounts.tolist(), change.tolist(), strict=True)) == net
    assert moved.tolist() == [sum(a in (t.debit, t.credit) for t in transfers) for a in accounts.tolist()]


postings = st.lists(st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(-(10**9), 10**9)), max_size=80)


@given(postings)
def test_the_ledger_always_balances_to_zero(moves: list[tuple[int, int, int]]) -> None:
    transfers = [
        t
        for to, counterpart, amount in moves
        if to != counterpart
        and (t := transfer_toward(to=to, counterpart=counterpart, amount_fen=amount, kind=TransferKind.PAYMENT))
    ]
    result = balances(transfers)
    assert sum(result.values()) == 0
    assert all(t.amount_fen > 0 for t in transfers)
    raised: dict[int, int] = {}
    for to, counterpart, amount in moves:
        if to != counterpart:
            raised[to] = raised.get(to, 0) + amount
            raised[counterpart] = raised.get(counterpart, 0) - amount
    assert {k: v for k, v in result.items() if v} == {k: v for k, v in raised.items() if v}


def test_days_left_from_the_recent_average() -> None:
    figures = account_figures(
        ledger_balance_fen=1000, unbilled_charges_fen=300, recent_daily_charges_fen=[100, 150, 200]
    )
    assert figures.available_balance_fen == 1000
    assert figures.balance_fen == 1300
    assert figures.average_daily_charge_fen == 150
    assert figures.days_left == 6
    assert account_figures(ledger_balance_fen=-5, unbilled_charges_fen=0, recent_daily_charges_fen=[10]).days_left == 0
    assert account_figures(ledger_balance_fen=50, unbilled_charges_fen=0, recent_daily_charges_fen=[]).days_left is None


@given(st.integers(min_value=0, max_value=10**12))
def test_yuan_text_reads_back_exactly(fen: int) -> None:
    assert fen_from_yuan_text(yuan_text(fen)) == fen


@pytest.mark.parametrize("text", ["12.345", "-1.00", "1.0a", ".50", "", "1e3", "１2.00", "1,000.00"])
def test_amounts_that_are_not_plain_yuan_are_refused(text: str) -> None:
    with pytest.raises(InvalidAmount) as refused:
        fen_from_yuan_text(text)
    assert refused.value.params == {"text": text} and repr(text) in refused.value.message


@pytest.mark.parametrize(
    ("fen", "words"),
    [(12_345, "壹佰贰拾叁元肆角伍分"), (10_000, "壹佰元整"), (0, "零元整"), (5, "伍分"), (105, "壹元零伍分"),
     (100_100, "壹仟零壹元整"), (10_001_000, "壹拾万零壹拾元整"), (10_000_000_100, "壹亿零壹元整"),
     (20_300_000_005, "贰亿零叁佰万元零伍分")],
)
def test_amounts_in_chinese_capitals(fen: int, words: str) -> None:
    assert yuan_in_words(fen) == words
