"""The green channel's rules: the hardship flag's reason, a home collection's identity and photo, what a hand-in
settles, and when a collection is late by the business calendar."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.calendar import Calendar, DayKind
from gridpay.domain.green_channel import (
    Collection,
    GreenChannelRefused,
    HardshipKind,
    check_photo,
    collection_txn_id,
    hand_in,
    hardship_reason,
    overdue,
    settle_by,
)

FRIDAY = date(2026, 3, 6)
MONDAY = date(2026, 3, 9)
TUESDAY = date(2026, 3, 10)
PLAIN = Calendar()  # no year known: Monday to Friday working
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def test_the_kinds_need_no_words_but_other_does() -> None:
    assert hardship_reason(kind="elderly_alone", reason="").kind is HardshipKind.ELDERLY_ALONE
    assert hardship_reason(kind=" low_income ", reason="  低保  证号 123 ").reason == "低保 证号 123"
    with pytest.raises(GreenChannelRefused, match="必须写明原因") as refused:
        hardship_reason(kind="other", reason=" ")
    assert refused.value.field == "reason"
    with pytest.raises(GreenChannelRefused, match="未知的困难类别") as unknown:
        hardship_reason(kind="poor", reason="x")
    assert unknown.value.field == "kind"
    with pytest.raises(GreenChannelRefused, match="原因最长"):
        hardship_reason(kind="disabled", reason="字" * 201)


def test_a_collection_is_identified_by_its_collector_and_receipt_number() -> None:
    assert collection_txn_id(collector="chen", receipt_no=" 0001 ") == "chen/0001"
    assert collection_txn_id(collector="chen", receipt_no="0001") != collection_txn_id(collector="li",
                                                                                     receipt_no="0001")
    for bad in ("", "  ", "a/b", "x" * 31, "a\tb"):
        with pytest.raises(GreenChannelRefused) as refused:
            collection_txn_id(collector="chen", receipt_no=bad)
        assert refused.value.field == "receipt_no"
    with pytest.raises(GreenChannelRefused) as long_login:
        collection_txn_id(collector="c" * 60, receipt_no="0001")
    assert long_login.value.field == "collector"


def test_a_photo_is_a_jpeg_or_png_by_its_bytes_and_within_the_limit() -> None:
    assert check_photo(content_type="image/jpeg", size_bytes=len(JPEG), max_bytes=1024, head=JPEG[:8]) == ".jpg"
    assert check_photo(content_type="image/png", size_bytes=len(PNG), max_bytes=1024, head=PNG[:8]) == ".png"
    refusals = [
        ("image/jpeg", len(PNG), 1024, PNG[:8]),  # named a JPEG, is a PNG
        ("text/html", 10, 1024, b"<html>  "),
        ("image/gif", 10, 1024, b"GIF89a  "),
        ("image/jpeg", 2048, 1024, JPEG[:8]),  # too large
        ("image/jpeg", 0, 1024, JPEG[:8]),
    ]
    for content_type, size, most, head in refusals:
        with pytest.raises(GreenChannelRefused) as refused:
            check_photo(content_type=content_type, size_bytes=size, max_bytes=most, head=head)
        assert refused.value.field == "photo"


def test_cash_is_due_at_the_counter_by_the_next_working_day() -> None:
    assert settle_by(calendar=PLAIN, collected_on=TUESDAY) == TUESDAY + timedelta(days=1)
    assert settle_by(calendar=PLAIN, collected_on=FRIDAY) == MONDAY  # the weekend is not a working day
    assert settle_by(calendar=PLAIN, collected_on=FRIDAY + timedelta(days=1)) == MONDAY  # taken on a Saturday
    # Qingming 2026: Saturday 4 April to Monday 6 April rest; a holiday Monday moves the deadline to Tuesday.
    qingming = Calendar(exceptions={date(2026, 4, 4): DayKind.HOLIDAY, date(2026, 4, 6): DayKind.HOLIDAY},
                        known_years=frozenset({2026}))
    assert settle_by(calendar=qingming, collected_on=date(2026, 4, 3)) == date(2026, 4, 7)
    # A weekend made a working day (调休上班) counts as one.
    swap = Calendar(exceptions={date(2026, 3, 7): DayKind.WORKING}, known_years=frozenset({2026}))
    assert settle_by(calendar=swap, collected_on=FRIDAY) == date(2026, 3, 7)


def test_a_collection_is_late_after_the_end_of_its_next_working_day() -> None:
    assert not overdue(calendar=PLAIN, collected_on=FRIDAY, settled_on=None, today=MONDAY)
    assert overdue(calendar=PLAIN, collected_on=FRIDAY, settled_on=None, today=TUESDAY)
    assert not overdue(calendar=PLAIN, collected_on=FRIDAY, settled_on=MONDAY, today=TUESDAY)
    assert overdue(calendar=PLAIN, collected_on=FRIDAY, settled_on=TUESDAY, today=TUESDAY)  # counted in late
    assert not overdue(calendar=PLAIN, collected_on=FRIDAY, settled_on=FRIDAY, today=date(2026, 4, 1))


def test_a_hand_in_settles_everything_taken_up_to_its_day_and_states_the_difference() -> None:
    unsettled = [Collection(id=3, amount_fen=5_000, collected_on=FRIDAY),
                 Collection(id=1, amount_fen=12_345, collected_on=MONDAY),
                 Collection(id=7, amount_fen=999, collected_on=TUESDAY)]
    counted = hand_in(unsettled=unsettled, handed_in_fen=17_000, business_day=MONDAY)
    assert counted.covered_ids == (1, 3)
    assert (counted.expected_fen, counted.difference_fen) == (17_345, -345)  # 3.45 yuan short
    with pytest.raises(GreenChannelRefused, match="没有待缴存"):
        hand_in(unsettled=unsettled, handed_in_fen=100, business_day=FRIDAY - timedelta(days=1))
    for bad in (-1, True, 1.5):
        with pytest.raises(GreenChannelRefused) as refused:
            hand_in(unsettled=unsettled, handed_in_fen=bad, business_day=MONDAY)  # type: ignore[arg-type]
        assert refused.value.field == "amount_fen"


collections = st.lists(
    st.tuples(st.integers(min_value=1, max_value=10_000_000), st.integers(min_value=0, max_value=20)),
    min_size=1, max_size=30,
)


@given(taken=collections, hand_in_days=st.lists(st.integers(min_value=0, max_value=25), max_size=6),
       short_fen=st.integers(min_value=-5_000, max_value=5_000))
def test_settled_and_outstanding_always_add_up_to_what_was_collected(
    taken: list[tuple[int, int]], hand_in_days: list[int], short_fen: int
) -> None:
    start = date(2026, 1, 1)
    unsettled = [Collection(id=i, amount_fen=fen, collected_on=start + timedelta(days=d))
                 for i, (fen, d) in enumerate(taken)]
    collected = sum(c.amount_fen for c in unsettled)
    settled = handed = expected = 0
    for day in sorted(hand_in_days):
        try:
            counted = hand_in(unsettled=unsettled, handed_in_fen=0, business_day=start + timedelta(days=day))
        except GreenChannelRefused:
            continue  # nothing taken yet by that day: nothing to count in
        cash = max(0, counted.expected_fen + short_fen)
        counted = hand_in(unsettled=unsettled, handed_in_fen=cash, business_day=start + timedelta(days=day))
        assert counted.difference_fen == cash - counted.expected_fen
        covered = set(counted.covered_ids)
        assert all(c.collected_on <= start + timedelta(days=day) for c in unsettled if c.id in covered)
        settled += counted.expected_fen
        handed += counted.handed_in_fen
        expected += counted.expected_fen
        unsettled = [c for c in unsettled if c.id not in covered]
    outstanding = sum(c.amount_fen for c in unsettled)
    assert settled + outstanding == collected
    assert expected == settled
