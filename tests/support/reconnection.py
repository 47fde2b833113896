"""A disconnected account with its simulated meter, and the head-end's work carried to that meter one step at a time,
so a test can watch a reconnection go queued → sent → confirmed, or close permitted and then the customer's press."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import connection

from gridpay.application.supply.head_end import HeadEnd
from gridpay.data.models import Account, Meter
from gridpay.domain.meter_commands import CommandPolicy
from gridpay.integrations.headend.meter_simulator import SimulatedMeter
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI

T = TypeVar("T")
# The sweep asks a meter whose close is permitted about its relay this often: a test moves its clock past it.
PERMIT_POLL = timedelta(minutes=1)


def disconnected(number: int, *, owed_fen: int, model: str = "DDZY-2013", phone: str = "") -> "MeterAtHand":
    """An account disconnected for arrears of ``owed_fen`` (its relay open, as the meter last reported)."""
    account = enrol(number, opening_balance_fen=-owed_fen, phone=phone, meter_model=model)
    Account.objects.filter(id=account.id).update(supply_state="disconnected")
    Meter.objects.filter(account=account).update(relay_open_desired=True, relay_open_reported=True)
    meter = SimulatedMeter(address=account.meters.get().dlt645_address, relay_open=True, command_open=True,
                           direct_close=model == "DDZY-2013", press_after=None)
    return MeterAtHand(meter)


@dataclass
class MeterAtHand:
    """The gateway's part done by hand for one meter: send what is due, carry the meter's answers back."""

    meter: SimulatedMeter
    head_end: HeadEnd = field(default_factory=lambda: HeadEnd(policy=CommandPolicy(
        permit_poll_s=int(PERMIT_POLL.total_seconds()))))
    _out: list[tuple[str, bytes]] = field(default_factory=list)

    def send(self, *, at: datetime) -> int:
        """The gateway claims the commands due and the broker acknowledges their frames: they are *sent*."""
        claim = self.head_end.claim(at=at)
        self.head_end.sent(command_ids=[f.command_id for f in claim.frames], lease_until=claim.lease_until, at=at)
        self._out = [(f.address, f.frame) for f in claim.frames]
        return len(claim.frames)

    def answer(self, *, at: datetime) -> None:
        """The meter answers what was sent, then the read-back of its relay: confirmed, or close permitted."""
        self._carry(self._out, at=at)
        self._out = []

    def press(self, *, at: datetime) -> None:
        """The customer presses the meter's button (closes the breaker); the sweep's next relay read finds it."""
        self.meter.press_button()
        self._carry(self.head_end.sweep(at=at).to_send, at=at)

    def _carry(self, frames: list[tuple[str, bytes]], *, at: datetime) -> None:
        local = at.astimezone(SHANGHAI)
        while frames:
            answers = [reply for _, frame in frames if (reply := self.meter.handle(frame, now_local=local))]
            frames = self.head_end.inbound(frames=answers, at=at).to_send


def off_the_loop(work: Callable[[], T]) -> T:
    """Database work from a browser test: Playwright runs an event loop in the test's thread, where Django's ORM
    won't, so it runs on a thread of its own (its connection closed after)."""

    def run() -> T:
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
