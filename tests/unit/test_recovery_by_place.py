"""电费回收率 split by place (village, area, collector): the places add up to the town, one village is the town."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.recovery import NOTHING, MonthRecovery, Recovery, prepaid_recovery, recovery_by_place

VILLAGES = st.sampled_from(["东村", "西村", "南村", ""])
PREPAID = st.lists(st.tuples(VILLAGES, st.integers(0, 10**6), st.integers(-(10**7), 10**7)), max_size=30)
POSTPAID = st.lists(
    st.tuples(VILLAGES, st.integers(0, 3), st.integers(0, 10**6), st.integers(0, 100)).map(
        lambda row: (row[0], row[1], row[2], row[2] * row[3] // 100)),
    max_size=30,
)


def _sum(places: dict[str, MonthRecovery]) -> MonthRecovery:
    return sum(places.values(), NOTHING)


@given(prepaid=PREPAID, postpaid=POSTPAID)
def test_the_villages_add_up_to_the_town(prepaid: list[tuple[str, int, int]],
                                         postpaid: list[tuple[str, int, int, int]]) -> None:
    villages = recovery_by_place(prepaid=prepaid, postpaid=postpaid)
    town = recovery_by_place(prepaid=[("", c, b) for _, c, b in prepaid],
                             postpaid=[("", n, fen, paid) for _, n, fen, paid in postpaid]).get("", NOTHING)
    assert _sum(villages) == town
    assert town.prepaid == prepaid_recovery(accounts=[(c, b) for _, c, b in prepaid])  # the monthly report's count
    assert town.accounts == len(prepaid) + len(postpaid)


@given(prepaid=PREPAID, postpaid=POSTPAID)
def test_every_rate_is_between_nothing_and_all(prepaid: list[tuple[str, int, int]],
                                               postpaid: list[tuple[str, int, int, int]]) -> None:
    for figures in recovery_by_place(prepaid=prepaid, postpaid=postpaid).values():
        rate = figures.total.rate
        assert rate is None or Decimal(0) <= rate <= Decimal(1)
        assert figures.settled == (figures.total.outstanding_fen == 0 and figures.unsettled == 0)


@given(prepaid=PREPAID, postpaid=POSTPAID)
def test_one_village_has_the_towns_rate(prepaid: list[tuple[str, int, int]],
                                        postpaid: list[tuple[str, int, int, int]]) -> None:
    one = recovery_by_place(prepaid=[("东村", c, b) for _, c, b in prepaid],
                            postpaid=[("东村", n, fen, paid) for _, n, fen, paid in postpaid])
    town = recovery_by_place(prepaid=[("", c, b) for _, c, b in prepaid],
                             postpaid=[("", n, fen, paid) for _, n, fen, paid in postpaid])
    assert one.get("东村", NOTHING).total.rate == town.get("", NOTHING).total.rate


def test_a_village_is_settled_for_the_month_when_no_account_owes_any_of_it() -> None:
    places = recovery_by_place(
        prepaid=[("东村", 15_064, 200), ("东村", 15_064, -4_064), ("西村", 15_064, 0), ("西村", 0, -900)],
        postpaid=[("东村", 1, 16_678, 16_678), ("西村", 1, 16_678, 16_678), ("南村", 1, 16_678, 10_000)],
    )
    assert (places["东村"].settled, places["东村"].unsettled, places["东村"].accounts) == (False, 1, 3)
    assert places["西村"].settled  # old arrears (nothing charged in the month) are their own months'
    assert places["南村"].total == Recovery(due_fen=16_678, received_fen=10_000)
    assert places["南村"].postpaid_bills == 1 and not places["南村"].settled
