"""Pace sends to a platform's limits, replies first.

Three limits at once: an overall rate, a per-address token bucket (short bursts, then about one
a second), and a pause for everyone when the platform says "too many requests". Waiting sends
are granted in priority order — a reply to someone talking now goes before a broadcast — among
those whose address may send now.

The platform counts a request when it *arrives*, which we never see: anywhere between our
sending it and its answer. Spacing the starts evenly is not enough — a slow request followed by
quick ones arrives bunched, and one 429 pauses the whole bot. So a send holds its place in the
one-second window from its start until a second after its answer: whatever the network does,
no second of arrivals can hold more than the limit.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

WINDOW_SECONDS = 1.0
# More requests at once buy nothing against a 30/s limit and cost a lot: httpcore's pool does
# work proportional to the requests queued in it on every change (200 at once took 6 s of CPU).
MAX_IN_FLIGHT = 32


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
        max_in_flight: int = MAX_IN_FLIGHT,
        address_rate: Callable[[str], float] | None = None,
    ) -> None:
        if per_second <= 0 or per_address <= 0 or burst < 1 or max_in_flight < 1:
            raise ValueError("rates must be positive and the burst at least 1")
        self.max_in_flight = max_in_flight
        self.interval = 1.0 / per_second
        self.per_window = max(1, math.floor(per_second * WINDOW_SECONDS))
        self.per_address = per_address
        # Some addresses have their own pace (Telegram: 20 a minute in a group).
        self.address_rate = address_rate or (lambda _address: per_address)
        self.burst = burst
        self.clock = clock
        self._waiting: list[_Waiter] = []
        self._seq = itertools.count()
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._in_flight = 0
        self._finished: deque[float] = deque()  # answer times within the last window
        self._buckets: dict[str, _Bucket] = {}
        self._changed = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def slot(self, address: str, priority: int) -> AsyncIterator[None]:
        """Hold a send's place from its grant until its answer (wrap exactly one request)."""
        await self._granted(address, priority)
        try:
            yield
        finally:
            self._release(address)

    def pause(self, seconds: float) -> None:
        """Stop every send for `seconds` (the platform answered 429)."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)
        self._changed.set()

    async def _granted(self, address: str, priority: int) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, _Waiter(priority, next(self._seq), address, future))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._run(), name="send-pacer")
        self._changed.set()
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release(address)  # granted just as we were cancelled
            else:
                future.cancel()  # the pump skips it
            raise

    def _release(self, address: str) -> None:
        now = self.clock()
        self._in_flight -= 1
        self._finished.append(now)
        bucket = self._buckets.get(address)
        if bucket is not None:
            # No refill while the request was on its way: its arrival time is unknown.
            bucket.updated = max(bucket.updated, now)
        self._changed.set()

    def _tokens(self, address: str, now: float) -> float:
        bucket = self._buckets.get(address)
        if bucket is None:
            return float(self.burst)
        refill = max(0.0, now - bucket.updated) * self.address_rate(address)
        return min(self.burst, bucket.tokens + refill)

    def _take(self, address: str, now: float) -> None:
        self._buckets[address] = _Bucket(self._tokens(address, now) - 1, now)
        if len(self._buckets) > 10_000:  # forget addresses whose bucket has refilled
            self._buckets = {
                a: b for a, b in self._buckets.items() if self._tokens(a, now) < self.burst
            }

    def _window_free_at(self, now: float) -> float:
        """When the window has room for one more send (inf: when something in flight ends)."""
        while self._finished and self._finished[0] <= now - WINDOW_SECONDS:
            self._finished.popleft()
        if self._in_flight >= self.max_in_flight:
            return math.inf
        if self._in_flight + len(self._finished) < self.per_window:
            return now
        if self._finished:
            return self._finished[0] + WINDOW_SECONDS
        return math.inf

    async def _run(self) -> None:
        while self._waiting:
            now = self.clock()
            self._waiting = [w for w in self._waiting if not w.granted.done()]
            heapq.heapify(self._waiting)
            ready_at = max(self._next_slot, self._paused_until, self._window_free_at(now))
            chosen = None
            earliest_address = math.inf
            for waiter in sorted(self._waiting):
                tokens = self._tokens(waiter.address, now)
                if tokens >= 1:
                    chosen = waiter
                    break
                rate = self.address_rate(waiter.address)
                earliest_address = min(earliest_address, now + (1 - tokens) / rate)
            if chosen is None:
                ready_at = max(ready_at, earliest_address)
            if chosen is not None and ready_at <= now:
                self._waiting.remove(chosen)
                heapq.heapify(self._waiting)
                self._take(chosen.address, now)
                self._in_flight += 1
                # Keep to the schedule when the loop woke a little late, or the late wake-ups
                # add up and the achieved rate falls short; never bank more than one slot.
                late = now - self._next_slot
                self._next_slot = (
                    now if late >= self.interval else self._next_slot
                ) + self.interval
                chosen.granted.set_result(None)
                continue
            if not self._waiting:
                break
            self._changed.clear()
            delay = max(0.0, ready_at - now) if ready_at != math.inf else None
            with suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), delay)
