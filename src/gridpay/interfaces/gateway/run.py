"""The gateway process: carries the head-end's frames over MQTT, woken at once when a command is queued.

All database work runs on one worker thread (one connection, one writer at a time, as SQLite
wants); the event loop only moves frames. A command is found three ways, fastest first: a
PostgreSQL NOTIFY or an in-process wake-up from the transaction that queued it, and a periodic
sweep as the safety net.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import aiomqtt
from django.db import connection, connections

from gridpay.application.supply.head_end import Frame, HeadEnd, InboundReport
from gridpay.data import meter_command_store
from gridpay.integrations.headend import mqtt

log = logging.getLogger("gridpay.gateway")
PUBLISH_WINDOW = 500
T = TypeVar("T")


@dataclass
class GatewayStats:
    published: int = 0
    received: int = 0
    confirmed: int = 0
    failed: int = 0
    readings_stored: int = 0
    reads_asked: int = 0
    last_error: str = ""
    on_publish: list[Callable[[int], None]] = field(default_factory=list)  # called with the count published


@dataclass
class Gateway:
    broker: mqtt.BrokerAddress
    head_end: HeadEnd
    clock: Callable[[], datetime]
    poll_s: float = 0.5  # how long to sleep when nothing woke us
    sweep_s: float = 5.0
    batch: int = 5_000
    wave_s: float = 1.0  # daily reads: a wave of at most wave_meters meters each wave_s (0: no daily reads)
    wave_meters: int = 500
    stats: GatewayStats = field(default_factory=GatewayStats)

    def __post_init__(self) -> None:
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gridpay-gateway-db")
        # The sweep (timeouts, retries, alarms) can take a while after a big run: on a thread of its
        # own it never holds up a reconnect waiting to be claimed.
        self._sweeper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gridpay-gateway-sweep")
        self._wake = asyncio.Event()
        self._inbox: asyncio.Queue[bytes] = asyncio.Queue()

    async def run(self, *, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        loop = asyncio.get_running_loop()
        waker = _LoopWaker(loop, self._wake)
        meter_command_store.on_wake(waker)
        datagrams: asyncio.DatagramTransport | None = None
        try:
            async with mqtt.connect(self.broker, identifier="gridpay-gateway") as client:
                await client.subscribe(mqtt.UP_WILDCARD, qos=1)
                tasks = [
                    asyncio.create_task(self._receive(client)),
                    asyncio.create_task(self._handle_inbox(client)),
                    asyncio.create_task(self._dispatch(client)),
                    asyncio.create_task(self._sweep(client)),
                    asyncio.create_task(self._poll(client)),
                ]
                listener = await self._listen_for_notify()
                if listener is not None:
                    tasks.append(listener)
                datagrams = await self._listen_for_datagrams()
                if ready is not None:
                    ready.set()
                self._wake.set()  # whatever was queued while no gateway ran
                await stop.wait()
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            if datagrams is not None:
                datagrams.close()
            meter_command_store.stop_waking(waker)
            for pool in (self._db, self._sweeper):
                await self._in_db(connections.close_all, pool=pool)  # each thread's own connection
                pool.shutdown(wait=True)

    async def _in_db(self, work: Callable[[], T], *, pool: ThreadPoolExecutor | None = None) -> T:
        return await asyncio.get_running_loop().run_in_executor(pool or self._db, work)

    async def _dispatch(self, client: aiomqtt.Client) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_s)
            self._wake.clear()
            frames = await self._claim()
            while frames:
                # A full batch means more are due: claim the next while this one goes out.
                following = asyncio.ensure_future(self._claim()) if len(frames) == self.batch else None
                await self._publish(client, frames)
                frames = await following if following is not None else []

    async def _claim(self) -> list[Frame]:
        try:
            return await self._in_db(lambda: self.head_end.outbound(at=self.clock(), limit=self.batch))
        except Exception as error:  # a database hiccup must not stop the gateway; the next wake retries
            log.exception("claiming commands failed")
            self.stats.last_error = str(error)
            return []

    async def _publish(self, client: aiomqtt.Client, frames: list[Frame]) -> None:
        # Many in flight at once: one broker round trip per frame, in turn, would cap a run of
        # 100 000 disconnections at the loopback latency.
        for start in range(0, len(frames), PUBLISH_WINDOW):
            window = frames[start : start + PUBLISH_WINDOW]
            await asyncio.gather(*(client.publish(mqtt.down_topic(a), frame, qos=1) for a, frame in window))
        if frames:
            self.stats.published += len(frames)
            for callback in self.stats.on_publish:
                callback(len(frames))

    async def _receive(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            if isinstance(message.payload, bytes | bytearray):
                self._inbox.put_nowait(bytes(message.payload))

    async def _handle_inbox(self, client: aiomqtt.Client) -> None:
        while True:
            frames = [await self._inbox.get()]
            while not self._inbox.empty() and len(frames) < self.batch:
                frames.append(self._inbox.get_nowait())
            self.stats.received += len(frames)
            try:
                report = await self._in_db(partial(self._record, frames))
            except Exception as error:
                log.exception("recording meter answers failed")
                self.stats.last_error = str(error)
                continue
            self.stats.confirmed += report.confirmed
            self.stats.failed += report.failed
            self.stats.readings_stored += report.readings_stored
            await self._publish(client, report.to_send)
            if report.confirmed or report.failed:
                self._wake.set()  # a held command may be queued now, or a retry scheduled

    def _record(self, frames: list[bytes]) -> InboundReport:
        return self.head_end.inbound(frames=frames, at=self.clock())

    async def _sweep(self, client: aiomqtt.Client) -> None:
        while True:
            await asyncio.sleep(self.sweep_s)
            try:
                report = await self._in_db(lambda: self.head_end.sweep(at=self.clock()), pool=self._sweeper)
            except Exception as error:
                log.exception("sweeping commands failed")
                self.stats.last_error = str(error)
                continue
            if report.timed_out or report.expired or report.alarms:
                log.info("sweep: %s", report)
            await self._publish(client, report.to_send)  # has the customer closed the relay yet?
            # Retries come due by time, not by any event: look for them at every sweep.
            self._wake.set()

    async def _poll(self, client: aiomqtt.Client) -> None:
        """The daily reads, a wave at a time: a meter only answers, so the head-end asks for its freezes."""
        while self.wave_meters:
            try:
                frames = await self._in_db(
                    lambda: self.head_end.poll(at=self.clock(), meters=self.wave_meters), pool=self._sweeper
                )
            except Exception as error:
                log.exception("claiming daily reads failed")
                self.stats.last_error = str(error)
                frames = []
            await self._publish(client, frames)
            self.stats.reads_asked += len(frames)
            await asyncio.sleep(self.wave_s)

    async def _listen_for_datagrams(self) -> asyncio.DatagramTransport | None:
        """SQLite's wake-up from other processes (a payment recorded by the API or the command line)."""
        if connection.vendor == "postgresql":
            return None
        try:
            transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                lambda: _WakeDatagrams(self._wake), local_addr=("127.0.0.1", meter_command_store.wake_port())
            )
        except OSError:
            log.warning("wake-up port %s in use: polling only", meter_command_store.wake_port())
            return None
        return transport

    async def _listen_for_notify(self) -> asyncio.Task[None] | None:
        if connection.vendor != "postgresql":
            return None
        import psycopg

        params: dict[str, Any] = dict(connection.get_connection_params())
        params.pop("cursor_factory", None)
        params.pop("context", None)
        listener = await psycopg.AsyncConnection.connect(**params, autocommit=True)
        await listener.execute(f"LISTEN {meter_command_store.WAKE_CHANNEL}")

        async def listen() -> None:
            try:
                async for _ in listener.notifies():
                    self._wake.set()
            finally:
                await listener.close()

        return asyncio.create_task(listen())


class _WakeDatagrams(asyncio.DatagramProtocol):
    def __init__(self, event: asyncio.Event) -> None:
        self._event = event

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self._event.set()


class _LoopWaker:
    """Sets an asyncio event from whatever thread queued a command (an in-process payment)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> None:
        self._loop, self._event = loop, event

    def set(self) -> None:
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._event.set)
