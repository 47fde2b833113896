"""Commands handed to the gateway under a lease: *sending* until the broker's PUBACK, sent (and counted) only then,
back in the queue at once when no PUBACK came or by themselves when the lease runs out; the re-check before sending
and one live command per meter hold throughout, and a paid account gets its reconnect whatever became of the frame."""

import time
from datetime import datetime, timedelta

import pytest

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.supply.enforce_supply import enforce_supply
from gridpay.application.supply.head_end import HeadEnd
from gridpay.data.models import Account, LedgerAccount, MeterCommand, MeterCommandEvent
from gridpay.domain.meter_commands import CommandPolicy
from tests.integration.test_control_loop import run_together
from tests.support import dlt645_peer as peer
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI

pytestmark = pytest.mark.django_db

MONDAY_EVENING = datetime(2025, 3, 10, 20, 0, tzinfo=SHANGHAI)
TUESDAY_10 = datetime(2025, 3, 11, 10, 0, tzinfo=SHANGHAI)
POLICY = CommandPolicy(answer_timeout_s=30, max_attempts=3, backoff_s=(60, 300), send_lease_s=120)


@pytest.fixture(autouse=True)
def _tariff(zj_tariff: str) -> None:
    pass


def in_arrears(number: int) -> Account:
    account = enrol(number, opening_balance_fen=0, phone=f"1390000{number:04d}")
    LedgerAccount.objects.filter(id=account.ledger_account_id).update(balance_fen=-1_250)
    Account.objects.filter(id=account.id).update(arrears_since=MONDAY_EVENING)
    return account


def pay(account: Account, at: datetime, txn: str = "t1") -> None:
    record_payment(account_no=account.account_no, amount_fen=5_000, channel="counter", channel_txn_id=txn,
                   received_at=at, business_day=at.astimezone(SHANGHAI).date())


def commands(account: Account) -> list[tuple[str, str]]:
    return list(MeterCommand.objects.filter(account=account).order_by("id").values_list("action", "status"))


def events(command: MeterCommand) -> list[str]:
    return list(MeterCommandEvent.objects.filter(command=command).order_by("id").values_list("event", flat=True))


def test_a_claimed_command_is_sending_and_counts_as_sent_only_with_the_brokers_puback() -> None:
    account = in_arrears(1)
    head_end = HeadEnd(policy=POLICY)
    enforce_supply(at=TUESDAY_10)
    claim = head_end.claim(at=TUESDAY_10)
    assert [f.address for f in claim.frames] == [account.meters.get().dlt645_address]
    assert claim.lease_until == TUESDAY_10 + timedelta(seconds=120)
    command = MeterCommand.objects.get(account=account)
    assert (command.status, command.attempts, command.sent_at) == ("sending", 0, None)
    assert "sent" not in events(command)
    assert head_end.claim(at=TUESDAY_10 + timedelta(seconds=1)).frames == []  # one claim at a time

    puback = TUESDAY_10 + timedelta(seconds=2)
    assert head_end.sent(command_ids=[command.id], lease_until=claim.lease_until, at=puback) == 1
    command.refresh_from_db()
    assert (command.status, command.attempts, command.sent_at) == ("sent", 1, puback)
    assert command.answer_due_at == puback + timedelta(seconds=30)
    assert events(command)[-1] == "sent"


def test_a_frame_without_a_puback_goes_back_to_the_queue_at_once_uncounted() -> None:
    account = in_arrears(1)
    head_end = HeadEnd(policy=POLICY)
    enforce_supply(at=TUESDAY_10)
    claim = head_end.claim(at=TUESDAY_10)
    lost = TUESDAY_10 + timedelta(seconds=3)
    ids = [f.command_id for f in claim.frames]
    assert head_end.unsent(command_ids=ids, lease_until=claim.lease_until, at=lost, handed_over=True,
                           detail="连接断开") == 1
    command = MeterCommand.objects.get(account=account)
    assert (command.status, command.attempts, command.next_attempt_at) == ("queued", 0, lost)
    assert command.may_have_reached_meter and "sent" not in events(command)
    # A late PUBACK of that claim changes nothing: the command is no longer in it.
    assert head_end.sent(command_ids=ids, lease_until=claim.lease_until, at=lost) == 0
    again = head_end.claim(at=lost)
    assert [f.command_id for f in again.frames] == ids
    head_end.sent(command_ids=ids, lease_until=again.lease_until, at=lost)
    assert MeterCommand.objects.get(account=account).attempts == 1


def test_the_lease_of_a_gateway_that_died_runs_out_and_the_command_is_due_again_by_itself() -> None:
    account = in_arrears(1)
    head_end = HeadEnd(policy=POLICY)
    enforce_supply(at=TUESDAY_10)
    head_end.claim(at=TUESDAY_10)  # ... and the gateway is killed before any PUBACK
    assert head_end.sweep(at=TUESDAY_10 + timedelta(seconds=119)).released == 0
    report = head_end.sweep(at=TUESDAY_10 + timedelta(seconds=120))
    assert (report.released, report.timed_out) == (1, 0)  # not a failed attempt: nothing reached the meter
    command = MeterCommand.objects.get(account=account)
    assert (command.status, command.attempts) == ("queued", 0)
    assert len(head_end.claim(at=TUESDAY_10 + timedelta(seconds=121)).frames) == 1


