"""The gateway process: carries the head-end's frames over MQTT, woken at once when a command is queued, and
outlives its broker.

All database work runs on one worker thread (one connection, one writer at a time, as SQLite wants), the sweep
and the heartbeat on a thread each; the event loop only moves frames. A command is found three ways, fastest
first: the gateway's own work that queued it (a held command's turn after an answer or a cancellation), a
PostgreSQL NOTIFY or a loopback datagram from the transaction that queued it elsewhere (integrations.headend.wake),
and a periodic sweep as the safety net.

The broker may go at any moment. One loop keeps the connection: lost, it is tried again with exponential backoff
and jitter for as long as the process runs, under the same client id with a persistent session (clean session
off, QoS 1 subscription), so what meters said meanwhile is delivered when it comes back. Commands are claimed
as *sending* and recorded sent only for the frames the broker acknowledged (PUBACK); the others go back to the
queue at once, and nothing is claimed while there is no broker. Each loop is supervised: one that dies of an
unexpected exception stops the process (GatewayTaskDied) for the service manager to start it again; a lost
connection is not a death.

Gateways may run side by side (ADR 0031): each serves the meters that rendezvous hashing gives it among the gateways
whose heartbeat is recent, read again after each beat. It claims their commands and daily reads only, records their
uplinks only (every gateway hears every uplink), and holds the others' a minute, so that when a gateway is found
gone, the ones that take its meters over record what those meters said since its last beat.
"""

import asyncio
import contextlib
import logging
import os
import re
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import aiomqtt
from django.db import Error as DatabaseFailure
from django.db import connection, connections

from gridpay.application.supply.gateway_members import Membership, gateway_shares
from gridpay.application.supply.head_end import (
    Claim,
    ClaimedFrame,
    Frame,
    HeadEnd,
    InboundReport,
)
from gridpay.application.supply.record_gateway_heartbeat import GatewayBeat, record_gateway_heartbeat
from gridpay.domain.gateway_shares import ALL_KEYS, Shares, owner, share_key
from gridpay.integrations.headend import mqtt, wake
from gridpay.interfaces.gateway.backoff import ReconnectBackoff

log = logging.getLogger("gridpay.gateway")
PUBLISH_WINDOW = 500
T = TypeVar("T")


class GatewayTaskDied(Exception):
    """One of the gateway's loops ended with an unexpected exception: the process stops, to be started again."""

    def __init__(self, loop_name: str, error: BaseException | None) -> None:
        what = f"{type(error).__name__}: {error}" if error is not None else "没有出错却结束了"
        super().__init__(f"采集网关的{loop_name}循环意外终止（{what}），网关已停止，请由服务管理器重启")
        self.loop_name = loop_name


@dataclass
class GatewayStats:
    published: int = 0  # command frames the broker acknowledged (PUBACK)
    unsent: int = 0  # command frames put back in the queue without a PUBACK
    received: int = 0
    confirmed: int = 0
    failed: int = 0
    readings_stored: int = 0
    reads_asked: int = 0  # daily-read requests sent in waves
    waves_held_back: int = 0  # waves not asked while answers waited to be recorded, or meters to answer
    connected: bool = False
    connection_losses: int = 0
    reconnects: int = 0
    connect_failures: int = 0  # attempts to connect that failed
    connected_since: datetime | None = None
    last_lost_at: datetime | None = None
    last_publish_at: datetime | None = None
    last_error: str = ""
    on_publish: list[Callable[[int], None]] = field(default_factory=list)  # called with the count acknowledged


def generated_instance() -> str:
    """A client id of this process alone: host, pid and a random part (a pid is reused after a reboot)."""
    host = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"
    return f"gridpay-gateway-{host}-{os.getpid()}-{secrets.token_hex(3)}"


