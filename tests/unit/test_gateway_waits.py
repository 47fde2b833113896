"""How the gateway's loops wait for a wake-up: until the event or the timeout, and a stop always stops them, even
one that comes as the event is set (asyncio.wait_for of Python 3.11 would return the wake-up and lose the stop,
and the gateway would never finish stopping)."""

import asyncio
import time

from gridpay.interfaces.gateway.run import wait_for_event


def test_it_returns_when_the_event_is_set_or_after_the_timeout() -> None:
    async def scenario() -> tuple[bool, bool, float]:
        event = asyncio.Event()
        asyncio.get_running_loop().call_later(0.05, event.set)
        woken = await wait_for_event(event, timeout_s=5)
        started = time.monotonic()
        timed_out = await wait_for_event(asyncio.Event(), timeout_s=0.1)
        return woken, timed_out, time.monotonic() - started

    woken, timed_out, waited_s = asyncio.run(scenario())
    assert (woken, timed_out) == (True, False)
    assert 0.09 <= waited_s < 2


def test_a_loop_cancelled_as_its_event_is_set_stops() -> None:
    async def loop(event: asyncio.Event, rounds: list[int]) -> None:
        while True:  # as the gateway's dispatch and heartbeat loops
            await wait_for_event(event, timeout_s=0.05)
            event.clear()
            rounds.append(1)

    async def scenario() -> bool:
        event, rounds = asyncio.Event(), []
        task = asyncio.create_task(loop(event, rounds))
        await asyncio.sleep(0.01)
        event.set()  # the wake-up is on its way when the stop comes
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=2)
        if task not in done:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        return task in done and task.cancelled()

    assert asyncio.run(scenario()), "the loop went on after it was cancelled"
