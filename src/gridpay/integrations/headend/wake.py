"""The gateway's wake-up when a meter command is queued: NOTIFY on PostgreSQL, a datagram on loopback otherwise; both
ends of it, the ring inside the transaction that queued and the gateway's ears.

The gateway wakes itself after its own work that queued a command (it reads that from what the work returns); a
command queued anywhere else (a payment in the API, a disconnection run) reaches it by one of these.
"""

import asyncio
import contextlib
import socket
from typing import Any

from django.conf import settings
from django.db import connection, transaction

CHANNEL = "gridpay_meter_commands"  # the PostgreSQL NOTIFY channel the gateway listens on


def wake_gateway() -> None:
    """Tell a gateway waiting for work that a command is queued, once the caller's transaction commits."""
    if connection.vendor == "postgresql":
        # NOTIFY is delivered at commit and dropped on rollback: exactly the semantics wanted.
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {CHANNEL}")
    else:
        transaction.on_commit(_send_datagram)


def _send_datagram() -> None:
    # SQLite has no NOTIFY: one datagram on loopback to a gateway in this or another process, fire and forget.
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as wake:
        wake.sendto(b"wake", ("127.0.0.1", wake_port()))


def wake_port() -> int:
    # The checked settings record (gridpay.data.settings), reached through Django's settings: the layers keep
    # integrations and data apart.
    return int(settings.GRIDPAY.gateway_wake_port)


async def listen_for_datagrams(event: asyncio.Event) -> asyncio.DatagramTransport | None:
    """SQLite's wake-up: ``event`` is set by each datagram on the wake port. None on PostgreSQL; OSError when another
    process holds the port."""
    if connection.vendor == "postgresql":
        return None
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: _WakeDatagrams(event), local_addr=("127.0.0.1", wake_port())
    )
    return transport


async def listen_for_notify(event: asyncio.Event) -> asyncio.Task[None] | None:
    """PostgreSQL's wake-up: a task, on a connection of its own, that sets ``event`` at each NOTIFY. None on SQLite."""
    if connection.vendor != "postgresql":
        return None
    import psycopg

    params: dict[str, Any] = dict(connection.get_connection_params())
    params.pop("cursor_factory", None)
    params.pop("context", None)
    listener = await psycopg.AsyncConnection.connect(**params, autocommit=True)
    await listener.execute(f"LISTEN {CHANNEL}")

    async def listen() -> None:
        try:
            async for _ in listener.notifies():
                event.set()
        finally:
            await listener.close()

    return asyncio.create_task(listen())


class _WakeDatagrams(asyncio.DatagramProtocol):
    def __init__(self, event: asyncio.Event) -> None:
        self._event = event

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self._event.set()