@dataclass
class _Session:
    """One connection to the broker; ``lost`` is set the moment it drops."""

    client: aiomqtt.Client
    lost: asyncio.Event = field(default_factory=asyncio.Event)


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
    # The MQTT client id, the same over every reconnect: the broker keeps this gateway's session under it.
    # None: one made up at start (generated_instance), whose session is ended at a clean stop.
    instance: str | None = None
    # Also how soon the other gateways notice this one is gone (domain.gateway_shares.MISSED_BEATS beats) and take
    # its meters over.
    heartbeat_s: float = 5.0
    backoff: ReconnectBackoff = field(default_factory=ReconnectBackoff)
    # What meters of another gateway said, kept this long (and at most hold_max frames): if that gateway is found
    # gone, the one that takes its meters over records what they said meanwhile.
    hold_s: float = 60.0
    hold_max: int = 1_000_000

    def __post_init__(self) -> None:
        self.client_id = self.instance or generated_instance()
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gridpay-gateway-db")
        # The sweep (timeouts, retries, alarms) can take a while after a big run: on a thread of its
        # own it never holds up a reconnect waiting to be claimed; nor does it hold up the heartbeat.
        self._sweeper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gridpay-gateway-sweep")
        self._beater = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gridpay-gateway-beat")
        self._wake = asyncio.Event()
        self._beat_now = asyncio.Event()
        self._inbox: asyncio.Queue[tuple[str | None, bytes]] = asyncio.Queue()  # (meter address, frame)
        self._shares: Shares | None = None  # the meters this gateway serves; None: not yet known (all of them)
        self._held: deque[tuple[datetime, str, bytes]] = deque()  # uplinks of meters other gateways serve
        self._session: _Session | None = None
        self._ready: asyncio.Event | None = None
        self._ever_connected = False
        self._reads: list[Frame] = []  # read-back requests no broker acknowledged: sent after the reconnect
        self._recording = 0  # uplinks taken from the inbox and being recorded
        self._started_at: datetime | None = None

    async def run(self, *, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        """Until ``stop`` is set; ``ready`` is set once first connected. Raises GatewayTaskDied if a loop dies."""
        self._ready = ready
        self._started_at = self.clock()
        datagrams: asyncio.DatagramTransport | None = None
        loops: dict[asyncio.Task[None], str] = {}
        clean = False
        try:
            await self._beat()  # at once: a monitor sees a gateway waiting for its broker too
            loops = {
                asyncio.create_task(self._keep_connected()): "连接与接收",
                asyncio.create_task(self._dispatch()): "下发",
                asyncio.create_task(self._handle_inbox()): "应答处理",
                asyncio.create_task(self._sweep()): "巡检",
                asyncio.create_task(self._heartbeat()): "心跳",
            }
            if self.wave_meters:  # none with --no-daily-reads: a loop with nothing to do would end, and look dead
                loops[asyncio.create_task(self._poll())] = "日冻结召测"
            listener = await wake.listen_for_notify(self._wake)
            if listener is not None:
                loops[listener] = "数据库通知"
            datagrams = await self._listen_for_datagrams()
            stopping: asyncio.Task[Any] = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait([stopping, *loops], return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            for task in done:
                if task is not stopping:
                    error = None if task.cancelled() else task.exception()
                    log.error("采集网关的%s循环意外终止：%r；网关停止", loops[task], error)
                    self.stats.last_error = f"{loops[task]}循环意外终止：{error!r}"
                    raise GatewayTaskDied(loops[task], error) from error
            clean = True
        finally:
            for task in loops:
                task.cancel()
            if loops:
                ended, stuck = await asyncio.wait(loops, timeout=30)  # a stop is never held up for ever
                for task in ended:
                    if not task.cancelled():
                        task.exception()  # retrieved: the loop that died is reported above, the rest is moot
                for task in stuck:
                    log.error("采集网关的%s循环未能在 30 秒内停止", loops[task])
            if datagrams is not None:
                datagrams.close()
            self.stats.connected = False
            await self._beat(stopped=clean)
            if clean and self.instance is None:
                await self._end_session()
            for pool in (self._db, self._sweeper, self._beater):
                await self._in_db(connections.close_all, pool=pool)  # each thread's own connection
                pool.shutdown(wait=True)

    async def _in_db(self, work: Callable[[], T], *, pool: ThreadPoolExecutor | None = None) -> T:
        return await asyncio.get_running_loop().run_in_executor(pool or self._db, work)

    async def _database_failed(self, doing: str, error: Exception, *, pool: ThreadPoolExecutor | None = None) -> None:
        # A database that went away (a restart, a failover) leaves the thread's connection broken: drop it, so the
        # next try opens a fresh one. The work is tried again at the next wake or sweep.
        log.error("%s时数据库出错：%s", doing, error)
        self.stats.last_error = f"{doing}时数据库出错：{error}"[:200]
        with contextlib.suppress(DatabaseFailure):
            await self._in_db(_close_this_threads_connection, pool=pool)

    # The connection ------------------------------------------------------------------------------------------

    async def _keep_connected(self) -> None:
        """Connect, subscribe, receive until the connection drops; again after a backoff; for ever."""
        while True:
            client = mqtt.connect(self.broker, identifier=self.client_id, clean_session=False)
            try:
                await client.__aenter__()
            except aiomqtt.MqttError as error:
                why = mqtt.describe_error(error)
                self.stats.connect_failures += 1
                self.stats.last_error = f"连接失败：{why}"[:200]
                delay = self.backoff.failed()
                log.warning("无法连接 MQTT 代理 %s：%s；%.1f 秒后重试", self.broker.url, why, delay)
                self._beat_now.set()
                await asyncio.sleep(delay)
                continue
            session = _Session(client)
            try:
                # Subscribed again on every connection: a broker restarted without persistence forgot the session.
                granted = await client.subscribe(mqtt.UP_WILDCARD, qos=1)
                if any(getattr(code, "is_failure", False) for code in granted):
                    raise aiomqtt.MqttError(f"代理拒绝订阅 {mqtt.UP_WILDCARD}")
                self._up(session)
                await self._receive(client)
                reason = "连接已关闭"
            except aiomqtt.MqttError as error:
                reason = mqtt.describe_error(error)
            except asyncio.CancelledError:
                self._down(session, reason=None)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.__aexit__(None, None, None), timeout=5)  # DISCONNECT, politely
                raise
            self._down(session, reason=reason)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.__aexit__(None, None, None), timeout=1)  # gone already: tidy only
            delay = self.backoff.lost(at=time.monotonic())
            log.warning("与 MQTT 代理 %s 的连接断开：%s；%.1f 秒后重连", self.broker.url, reason, delay)
            await asyncio.sleep(delay)

    def _up(self, session: _Session) -> None:
        self._session = session
        self.stats.connected = True
        self.stats.connected_since = self.clock()
        self.backoff.connected(at=time.monotonic())
        if self._ever_connected:
            self.stats.reconnects += 1
            log.warning("已重新连接 MQTT 代理 %s（客户端 %s，第 %d 次重连）", self.broker.url, self.client_id,
                        self.stats.reconnects)
        else:
            log.info("已连接 MQTT 代理 %s（客户端 %s）", self.broker.url, self.client_id)
        self._ever_connected = True
        self._wake.set()  # whatever was queued, or put back, while no broker listened
        self._beat_now.set()
        if self._ready is not None:
            self._ready.set()

    def _down(self, session: _Session, *, reason: str | None) -> None:
        session.lost.set()  # publishes waiting for their PUBACK give up at once
        was_up = self._session is session
        if was_up:
            self._session = None
            self.stats.connected = False
        if was_up and reason is not None:
            self.stats.connection_losses += 1
            self.stats.last_lost_at = self.clock()
            self.stats.last_error = f"连接断开：{reason}"[:200]
        self._beat_now.set()

    async def _receive(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:  # ends with MqttError when the connection drops
            if isinstance(message.payload, bytes | bytearray):
                self._inbox.put_nowait((_address(message.topic.value), bytes(message.payload)))

    async def _end_session(self) -> None:
        """A made-up client id is never used again: end its session, rather than have the broker queue for it."""
        with contextlib.suppress(aiomqtt.MqttError, OSError, TimeoutError):
            async with asyncio.timeout(5), mqtt.connect(self.broker, identifier=self.client_id, clean_session=True):
                pass

    # Out: commands and read-back requests -------------------------------------------------------------------

    async def _dispatch(self) -> None:
        while True:
            await wait_for_event(self._wake, timeout_s=self.poll_s)
            self._wake.clear()
            session = self._session
            if session is None:
                continue  # nothing is claimed while no broker listens: the reconnect wakes this again
            if self._reads:
                reads, self._reads = self._reads, []
                await self._publish_reads(session, reads)
            claim = await self._claim()
            while claim is not None and claim.frames:
                # A full batch means more are due: claim the next while this one goes out.
                following = asyncio.ensure_future(self._claim()) if len(claim.frames) == self.batch else None
                try:
                    held = await self._publish_claim(session, claim)
                except asyncio.CancelledError:
                    if following is not None:
                        await self._give_back(await following, detail="网关停止，未发出")
                    raise
                claim = await following if following is not None else None
                if not held:
                    await self._give_back(claim, detail="与代理的连接断开，未发出")
                    break

    async def _claim(self) -> Claim | None:
        try:
            keys = self._keys()
            claim = await self._in_db(lambda: self.head_end.claim(at=self.clock(), limit=self.batch, keys=keys))
        except DatabaseFailure as error:
            await self._database_failed("领取待发命令", error)
            return None
        if claim.queued:
            self._wake.set()  # a disconnect cancelled or expired instead of sent: the command held behind it is due
        return claim

    async def _publish_claim(self, session: _Session, claim: Claim) -> bool:
        """Publishes the claim window by window: each frame the broker acknowledged is recorded sent, the others go
        back to the queue when this returns. False: the connection dropped meanwhile."""
        loop = asyncio.get_running_loop()
        # Give up halfway through the lease, so no other claim takes a command this gateway still holds.
        started = self.clock()
        give_up_at = started + (claim.lease_until - started) / 2
        waiting = list(claim.frames)
        unacknowledged: list[ClaimedFrame] = []  # handed to the client, no PUBACK: the broker may have them
        recording: list[asyncio.Future[int]] = []
        try:
            while waiting and not session.lost.is_set() and self.clock() < give_up_at:
                window = waiting[:PUBLISH_WINDOW]
                unacknowledged += window  # until their PUBACKs say otherwise (this may be cancelled meanwhile)
                waiting = waiting[PUBLISH_WINDOW:]
                acknowledged = await self._publish_window(session, [(f.address, f.frame) for f in window])
                done = [f.command_id for f, ok in zip(window, acknowledged, strict=True) if ok]
                acked = set(done)
                unacknowledged = [f for f in unacknowledged if f.command_id not in acked]
                if done:
                    at = self.clock()
                    # Submitted now, so it reaches the database thread before any answer to these frames does.
                    recording.append(loop.run_in_executor(
                        self._db, partial(self.head_end.sent, command_ids=done, lease_until=claim.lease_until, at=at)
                    ))
                    self.stats.published += len(done)
                    self.stats.last_publish_at = at
                    for callback in self.stats.on_publish:
                        callback(len(done))
        finally:
            lease = claim.lease_until
            await self._put_back(unacknowledged, lease, handed_over=True, detail="代理未确认收到（无 PUBACK）")
            await self._put_back(waiting, lease, handed_over=False, detail="与代理的连接断开，未发出")
            for outcome in await asyncio.gather(*recording, return_exceptions=True):
                if isinstance(outcome, DatabaseFailure):  # the lease brings those commands back in time
                    await self._database_failed("记录已发送的命令", outcome)
                elif isinstance(outcome, BaseException):
                    raise outcome
        return not session.lost.is_set()

    async def _give_back(self, claim: Claim | None, *, detail: str) -> None:
        if claim is not None:
            await self._put_back(claim.frames, claim.lease_until, handed_over=False, detail=detail)

    async def _put_back(
        self, frames: Sequence[ClaimedFrame], lease_until: datetime, *, handed_over: bool, detail: str
    ) -> None:
        if not frames:
            return
        ids = [f.command_id for f in frames]
        try:
            count = await self._in_db(partial(self.head_end.unsent, command_ids=ids, lease_until=lease_until,
                                              at=self.clock(), handed_over=handed_over, detail=detail))
        except DatabaseFailure as error:  # the lease brings them back in time
            await self._database_failed("退回未发出的命令", error)
            return
        self.stats.unsent += count
        log.warning("%d 条命令%s，已退回待发送", count, detail)

    async def _publish_window(self, session: _Session, frames: Sequence[Frame]) -> list[bool]:
        """Many in flight at once (one broker round trip per frame in turn would cap a run of 100 000 at the
        loopback latency); True for each frame the broker acknowledged. Returns at once if the connection drops."""
        sending = [asyncio.ensure_future(_publish(session.client, address, frame)) for address, frame in frames]
        everything: asyncio.Future[Any] = asyncio.gather(*sending)
        lost: asyncio.Future[Any] = asyncio.ensure_future(session.lost.wait())
        try:
            await asyncio.wait([everything, lost], return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
            everything.cancel()  # those still waiting for a PUBACK: it will not come on this connection
            await asyncio.gather(everything, lost, return_exceptions=True)
        return [task.done() and not task.cancelled() and task.result() for task in sending]

    async def _publish_reads(self, session: _Session | None, frames: Sequence[Frame]) -> None:
        if session is not None:
            for start in range(0, len(frames), PUBLISH_WINDOW):
                window = frames[start : start + PUBLISH_WINDOW]
                acknowledged = await self._publish_window(session, window)
                self._reads += [f for f, ok in zip(window, acknowledged, strict=True) if not ok]
        else:
            self._reads += frames

    # In: answers and readings ---------------------------------------------------------------------------------

    async def _handle_inbox(self) -> None:
        while True:
            uplinks = [await self._inbox.get()]
            while not self._inbox.empty() and len(uplinks) < self.batch:
                uplinks.append(self._inbox.get_nowait())
            frames = self._served(uplinks)
            if not frames:
                continue
            self.stats.received += len(frames)
            self._recording = len(frames)
            try:
                report = await self._in_db(partial(self._record, frames))
            except DatabaseFailure as error:
                await self._database_failed("记录表计应答", error)
                continue
            finally:
                self._recording = 0
            self.stats.confirmed += report.confirmed
            self.stats.failed += report.failed
            self.stats.readings_stored += report.readings_stored
            await self._publish_reads(self._session, report.to_send)
            if report.confirmed or report.failed or report.queued:
                self._wake.set()  # a held command may be queued now, a drift's reconnect queued, or a retry scheduled

    def _record(self, frames: list[bytes]) -> InboundReport:
        return self.head_end.inbound(frames=frames, at=self.clock())

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_s)
            try:
                report = await self._in_db(lambda: self.head_end.sweep(at=self.clock()), pool=self._sweeper)
            except DatabaseFailure as error:
                await self._database_failed("巡检命令", error, pool=self._sweeper)
                continue
            if report.timed_out or report.expired or report.alarms or report.released:
                log.info("sweep: %s", report)
            await self._publish_reads(self._session, report.to_send)  # has the customer closed the relay yet?
            # Retries come due by time, not by any event: look for them at every sweep.
            self._wake.set()

    async def _poll(self) -> None:
        """The daily reads, a wave at a time: a meter only answers, so the head-end asks for its freezes. No wave is
        claimed while no broker listens (its days would count as asked)."""
        while self.wave_meters:
            await asyncio.sleep(self.wave_s)
            if self._session is None:
                continue
            unrecorded = self._inbox.qsize() + self._recording
            try:
                frames, held_back = await self._in_db(partial(self._wave, self._keys(), unrecorded),
                                                      pool=self._sweeper)
            except DatabaseFailure as error:
                await self._database_failed("召测日冻结", error, pool=self._sweeper)
                continue
            self.stats.waves_held_back += held_back
            await self._publish_reads(self._session, frames)
            self.stats.reads_asked += len(frames)

    def _wave(self, keys: Collection[str] | None, unrecorded: int) -> tuple[list[Frame], bool]:
        """The wave's frames, and whether it was held back."""
        at = self.clock()
        frames = self.head_end.poll(at=at, meters=self.wave_meters, keys=keys, unrecorded=unrecorded)
        return frames, not frames and self.head_end.held_back(at=at, unrecorded=unrecorded, meters=self.wave_meters)

    # The heartbeat --------------------------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        while True:
            await wait_for_event(self._beat_now, timeout_s=self.heartbeat_s)
            self._beat_now.clear()
            await self._beat()

    async def _beat(self, *, stopped: bool = False) -> None:
        stats = self.stats
        beat = GatewayBeat(
            instance=self.client_id, host=socket.gethostname(), pid=os.getpid(), broker=self.broker.url,
            started_at=self._started_at or self.clock(), beat_at=self.clock(), beat_every_s=self.heartbeat_s,
            connected=stats.connected, connected_since=stats.connected_since, last_lost_at=stats.last_lost_at,
            last_publish_at=stats.last_publish_at, losses=stats.connection_losses, reconnects=stats.reconnects,
            connect_failures=stats.connect_failures, published=stats.published, unsent=stats.unsent,
            received=stats.received, confirmed=stats.confirmed, failed=stats.failed, last_error=stats.last_error,
            stopped=stopped,
        )
        try:
            membership = await self._in_db(partial(self._beat_and_look, beat), pool=self._beater)
        except DatabaseFailure as error:
            await self._database_failed("写心跳", error, pool=self._beater)
            return
        if membership is not None:
            self._reshare(membership)

    def _beat_and_look(self, beat: GatewayBeat) -> Membership | None:
        """Writes this gateway's beat, then reads who the members are now (not at a stop: it serves nothing more)."""
        record_gateway_heartbeat(beat=beat)
        if beat.stopped:
            return None
        return gateway_shares(instance=self.client_id, now=self.clock(), connected=beat.connected)

    # Sharing the meters with other gateways ------------------------------------------------------------------

    def _keys(self) -> Collection[str] | None:
        """The share keys of the meters this gateway serves, for its claims; None: all meters (alone, or not known)."""
        shares = self._shares
        return None if shares is None or shares.alone else shares.keys

    def _served(self, uplinks: list[tuple[str | None, bytes]]) -> list[bytes]:
        """The frames of the meters this gateway serves; the others' are held for a while (_reshare)."""
        shares = self._shares
        if shares is None or shares.alone:
            return [frame for _, frame in uplinks]
        now = self.clock()
        served = []
        for address, frame in uplinks:
            if address is None or shares.serves(address):
                served.append(frame)
            else:
                self._held.append((now, address, frame))
        oldest = now - timedelta(seconds=self.hold_s)
        while self._held and (len(self._held) > self.hold_max or self._held[0][0] < oldest):
            self._held.popleft()
        return served

    def _reshare(self, membership: Membership) -> None:
        """The members changed: serve the new share. What the meters gained from a gateway gone said since its last
        beat (held, heard from the broker while that gateway served them) is recorded now: a gateway records what it
        hears within a beat, so older frames were its to record and are not taken again (a stale relay read-back
        recorded after a later command would be taken for drift). A frame it recorded in its last beat is recorded
        twice, as a duplicate of MQTT's at-least-once delivery would be."""
        shares = membership.shares
        old, self._shares = self._shares, shares
        if old is not None and (old.members, old.keys) == (shares.members, shares.keys):
            return
        log.info("在线采集网关 %d 个（%s），本网关负责地址尾号 %d/%d 段", len(shares.members),
                 "、".join(shares.members) or "无", len(shares.keys), len(ALL_KEYS))
        before = old.members if old is not None else ()
        departed = set(before) - set(shares.members)
        gained = shares.keys - (old.keys if old is not None else frozenset())
        if gained and self._held:
            slack = timedelta(seconds=self.heartbeat_s)
            kept: deque[tuple[datetime, str, bytes]] = deque()
            replay = []
            for held in self._held:
                heard_at, address, _ = held
                if not (shares.alone or shares.serves(address)):
                    kept.append(held)
                    continue
                served_by = owner(key=share_key(address), members=before)
                last_beat = membership.last_beat.get(served_by or "")
                since_its_last_beat = last_beat is None or heard_at >= last_beat - slack
                if served_by is None or (served_by in departed and since_its_last_beat):
                    replay.append(held)
            self._held = kept
            for _, address, frame in replay:
                self._inbox.put_nowait((address, frame))
            if departed:
                log.warning("采集网关 %s 已离线，本网关接管其地址尾号 %d 段，补处理其最后心跳以来收到的表计上报 %d 帧",
                            "、".join(sorted(departed)), len(gained), len(replay))
        elif departed and gained:
            log.warning("采集网关 %s 已离线，本网关接管其地址尾号 %d 段", "、".join(sorted(departed)), len(gained))
        self._wake.set()  # commands of the meters gained may be due

    # Wake-ups -------------------------------------------------------------------------------------------------

    async def _listen_for_datagrams(self) -> asyncio.DatagramTransport | None:
        """SQLite's wake-up from other processes (a payment recorded by the API or the command line)."""
        try:
            return await wake.listen_for_datagrams(self._wake)
        except OSError:
            log.warning("唤醒端口 %s 已被另一个进程占用：交费等改由定时查看发现（最多晚 %s 秒）", wake.wake_port(),
                        self.poll_s)
            return None


async def wait_for_event(event: asyncio.Event, *, timeout_s: float) -> bool:
    """True once ``event`` is set, False after ``timeout_s``. Not ``asyncio.wait_for``: in Python 3.11 it returns
    the wake-up when a cancellation comes at the same moment, and the cancellation is lost (a loop of the gateway
    would then never stop); ``asyncio.timeout`` keeps it."""
    try:
        async with asyncio.timeout(timeout_s):
            await event.wait()
    except TimeoutError:
        return False
    return True


def _address(topic: str) -> str | None:
    try:
        return mqtt.address_of(topic)
    except ValueError:
        return None  # not a meter's topic: recorded (and ignored) by whichever gateway hears it


def _close_this_threads_connection() -> None:
    connection.close()  # looked up on the calling thread: Django's connections are per thread


async def _publish(client: aiomqtt.Client, address: str, frame: bytes) -> bool:
    """True once the broker has the frame. aiomqtt 2.5's ``publish(qos=1)`` returns only after paho's on_publish
    callback fired for the message (it waits on an event that callback sets), and paho fires it for a QoS 1 message
    only when the broker's PUBACK arrives (``_handle_pubackcomp``); a message paho could not send, or no PUBACK
    within the client's timeout (10 s), raises MqttError."""
    try:
        await client.publish(mqtt.down_topic(address), frame, qos=1)
    except aiomqtt.MqttError:
        return False
    return True
