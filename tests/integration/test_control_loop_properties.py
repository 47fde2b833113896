"""Properties of the loop under any order of events (hypothesis drives runs, payments, answers and time):
no disconnect is ever sent to a protected account, outside the window, or after the arrears were paid;
a meter never has two live commands; a disconnect never goes out while a later reconnect waits."""

from datetime import datetime, timedelta
from itertools import count

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.supply.enforce_supply import enforce_supply
from gridpay.application.supply.head_end import HeadEnd
from gridpay.data.calendar_store import load_calendar
from gridpay.data.models import Account, LedgerAccount, MeterCommand
from gridpay.data.models.meter_commands import LIVE
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.meter_commands import CommandPolicy
from gridpay.domain.supply_policy import window_closed_because
from tests.support import dlt645_peer as peer
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI

pytestmark = pytest.mark.django_db
START = datetime(2025, 3, 10, 9, 30, tzinfo=SHANGHAI)  # Monday, inside the window
numbers = count(100)

# Runs and sends are listed twice: a disconnect needs a run, then a send, before anything else happens.
events = st.lists(
    st.one_of(
        st.tuples(st.just("wait"), st.integers(min_value=1, max_value=600)),  # minutes
        st.tuples(st.just("enforce"), st.just(0)),
        st.tuples(st.just("enforce"), st.just(0)),
        st.tuples(st.just("pay"), st.integers(min_value=1, max_value=3_000)),
        st.tuples(st.just("send"), st.just(0)),
        st.tuples(st.just("send"), st.just(0)),
        st.tuples(st.just("answer"), st.sampled_from(["accept", "deny", "open", "closed", "silence"])),
        st.tuples(st.just("sweep"), st.just(0)),
    ),
    min_size=3,
    max_size=30,
)


STATUS_WORD_3 = peer.identifier(0x04, 0x00, 0x05, 0x03)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=events, protected=st.booleans(), opening_fen=st.integers(min_value=-3_000, max_value=500))
def test_disconnects_only_as_the_rules_allow_whatever_happens(
    zj_tariff: str, events: list[tuple[str, int]], protected: bool, opening_fen: int
) -> None:
    number = next(numbers)
    account = enrol(number, opening_balance_fen=0, protected_reason="医疗设备" if protected else "")
    LedgerAccount.objects.filter(id=account.ledger_account_id).update(balance_fen=opening_fen)
    if opening_fen < 0:
        Account.objects.filter(id=account.id).update(arrears_since=START - timedelta(days=1))
    address = account.meters.get().dlt645_address
    head_end = HeadEnd(policy=CommandPolicy(answer_timeout_s=30, max_attempts=2, backoff_s=(60,)))
    policy, calendar = load_policy(), load_calendar(years=[2025])
    at, txn = START, 0
    for kind, value in events:
        if kind == "wait":
            at += timedelta(minutes=value)
        elif kind == "enforce":
            enforce_supply(at=at)
        elif kind == "pay":
            txn += 1
            record_payment(account_no=account.account_no, amount_fen=value, channel="counter",
                           channel_txn_id=f"{number}-{txn}", received_at=at, business_day=at.date())
        elif kind == "send":
            # Earlier examples' accounts share the database: only this account's frames are judged here.
            for _, frame in (sent for sent in head_end.outbound(at=at) if sent[0] == address):
                command = peer.remote_control(peer.decode(frame).data)
                balance = LedgerAccount.objects.get(id=account.ledger_account_id).balance_fen
                event(f"sent {command.action:02X}")
                if command.action == 0x1A:  # trip
                    assert not protected
                    assert balance < 0, "a disconnect went out after the arrears were paid"
                    assert window_closed_because(policy=policy, calendar=calendar, at=at) is None
                    assert not MeterCommand.objects.filter(account=account, action="reconnect", status="held").exists()
        elif kind == "answer":
            reply = {
                "accept": peer.control_accepted(address),
                "deny": peer.control_refused(address, 0x04),
                "open": peer.read_answer(address, STATUS_WORD_3,
                                         peer.status_word_3(relay_open=True, command_open=True)),
                "closed": peer.read_answer(address, STATUS_WORD_3,
                                           peer.status_word_3(relay_open=False, command_open=False)),
            }.get(value)
            if reply is not None:
                head_end.inbound(frames=[reply], at=at)
        else:
            head_end.sweep(at=at)
        assert MeterCommand.objects.filter(account=account, status__in=LIVE).count() <= 1
        assert MeterCommand.objects.filter(account=account, status="held").count() <= 1
