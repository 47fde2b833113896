"""The gateway and simulated meters run in a test's event loop: a clock that runs from a pinned instant, database
work on threads, waiting for the loop to get somewhere, and a meter fleet the test starts again after a broker
restart (the simulator, like a real concentrator, does not outlive its connection)."""

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

import aiomqtt
from django.db import connection

from gridpay.integrations.headend import mqtt
from gridpay.integrations.headend.meter_simulator import SimulatedMeter, run_fleet
from tests.support.clock import SHANGHAI

T = TypeVar("T")
TUESDAY_10 = datetime(2025, 3, 11, 10, 0, tzinfo=SHANGHAI)


def running_clock(start: datetime = TUESDAY_10) -> Callable[[], datetime]:
    """The gateway's clock: ``start``, then on with the monotonic clock (the wall clock is not the test's)."""
    started = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - started)


async def in_thread(work: Callable[[], T]) -> T:
    """Database work off the event loop, on a thread that closes its connection after."""

    def run() -> T:
        try:
            return work()
        finally:
            connection.close()

    return await asyncio.to_thread(run)


async def until(check: Callable[[], bool], *, timeout_s: float, what: str = "the loop did not get there") -> None:
    deadline = time.monotonic() + timeout_s
    while not await in_thread(check):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} in {timeout_s} s")
        await asyncio.sleep(0.1)


class MeterFleet:
    """``run_fleet`` for ``meters``; ``restart()`` after the broker came back (the state of each meter is kept)."""

    def __init__(
        self, meters: Sequence[SimulatedMeter], *, broker: mqtt.BrokerAddress, clock: Callable[[], datetime],
        identifier: str, slow_delay_s: float = 2.0,
    ) -> None:
        self.meters, self.broker, self.clock = meters, broker, clock
        self.identifier, self.slow_delay_s = identifier, slow_delay_s
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, timeout_s: float = 20) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            self._stop, ready = asyncio.Event(), asyncio.Event()
            self._task = asyncio.create_task(
                run_fleet(meters=self.meters, broker=self.broker, now_local=lambda: self.clock().astimezone(SHANGHAI),
                          slow_delay_s=self.slow_delay_s, ready=ready, stop=self._stop, identifier=self.identifier)
            )
            waiting = asyncio.create_task(ready.wait())
            await asyncio.wait([self._task, waiting], return_when=asyncio.FIRST_COMPLETED)
            if ready.is_set():
                return
            waiting.cancel()
            with contextlib.suppress(aiomqtt.MqttError):
                await self._task  # the broker is not back yet
            if time.monotonic() > deadline:
                raise AssertionError("the simulated meters could not connect")
            await asyncio.sleep(0.2)

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def restart(self) -> None:
        await self.stop()
        await self.start()
