"""Simulated DL/T 645-2007 meters written from the standard alone, on the independent codec of dlt645_peer (nothing of
gridpay's head-end): a meter only answers requests; 1A trips the relay; 1B only permits the close, which the customer
makes by pressing the button; 1C closes at once where the meter knows it; status word 3 (04 00 05 03) tells the relay
(bit 4, open) and the last relay command (bit 6, trip). And a link between them and a head-end that is slower than it
should be: a meter acts on a frame the moment it gets it, and its answer arrives ``answer_delay_s`` later.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support import dlt645_peer as peer

STATUS_WORD_3 = peer.identifier(0x04, 0x00, 0x05, 0x03)
TRIP, CLOSE_PERMITTED, CLOSE_DIRECTLY, PROTECT, RELEASE = 0x1A, 0x1B, 0x1C, 0x3A, 0x3B
REMOTE_CONTROL, READ_DATA = 0x1C, 0x11
ERROR_OTHER, ERROR_NO_DATA, ERROR_UNAUTHORISED = 0x01, 0x02, 0x04
METER_ZONE = ZoneInfo("Asia/Shanghai")


@dataclass
class SpecMeter:
    address: str
    password: str = "000000"
    direct_close: bool = True  # knows 1C (the 2013 amendment); without it 1C is refused
    relay_open: bool = False
    command_open: bool = False  # status word 3 bit 6: the last relay command was a trip
    protected: bool = False  # 保电 (3A): a trip is refused while on
    answer_delay_s: float = 0.0  # acts at once, answers this late
    press_after: timedelta | None = timedelta(minutes=5)  # the customer presses this long after a close is permitted
    dark_after_trip: bool = False  # its link dies once it has tripped: it hears nothing more and says nothing
    dark_until: datetime | None = None  # hears nothing and says nothing until then
    link_dead: bool = False
    permitted_at: datetime | None = None
    obeyed: list[int] = field(default_factory=list)  # the N1 of every command it carried out

    def receive(self, frame: bytes, *, now: datetime) -> bytes | None:
        """The meter's answer to ``frame`` (None: it heard nothing, or says nothing)."""
        if self.link_dead or (self.dark_until is not None and now < self.dark_until):
            return None
        self._customer_acts(now)
        try:
            request = peer.decode(frame)
        except ValueError:
            return None
        if request.address != self.address or request.control & 0x80:
            return None
        if request.control == REMOTE_CONTROL:
            answer = self._control(request.data, now)
            if self.dark_after_trip and self.relay_open:
                self.link_dead = True
                return None
            return answer
        if request.control == READ_DATA and request.data[:4] == STATUS_WORD_3:
            return self.status()
        if request.control == READ_DATA:
            return peer.read_refused(self.address, ERROR_NO_DATA)
        return None

    def status(self) -> bytes:
        return peer.read_answer(self.address, STATUS_WORD_3,
                                peer.status_word_3(relay_open=self.relay_open, command_open=self.command_open))

    def relay_read_back(self, *, now: datetime) -> bool:
        """The relay as a status read finds it (True: open), asked of the meter by the test itself."""
        self._customer_acts(now)
        answer = peer.decode(self.status())
        return bool(answer.data[4] & 0x10)

    def _control(self, data: bytes, now: datetime) -> bytes:
        try:
            control = peer.remote_control(data)
        except (AssertionError, ValueError):
            return peer.control_refused(self.address, ERROR_OTHER)
        if control.password != self.password or control.password_level not in (0x02, 0x04):
            return peer.control_refused(self.address, ERROR_UNAUTHORISED)
        if control.expires_at < now.astimezone(METER_ZONE).replace(tzinfo=None):
            return peer.control_refused(self.address, ERROR_OTHER)
        action = control.action
        if action == TRIP:
            if self.protected:
                return peer.control_refused(self.address, ERROR_OTHER)
            self.relay_open, self.command_open, self.permitted_at = True, True, None
        elif action == CLOSE_PERMITTED:
            self.command_open = False  # the relay stays as it is: the customer closes it
            self.permitted_at = now if self.relay_open else None
        elif action == CLOSE_DIRECTLY:
            if not self.direct_close:
                return peer.control_refused(self.address, ERROR_OTHER)
            self.relay_open, self.command_open, self.permitted_at = False, False, None
        elif action == PROTECT:
            self.protected = True
        elif action == RELEASE:
            self.protected = False
        else:
            return peer.control_refused(self.address, ERROR_OTHER)
        self.obeyed.append(action)
        return peer.control_accepted(self.address)

    def _customer_acts(self, now: datetime) -> None:
        permitted, delay = self.permitted_at, self.press_after
        if permitted is not None and delay is not None and now >= permitted + delay:
            if self.relay_open and not self.command_open:
                self.relay_open = False
            self.permitted_at = None


@dataclass
class SlowLink:
    """Frames between a head-end and the meters: a frame reaches its meter at once, its answer comes back late."""

    meters: dict[str, SpecMeter]
    _in_flight: list[tuple[datetime, int, bytes]] = field(default_factory=list)  # (arrives at, order, answer)
    _order: int = 0
    delivered: int = 0

    def down(self, frames: list[tuple[str, bytes]], *, now: datetime) -> None:
        for address, frame in frames:
            meter = self.meters.get(address)
            answer = meter.receive(frame, now=now) if meter is not None else None
            if answer is not None:
                assert meter is not None
                self._order += 1
                self._in_flight.append((now + timedelta(seconds=meter.answer_delay_s), self._order, answer))

    def up(self, *, now: datetime) -> list[bytes]:
        """The answers that have arrived by ``now``, in the order they arrive."""
        arrived = sorted(item for item in self._in_flight if item[0] <= now)
        self._in_flight = [item for item in self._in_flight if item[0] > now]
        self.delivered += len(arrived)
        return [answer for _, _, answer in arrived]

    def next_arrival(self) -> datetime | None:
        return min((item[0] for item in self._in_flight), default=None)
