"""Deliver webhook calls as a platform does: oldest first, over a few connections at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Call = Callable[[], Awaitable[None]]


class FifoDelivery:
    """Run queued calls in arrival order, at most `connections` at a time.

    Telegram (and Twilio) keep a bot's pending webhook calls in a queue that free connections
    take from. The queue is explicit here because a connection pool's waiters are not strictly
    first come, first served, which would add the pool's unfairness to Minga's reply latency.
    """

    def __init__(self, connections: int) -> None:
        self.queue: asyncio.Queue[tuple[Call, asyncio.Future[None]]] = asyncio.Queue()
        self.workers = [asyncio.create_task(self._connection()) for _ in range(connections)]

    async def call(self, call: Call) -> None:
        """Queue a call and wait until it has been made."""
        done = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((call, done))
        await done

    async def _connection(self) -> None:
        while True:
            call, done = await self.queue.get()
            try:
                await call()
            except Exception as exc:  # the participant waiting on it reports it
                done.set_exception(exc)
            else:
                done.set_result(None)

    def close(self) -> None:
        """Stop the connections."""
        for worker in self.workers:
            worker.cancel()
