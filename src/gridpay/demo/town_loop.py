"""The demo town's control loop: its meters are simulated DL/T 645 meters, reached through the head-end's own code.

Each day: SMS go out at 08:00, the disconnection run at 09:30, a payment's reconnect is carried at
once, and a meter whose relay is open uses nothing. The gateway process would carry the same frames
over MQTT; here they are handed to the simulated meters directly, so the demo needs no broker.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings

from gridpay.application.supply.enforce_supply import enforce_supply
from gridpay.application.supply.evaluate_alerts import evaluate_alerts
from gridpay.application.supply.head_end import Frame, HeadEnd
from gridpay.application.supply.send_notifications import send_notifications
from gridpay.application.supply.sweep_meter_commands import Due
from gridpay.data import meter_command_store
from gridpay.data.models import Meter
from gridpay.demo.build_demo_town import local_instant
from gridpay.demo.households import Household
from gridpay.integrations.headend.meter_simulator import SimulatedMeter
from gridpay.integrations.sms.factory import build_provider

SMS_MINUTE = 8 * 60
ENFORCE_MINUTE = 9 * 60 + 30


@dataclass
class TownLoop:
    meters: dict[str, SimulatedMeter]  # by DL/T 645 address
    address_of: dict[str, str]  # account number → address
    head_end: HeadEnd
    # When the head-end's work next falls due, as read when meter_command_store.changes() stood at the number given.
    read_due: tuple[int, Due] | None = None

    @classmethod
    def for_households(cls, households: list[Household]) -> "TownLoop":
        in_service = Meter.objects.filter(removed_on__isnull=True)
        known = {
            address: (bool(relay_open), bool(direct_close))
            for address, relay_open, direct_close in in_service.values_list(
                "dlt645_address", "relay_open_reported", "model__direct_close"
            )
        }
        meters = {}
        for address in (h.dlt645_address for h in households):
            relay_open, direct_close = known.get(address, (False, False))
            meters[address] = SimulatedMeter(
                address=address, relay_open=relay_open, command_open=relay_open, direct_close=direct_close,
                press_after=_customer_presses_after(address),
            )
        return cls(meters=meters, address_of={h.account_no: h.dlt645_address for h in households}, head_end=HeadEnd())

    def supplied(self, account_no: str) -> bool:
        return not self.meters[self.address_of[account_no]].relay_open

    def carry(self, *, at: datetime) -> None:
        """Send what is due (and ask the meters whose close waits for their customer whether they closed it),
        hand the meters' answers back, until nothing more is due.

        Most payments set nothing going, and most of the head-end's work is a relay poll or two: when its work next
        falls due is read after each carry (one statement) and holds until a command is queued or a reconnection
        tracked (meter_command_store.changes), so a carry before then reads nothing at all. Within a carry the sweep
        and the claims run only when due: a claim at ``at`` finds nothing new unless the sweep or an answer queued a
        command (their reports say so)."""
        due = self._due()
        if not due.by(at):
            return
        claims = due.claim_by(at)  # whether a claim at ``at`` may find anything
        frames: list[Frame] = []
        if due.sweep_by(at):
            swept = self.head_end.sweep(at=at, due=due)
            frames += swept.to_send
            claims = claims or bool(swept.queued or swept.released)
        if claims:
            frames += self.head_end.outbound(at=at)
        while frames:
            answers = [
                reply
                for address, frame in frames
                if (reply := self.meters[address].handle(frame, now_local=at)) is not None
            ]
            report = self.head_end.inbound(frames=answers, at=at)
            claims = claims or bool(report.queued)
            frames = report.to_send + (self.head_end.outbound(at=at) if claims else [])
        self.read_due = None  # the carry's own work set new instants (answers awaited, polls, retries): read again

    def _due(self) -> Due:
        if self.read_due is None or self.read_due[0] != meter_command_store.changes():
            changes = meter_command_store.changes()
            self.read_due = (changes, self.head_end.next_due())
        return self.read_due[1]

    def morning(self, *, day: date, now: datetime) -> None:
        """08:00 SMS, 09:30 the disconnection run, carried to the meters."""
        sms_at = min(local_instant(day, minute=SMS_MINUTE), now)
        send_notifications(provider=build_provider(settings.SMS_CONFIG), at=sms_at, limit=100_000)
        enforce_at = min(local_instant(day, minute=ENFORCE_MINUTE), now)
        enforce_supply(at=enforce_at)
        self.carry(at=enforce_at)

    def after_settlement(self, *, day: date, at: datetime) -> None:
        self.carry(at=at)
        evaluate_alerts(day=day, at=at)


def _customer_presses_after(address: str) -> timedelta | None:
    """A customer told to press the meter's button does so within minutes to hours; one in twenty never does."""
    rng = random.Random(address)
    return None if rng.random() < 0.05 else timedelta(minutes=rng.randint(3, 240))
