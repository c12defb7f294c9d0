"""Pace sends to a platform's limits, replies first.

Three limits at once: an overall rate (sends evenly spaced, so no rolling second ever holds
more than the rate), a per-address token bucket (short bursts, then about one a second), and a
pause for everyone when the platform says "too many requests". Waiting sends are granted in
priority order — a reply to someone talking now goes before a broadcast — among those whose
address may send now.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int
    address: str = field(compare=False)
    granted: asyncio.Future[None] = field(compare=False)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class SendPacer:
    """Grant sends at most `per_second` overall and `per_address` a second per address."""

    def __init__(
        self,
        per_second: float,
        per_address: float = 1.0,
        burst: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_second <= 0 or per_address <= 0 or burst < 1:
            raise ValueError("rates must be positive and the burst at least 1")
        self.interval = 1.0 / per_second
        self.per_address = per_address
        self.burst = burst
        self.clock = clock
        self._waiting: list[_Waiter] = []
        self._seq = itertools.count()
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._buckets: dict[str, _Bucket] = {}
        self._changed = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    async def wait(self, address: str, priority: int) -> None:
        """Return when this send may go out."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, _Waiter(priority, next(self._seq), address, future))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._run(), name="send-pacer")
        self._changed.set()
        try:
            await future
        except asyncio.CancelledError:
            if not future.done():
                future.cancel()  # the pump skips it
            raise

    def pause(self, seconds: float) -> None:
        """Stop every send for `seconds` (the platform answered 429)."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)
        self._changed.set()

    def _tokens(self, address: str, now: float) -> float:
        bucket = self._buckets.get(address)
        if bucket is None:
            return float(self.burst)
        return min(self.burst, bucket.tokens + (now - bucket.updated) * self.per_address)

    def _take(self, address: str, now: float) -> None:
        self._buckets[address] = _Bucket(self._tokens(address, now) - 1, now)
        if len(self._buckets) > 10_000:  # forget addresses whose bucket has refilled
            self._buckets = {
                a: b for a, b in self._buckets.items() if self._tokens(a, now) < self.burst
            }

    async def _run(self) -> None:
        while self._waiting:
            now = self.clock()
            self._waiting = [w for w in self._waiting if not w.granted.done()]
            heapq.heapify(self._waiting)
            ready_at = max(self._next_slot, self._paused_until)
            chosen = None
            earliest_address = float("inf")
            for waiter in sorted(self._waiting):
                tokens = self._tokens(waiter.address, now)
                if tokens >= 1:
                    chosen = waiter
                    break
                earliest_address = min(earliest_address, now + (1 - tokens) / self.per_address)
            if chosen is None:
                ready_at = max(ready_at, earliest_address)
            if chosen is not None and ready_at <= now:
                self._waiting.remove(chosen)
                heapq.heapify(self._waiting)
                self._take(chosen.address, now)
                self._next_slot = max(now, self._next_slot) + self.interval
                chosen.granted.set_result(None)
                continue
            if not self._waiting:
                break
            self._changed.clear()
            delay = max(0.0, ready_at - now) if ready_at != float("inf") else None
            with suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), delay)
