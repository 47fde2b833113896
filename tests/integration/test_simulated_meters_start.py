"""`gridpay simulate-meters` stands in for the database's meters as they are: a meter cut off has its relay open by
command, and one whose close was permitted (a meter without 1C) waits, relay open, for its customer's press."""

from datetime import timedelta

import pytest

from gridpay.application.payments.record_payment import record_payment
from gridpay.data.queries.meters import meters_in_service, meters_in_service_count
from gridpay.integrations.headend.meter_simulator import SimulatedMeter
from tests.support.accounts import enrol
from tests.support.clock import FakeClock
from tests.support.reconnection import disconnected

pytestmark = pytest.mark.django_db


def test_the_meters_in_service_say_which_wait_for_their_customer(zj_tariff: str, clock: FakeClock) -> None:
    permitted = disconnected(1, owed_fen=8_419, model="DDZY-2009")
    record_payment(account_no="3301000001", amount_fen=10_000, channel="wechat", channel_txn_id="W-1",
                   received_at=clock.now(), business_day=clock.today())
    permitted.send(at=clock.now())
    permitted.answer(at=clock.now())  # close permitted: the relay stays open until the customer presses
    disconnected(2, owed_fen=500)
    enrol(3)

    known = {m.address: m for m in meters_in_service(limit=10)}

    assert meters_in_service_count() == 3
    assert [(m.relay_open, m.close_permitted, m.direct_close) for m in known.values()] == [
        (True, True, False), (True, False, True), (False, False, True)]


def test_a_meter_started_as_close_permitted_closes_when_its_customer_presses(clock: FakeClock) -> None:
    started_at = clock.now().replace(tzinfo=None)
    waiting = SimulatedMeter(address="000000000001", relay_open=True, command_open=True, direct_close=False,
                             press_after=timedelta(seconds=60))
    cut_off = SimulatedMeter(address="000000000002", relay_open=True, command_open=True,
                             press_after=timedelta(seconds=60))

    waiting.permit_close(at=started_at)
    for meter in (waiting, cut_off):
        meter.freeze_day(at=started_at + timedelta(seconds=61))  # anything that reaches the meter after the press

    assert not waiting.relay_open and waiting.freezes[0].registers.total_kwh == waiting.daily_kwh
    assert cut_off.relay_open and not cut_off.press_button()  # opened by command: the button does nothing