def test_the_meters_answer_before_the_puback_is_recorded_counts_the_attempt() -> None:
    account = in_arrears(1)
    address = account.meters.get().dlt645_address
    head_end = HeadEnd(policy=POLICY)
    enforce_supply(at=TUESDAY_10)
    claim = head_end.claim(at=TUESDAY_10)
    report = head_end.inbound(frames=[peer.control_accepted(address)],
                              at=TUESDAY_10 + timedelta(seconds=1))
    assert [a for a, _ in report.to_send] == [address]  # the read-back follows
    command = MeterCommand.objects.get(account=account)
    assert (command.status, command.attempts) == ("acknowledged", 1)
    assert head_end.sent(command_ids=[command.id], lease_until=claim.lease_until,
                         at=TUESDAY_10 + timedelta(seconds=2)) == 0  # the PUBACK, processed after: no second count
    assert MeterCommand.objects.get(account=account).status == "acknowledged"


def test_a_payment_while_the_disconnect_is_sending_holds_its_reconnect_behind_it() -> None:
    account = in_arrears(1)
    head_end = HeadEnd(policy=POLICY)
    enforce_supply(at=TUESDAY_10)
    claim = head_end.claim(at=TUESDAY_10)
    pay(account, TUESDAY_10 + timedelta(seconds=1))
    assert commands(account) == [("disconnect", "sending"), ("reconnect", "held")]  # one live command per meter
    # No PUBACK: the disconnect is back in the queue, and the re-check cancels it before anything goes out again.
    ids = [f.command_id for f in claim.frames]
    head_end.unsent(command_ids=ids, lease_until=claim.lease_until, at=TUESDAY_10 + timedelta(seconds=2),
                    handed_over=True, detail="连接断开")
    assert head_end.claim(at=TUESDAY_10 + timedelta(seconds=3)).frames == []  # the re-check cancels it
    assert commands(account) == [("disconnect", "cancelled"), ("reconnect", "queued")]
    sent = head_end.claim(at=TUESDAY_10 + timedelta(seconds=3))
    assert [peer.remote_control(peer.decode(f.frame).data).action for f in sent.frames] == [0x1C]  # 直接合闸


@pytest.mark.parametrize("handed_over", [True, False])
def test_a_payment_after_a_frame_went_unconfirmed_still_reconnects_the_meter_it_may_have_reached(
    handed_over: bool,
) -> None:
    account = in_arrears(1)
    head_end = HeadEnd(policy=POLICY)
    enforce_supply(at=TUESDAY_10)
    claim = head_end.claim(at=TUESDAY_10)
    head_end.unsent(command_ids=[f.command_id for f in claim.frames], lease_until=claim.lease_until,
                    at=TUESDAY_10 + timedelta(seconds=1), handed_over=handed_over, detail="连接断开")
    pay(account, TUESDAY_10 + timedelta(seconds=2))
    if handed_over:
        # The broker may have had the frame (only its PUBACK was lost): the meter may have tripped.
        assert commands(account) == [("disconnect", "cancelled"), ("reconnect", "queued")]
    else:
        assert commands(account) == [("disconnect", "cancelled")]  # it never left the gateway: nothing to undo


def test_a_payment_after_a_timed_out_disconnect_reconnects_the_meter_it_may_have_reached() -> None:
    account = in_arrears(1)
    head_end = HeadEnd(policy=POLICY)
    enforce_supply(at=TUESDAY_10)
    head_end.outbound(at=TUESDAY_10)
    head_end.sweep(at=TUESDAY_10 + timedelta(seconds=31))  # no answer: the meter may have tripped all the same
    assert commands(account) == [("disconnect", "queued")]
    pay(account, TUESDAY_10 + timedelta(seconds=40))
    assert commands(account) == [("disconnect", "cancelled"), ("reconnect", "queued")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_payment_racing_the_meters_read_back_neither_deadlocks_nor_is_lost() -> None:
    """The answer locks the account, the meter and its command in the order a payment does: whichever comes
    first, the other waits, and the paid account ends with its reconnect queued behind the confirmed disconnect."""
    rounds = 12
    head_end = HeadEnd(policy=POLICY)
    for n in range(rounds):
        account = in_arrears(n + 1)
        address = account.meters.get().dlt645_address
        enforce_supply(at=TUESDAY_10)
        head_end.outbound(at=TUESDAY_10)
        head_end.inbound(frames=[peer.control_accepted(address)], at=TUESDAY_10)
        read_back = peer.read_answer(address, peer.identifier(0x04, 0x00, 0x05, 0x03),
                                     peer.status_word_3(relay_open=True, command_open=True))
        delay_s = 0.002 * n  # from the answer first to the payment first, across the rounds
        run_together(
            lambda frame=read_back, d=delay_s: (time.sleep(d), head_end.inbound(frames=[frame], at=TUESDAY_10)),
            lambda a=account, k=n: pay(a, TUESDAY_10 + timedelta(seconds=1), txn=f"race-{k}"),
        )
        assert commands(account) == [("disconnect", "confirmed"), ("reconnect", "queued")]
