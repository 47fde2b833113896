"""Gateways dividing the meters: each meter served by exactly one member, a departure moves only the departed's
meters, the load is even, and membership is read from heartbeats."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.gateway_shares import (
    ALL_KEYS,
    Beat,
    live_members,
    owner,
    share_key,
    shares_of,
)

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)
member_sets = st.lists(names, min_size=1, max_size=6, unique=True)
addresses = st.integers(min_value=0, max_value=10**12 - 1).map(lambda n: f"{n:012d}")


@given(members=member_sets, address=addresses)
def test_every_meter_is_served_by_exactly_one_member(members: list[str], address: str) -> None:
    serving = [m for m in members if shares_of(instance=m, members=members).serves(address)]
    assert serving == [owner(key=share_key(address), members=members)]


@given(members=member_sets.filter(lambda m: len(m) >= 2), data=st.data())
def test_a_member_leaving_moves_only_its_own_meters(members: list[str], data: st.DataObject) -> None:
    gone = data.draw(st.sampled_from(members))
    rest = [m for m in members if m != gone]
    for key in ALL_KEYS[::7]:
        before, after = owner(key=key, members=members), owner(key=key, members=rest)
        assert before in (after, gone)
    # Nor does the order in which the members are listed change anything.
    assert shares_of(instance=rest[0], members=reversed(rest)) == shares_of(instance=rest[0], members=rest)


def test_three_gateways_get_about_a_third_each_and_two_take_over_the_third() -> None:
    members = ["gw-a", "gw-b", "gw-c"]
    sizes = [len(shares_of(instance=m, members=members).keys) for m in members]
    assert sum(sizes) == len(ALL_KEYS) and all(280 <= s <= 390 for s in sizes), sizes
    a_before = shares_of(instance="gw-a", members=members).keys
    a_after = shares_of(instance="gw-a", members=["gw-a", "gw-b"]).keys
    assert a_before < a_after
    assert shares_of(instance="gw-a", members=["gw-a"]).alone
    assert shares_of(instance="gw-a", members=["gw-b"]).keys == frozenset()


def test_the_members_are_the_connected_gateways_that_beat_lately_and_itself_while_connected() -> None:
    now = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)

    def beat(instance: str, age_s: float, *, connected: bool = True, stopped: bool = False) -> Beat:
        return Beat(
            instance=instance,
            beat_at=now - timedelta(seconds=age_s),
            beat_every_s=5,
            connected=connected,
            stopped=stopped,
        )

    beats = [
        beat("me", 60),
        beat("fresh", 14),
        beat("late", 16),
        beat("away", 1, connected=False),
        beat("stopped", 1, stopped=True),
    ]
    assert live_members(beats=beats, now=now, instance="me", connected=True) == ("fresh", "me")
    assert live_members(beats=beats, now=now, instance="me", connected=False) == ("fresh",)
