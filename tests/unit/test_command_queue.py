"""The outbox's queueing rules, pure: what a request does to a meter's live and held commands, how commands end, the
held one's turn, the re-check before sending; and, whatever the sequence of requests and gateway steps, one live and
one held command per meter at most, the latest request wins, and a reconnect is never skipped while the relay is or
may be open."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from gridpay.domain.command_queue import (
    End,
    Finish,
    MeterQueue,
    Pending,
    QueueDecision,
    Slot,
    before_sending,
    held_takes_its_turn,
    request_action,
)
from gridpay.domain.meter_commands import FINISHED, LIVE, CommandAction, CommandStatus, expected_relay_open

AT = datetime(2025, 3, 11, 2, 0, tzinfo=UTC)
DISCONNECT, RECONNECT = CommandAction.DISCONNECT, CommandAction.RECONNECT
QUEUED, SENDING, SENT, ACKNOWLEDGED, HELD = (
    CommandStatus.QUEUED, CommandStatus.SENDING, CommandStatus.SENT, CommandStatus.ACKNOWLEDGED, CommandStatus.HELD
)


def live(action: CommandAction, status: CommandStatus = QUEUED, *, reached: bool = False) -> Pending:
    return Pending(action, status, may_have_reached_meter=reached)


def held(action: CommandAction) -> Pending:
    return Pending(action, HELD)


def asked(queue: MeterQueue, action: CommandAction, reason: str = "交费复电") -> QueueDecision:
    return request_action(queue=queue, action=action, reason=reason)


# Each request, by example --------------------------------------------------------------------------------------------


def test_with_nothing_under_way_a_request_is_queued_and_the_relay_wanted_where_it_puts_it() -> None:
    assert asked(MeterQueue(), DISCONNECT, "欠费停电") == QueueDecision(True, new=QUEUED)
    assert asked(MeterQueue(relay_open_reported=True), RECONNECT) == QueueDecision(False, new=QUEUED)
    assert asked(MeterQueue(), RECONNECT) == QueueDecision(False, new=QUEUED)  # never read: it may be open


def test_nothing_is_sent_when_the_relay_already_is_where_the_command_would_put_it() -> None:
    assert asked(MeterQueue(relay_open_reported=True), DISCONNECT).nothing_to_send
    assert asked(MeterQueue(relay_open_reported=False), RECONNECT) == QueueDecision(False)
    # The wanted state is recorded all the same: drift is judged against it.
    assert asked(MeterQueue(relay_open_reported=True), DISCONNECT).relay_open_desired is True


def test_a_request_waits_held_behind_a_live_command_it_must_not_overtake() -> None:
    for status in (SENDING, SENT, ACKNOWLEDGED):
        assert asked(MeterQueue(live=live(DISCONNECT, status)), RECONNECT) == QueueDecision(False, new=HELD)
    assert asked(MeterQueue(live=live(RECONNECT)), DISCONNECT) == QueueDecision(True, new=HELD)


def test_a_request_for_what_is_already_under_way_is_carried_by_that_command() -> None:
    assert asked(MeterQueue(live=live(RECONNECT, SENT)), RECONNECT) == QueueDecision(False, carried_by=Slot.LIVE)
    queue = MeterQueue(live=live(DISCONNECT, SENT), held=held(RECONNECT))
    assert asked(queue, RECONNECT) == QueueDecision(False, carried_by=Slot.HELD)


def test_a_held_command_asking_for_something_else_is_superseded() -> None:
    queue = MeterQueue(live=live(DISCONNECT, SENT), held=held(RECONNECT))
    assert asked(queue, DISCONNECT, "欠费停电") == QueueDecision(
        True, finishes=((Slot.HELD, Finish(End.SUPERSEDED, "被disconnect取代")),), carried_by=Slot.LIVE
    )
    queue = MeterQueue(live=live(RECONNECT, SENT), held=held(DISCONNECT))
    assert asked(queue, RECONNECT).finishes == ((Slot.HELD, Finish(End.SUPERSEDED, "被reconnect取代")),)


def test_a_reconnect_cancels_a_disconnect_not_sent_and_is_itself_needed_only_if_the_relay_may_be_open() -> None:
    cancelled = ((Slot.LIVE, Finish(End.CANCELLED, "交费复电")),)
    assert asked(MeterQueue(live=live(DISCONNECT)), RECONNECT) == QueueDecision(False, finishes=cancelled)
    assert asked(MeterQueue(relay_open_reported=False, live=live(DISCONNECT)), RECONNECT).nothing_to_send
    # An earlier frame of it may have tripped the relay (a timed-out attempt, a PUBACK lost with the connection),
    # or the relay reads open: the reconnect goes out all the same.
    expected = QueueDecision(False, finishes=cancelled, new=QUEUED)
    assert asked(MeterQueue(live=live(DISCONNECT, reached=True)), RECONNECT) == expected
    assert asked(MeterQueue(relay_open_reported=True, live=live(DISCONNECT)), RECONNECT) == expected


def test_a_relay_left_unknown_by_a_command_is_treated_as_maybe_open_whatever_it_last_reported() -> None:
    # Issue 20: a disconnect timed out, answered late or escalated leaves the relay unknown; a reconnect then goes
    # out even where the last read said closed, and even where the disconnect it cancels never went out itself.
    unknown = MeterQueue(relay_open_reported=False, relay_unknown=True)
    assert unknown.relay_may_be_open and not MeterQueue(relay_open_reported=False).relay_may_be_open
    assert asked(unknown, RECONNECT) == QueueDecision(False, new=QUEUED)
    cancelled = ((Slot.LIVE, Finish(End.CANCELLED, "交费复电")),)
    assert asked(replace(unknown, live=live(DISCONNECT)), RECONNECT) == QueueDecision(
        False, finishes=cancelled, new=QUEUED)
    # A disconnect is asked for all the same where the relay last read open but is unknown since.
    assert asked(MeterQueue(relay_open_reported=True, relay_unknown=True), DISCONNECT) == QueueDecision(
        True, new=QUEUED)


def test_a_disconnect_never_cancels_a_reconnect_waiting_to_go_out() -> None:
    assert asked(MeterQueue(live=live(RECONNECT)), DISCONNECT) == QueueDecision(True, new=HELD)


# How commands end, and the held one's turn ---------------------------------------------------------------------------


def test_each_end_has_its_status_and_event_and_only_a_command_that_did_its_work_keeps_no_error() -> None:
    assert {e: Finish(e).status for e in End} == {
        End.CONFIRMED: CommandStatus.CONFIRMED, End.CLOSE_PERMITTED: CommandStatus.CONFIRMED,
        End.CANCELLED: CommandStatus.CANCELLED, End.SUPERSEDED: CommandStatus.CANCELLED,
        End.EXPIRED: CommandStatus.EXPIRED, End.ESCALATED: CommandStatus.ESCALATED,
    }
    assert Finish(End.CLOSE_PERMITTED, "表计已允许合闸").event == "close_permitted"
    assert Finish(End.CLOSE_PERMITTED, "表计已允许合闸").last_error == ""
    assert Finish(End.ESCALATED, "x" * 300).last_error == "x" * 200


def test_the_held_command_takes_its_turn_once_nothing_is_live() -> None:
    assert held_takes_its_turn(queue=MeterQueue(held=held(RECONNECT)))
    assert not held_takes_its_turn(queue=MeterQueue(live=live(DISCONNECT, SENT), held=held(RECONNECT)))
    assert not held_takes_its_turn(queue=MeterQueue())


def test_just_before_sending_a_stale_command_expires_and_a_disconnect_no_longer_due_is_cancelled() -> None:
    def check(action: CommandAction = DISCONNECT, *, balance_fen: int = -100, protected: bool = False,
              valid_until: datetime | None = None) -> Finish | None:
        return before_sending(action=action, at=AT, valid_until=valid_until, balance_fen=balance_fen,
                              protected=protected)

    assert check() is None
    assert check(valid_until=AT) == Finish(End.EXPIRED, "发送前已过有效期")
    assert check(RECONNECT, valid_until=AT - timedelta(seconds=1)) == Finish(End.EXPIRED, "发送前已过有效期")
    assert check(balance_fen=0) == Finish(End.CANCELLED, "发送前复核：欠费已结清", relay_open_desired=False)
    assert check(protected=True) == Finish(End.CANCELLED, "发送前复核：已设为保电户", relay_open_desired=False)
    # A reconnect goes out whatever the balance: a supervisor may order one for an account still in arrears.
    assert check(RECONNECT, balance_fen=-5_000, protected=True) is None


# Any sequence ---------------------------------------------------------------------------------------------------------


def apply(queue: MeterQueue, decision: QueueDecision, action: CommandAction) -> MeterQueue:
    """The queue after the writer carried the decision out; asserts the decision asks only for what can be done."""
    now_live, now_held = queue.live, queue.held
    for slot, finish in decision.finishes:
        assert finish.status in FINISHED
        if slot == Slot.LIVE:
            assert now_live is not None and now_live.status == QUEUED  # never one a gateway has claimed
            now_live = None
        else:
            assert now_held is not None
            now_held = None
    if decision.carried_by is not None:
        assert decision.new is None
        carrier = now_live if decision.carried_by == Slot.LIVE else now_held
        assert carrier is not None and carrier.action == action
    if decision.new == QUEUED:
        assert now_live is None, "two live commands on one meter"
        now_live = Pending(action, QUEUED)
    elif decision.new == HELD:
        assert now_held is None, "two held commands on one meter"
        assert now_live is not None, "held behind nothing"
        now_held = Pending(action, HELD)
    else:
        assert decision.new is None
    return replace(queue, live=now_live, held=now_held)


def gateway_step(queue: MeterQueue, step: str) -> MeterQueue:
    """What the gateway, the meter and the sweep may do to the live command meanwhile."""
    current = queue.live
    if current is None:
        return queue
    moved = {
        "claim": (QUEUED, SENDING, False),
        "puback": (SENDING, SENT, True),
        "no_puback": (SENDING, QUEUED, True),  # handed over: the broker may have had it
        "accepted": (SENT, ACKNOWLEDGED, True),
        "retry": (SENT, QUEUED, True),  # denied after an attempt
        "read_back_disagrees": (ACKNOWLEDGED, QUEUED, True),
    }
    if step in moved:
        before, after, reached = moved[step]
        if current.status != before:
            return queue
        return replace(queue, live=Pending(current.action, after, current.may_have_reached_meter or reached))
    if step == "timed_out":  # no answer in time: retried, and the relay unknown until a read-back (issue 20)
        if current.status not in (SENT, ACKNOWLEDGED):
            return queue
        return replace(queue, live=Pending(current.action, QUEUED, True), relay_unknown=True)
    # The live command ends (confirmed by a read-back, escalated, expired); the held one then takes its turn.
    relay = expected_relay_open(current.action) if step == "confirmed" else queue.relay_open_reported
    unknown = step == "escalated" or (queue.relay_unknown and step != "confirmed")
    ended = MeterQueue(relay, None, queue.held, relay_unknown=unknown)
    if held_takes_its_turn(queue=ended):
        assert ended.held is not None
        return replace(ended, live=Pending(ended.held.action, QUEUED), held=None)
    return ended


def open_or_may_be(queue: MeterQueue) -> bool:
    """The relay reads open, or is unknown since a command's outcome was, or a disconnect under way may have opened
    it."""
    disconnect = queue.live if queue.live is not None and queue.live.action == DISCONNECT else None
    went_out = disconnect is not None and (disconnect.status != QUEUED or disconnect.may_have_reached_meter)
    return queue.relay_open_reported is True or queue.relay_unknown or went_out


def every_meter_queue() -> list[MeterQueue]:
    """Every state the rules can be asked about: few enough to try them all."""
    lives = [None] + [live(a, status, reached=r) for a in (DISCONNECT, RECONNECT) for status in sorted(LIVE)
                      for r in (False, True)]
    return [
        MeterQueue(relay, now_live, now_held, relay_unknown=unknown)
        for relay in (None, False, True) for unknown in (False, True) for now_live in lives
        for now_held in (None, held(DISCONNECT), held(RECONNECT))
        if now_held is None or now_live is not None
    ]


def test_in_every_state_a_reconnect_is_skipped_only_when_the_relay_is_closed_and_nothing_may_have_opened_it() -> None:
    for queue in every_meter_queue():
        decision = asked(queue, RECONNECT)
        apply(queue, decision, RECONNECT)
        if open_or_may_be(queue):
            assert not decision.nothing_to_send, queue
        for action in (DISCONNECT, RECONNECT):
            apply(queue, asked(queue, action), action)  # never two live, never two held, never a claimed one ended


class AnySequence(RuleBasedStateMachine):
    """Requests for either action, in any order with what the gateway, the meter and the sweep do meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.queue = MeterQueue()

    @initialize(relay=st.sampled_from([None, True, False]))
    def start(self, relay: bool | None) -> None:
        self.queue = MeterQueue(relay_open_reported=relay)

    @rule(action=st.sampled_from([DISCONNECT, RECONNECT]))
    def request(self, action: CommandAction) -> None:
        before = self.queue
        decision = request_action(queue=before, action=action, reason="r")
        assert decision.relay_open_desired == expected_relay_open(action)
        self.queue = apply(before, decision, action)
        if decision.nothing_to_send:
            # nothing left under way says otherwise
            assert self.queue == MeterQueue(before.relay_open_reported, relay_unknown=before.relay_unknown)
        else:
            last = self.queue.held or self.queue.live  # the one that acts last on the relay
            assert last is not None and last.action == action
        if action == RECONNECT and open_or_may_be(before):
            assert not decision.nothing_to_send, f"reconnect skipped with the relay open or maybe open: {before}"

    @rule(step=st.sampled_from(
        ["claim", "puback", "no_puback", "accepted", "retry", "timed_out", "read_back_disagrees", "confirmed",
         "escalated", "ended"]
    ))
    def gateway(self, step: str) -> None:
        self.queue = gateway_step(self.queue, step)

    @rule(relay_open=st.booleans())
    def relay_read(self, relay_open: bool) -> None:
        # a read-back or drift: the meter's word, which makes the relay known again
        self.queue = replace(self.queue, relay_open_reported=relay_open, relay_unknown=False)

    @invariant()
    def one_live_one_held_and_held_only_behind_a_live_one(self) -> None:
        # One of each is the shape of MeterQueue itself; a decision asking for a second fails in apply().
        assert self.queue.held is None or self.queue.live is not None
        assert self.queue.live is None or self.queue.live.status in LIVE
        assert self.queue.held is None or self.queue.held.status == HELD


AnySequence.TestCase.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)
test_whatever_the_sequence_one_live_one_held_the_latest_wins_and_no_reconnect_is_skipped_while_open = (
    AnySequence.TestCase
)
