"""The outbox sender: drains committed replies through each channel's sender.

Rows are claimed in the store (so a crash, a restart or a second worker never sends a row twice
while its claim lives), sent in order per address and concurrently across addresses, and their
outcomes written back in batches. Replies are woken right after their commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.channels.base import ChannelSender, SendOutcome
from bot.drawing import charts
from bot.plumbing import failpoints, metrics
from bot.plumbing.clock import Clock
from storage import OUTBOX_LEASE_SECONDS, PRIORITY_BULK, Delivery, OutboxRow, Store

log = logging.getLogger(__name__)
_DRAWING = ThreadPoolExecutor(1, thread_name_prefix="minga-charts")  # see OutboxSender._draw

MAX_ATTEMPTS = 8
# How long a chart waits for the replies in flight to go first (a room finishing together).
CHART_PATIENCE_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 300.0
# A claimed row is not started this close to the end of its claim: another sender may take it
# once the claim lapses, and one message must never go out from two.
LEASE_MARGIN_SECONDS = 30.0


def backoff(attempts: int) -> float:
    """Seconds to wait before attempt `attempts + 1`: 1, 2, 4 … capped at five minutes."""
    return float(min(MAX_BACKOFF_SECONDS, 2 ** max(0, attempts - 1)))


class OutboxSender:
    """Claim, send and record outbox rows for a set of channels."""

    def __init__(
        self,
        store: Store,
        senders: Mapping[str, ChannelSender],
        clock: Clock,
        *,
        address: str | None = None,
        batch: int = 200,
        poll_interval: float = 1.0,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.store = store
        self.senders = dict(senders)
        self.clock = clock
        self.address = address
        self.batch = batch
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._done: list[Delivery] = []
        self._progress = asyncio.Event()
        self._leased: set[str] = set()
        self._drawing = 0  # rows waiting for their chart to be drawn
        self._replying = 0  # replies being sent right now
        self._quiet = asyncio.Event()  # set while no reply is being sent
        self._quiet.set()
        self._settling = False  # stopping: claim nothing more, let what is in flight finish
        self.sent = 0

    @property
    def channels(self) -> list[str]:
        """Return the channels this sender drains."""
        return sorted(self.senders)

    def wake(self) -> None:
        """Look for new rows now instead of at the next poll."""
        self._wake.set()

    async def settle(self, seconds: float) -> None:
        """Before a stop: claim nothing more, let the sends in flight finish (for `seconds`).

        What the platform accepted is then recorded, not sent again by the next sender.
        """
        self._settling = True
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=seconds)

    async def recover(self) -> int:
        """Requeue rows a previous process claimed and never finished (call at start-up)."""
        self._leased.clear()
        _, requeued = await self._take_leases()
        return requeued

    async def _take_leases(self) -> tuple[list[str], int]:
        """Return the channels this process sends on now, and how many claims it requeued.

        With several workers, one at a time holds a channel's lease (so its rate limit holds).
        The claims left by a holder that died are requeued by whoever takes the lease next and
        by nobody else, since another holder's rows may still be on their way.
        """
        held, requeued = [], 0
        for channel in self.channels:
            if not await self.store.sending_lease(channel):
                self._leased.discard(channel)
                continue
            held.append(channel)
            if channel not in self._leased:
                self._leased.add(channel)
                requeued += await self.store.release_claims([channel], self.address)
        return held, requeued

    async def drain(self) -> int:
        """Send everything due now and return how many rows were handled."""
        handled = 0
        while True:
            deadline = self._deadline()
            rows = await self._claim(self.batch)
            if not rows:
                break
            await asyncio.gather(*(self._send_group(g, deadline) for g in _by_address(rows)))
            handled += len(rows)
            await self._flush()
        return handled

    async def run(self) -> None:
        """Send until cancelled: claim while there is room, flush outcomes as they arrive.

        A failing cycle (a locked database, a full disk) is logged and retried after a pause;
        the loop itself never dies, or every reply after it would silently wait forever.
        """
        failures = 0
        await self.store.watch_outbox(self.wake)
        try:
            while True:
                try:
                    rows = await self._cycle()
                except Exception:
                    failures += 1
                    log.exception("outbox cycle failed (%d in a row); retrying", failures)
                    await asyncio.sleep(min(30.0, 0.1 * 2**failures))
                    continue
                failures = 0
                if not rows:
                    await self._idle()
        finally:
            for task in list(self._inflight):
                task.cancel()
            with suppress(Exception):
                await self._flush()

    async def _cycle(self) -> list[OutboxRow]:
        room = 0 if self._settling else self.batch - len(self._inflight) + self._drawing
        deadline = self._deadline()
        done, self._done = self._done, []
        try:
            # Submitted together, the outcomes and the next claim share one transaction.
            _, rows = await asyncio.gather(
                self._complete(done), self._claim(room) if room > 0 else _nothing()
            )
        except BaseException:
            self._done[:0] = done  # keep the outcomes for the next try
            raise
        for group in _by_address(rows):
            task = asyncio.create_task(self._send_group(group, deadline))
            self._inflight.add(task)
            task.add_done_callback(self._finished)
        return rows

    def _deadline(self) -> datetime:
        """When rows claimed now must no longer be started (see LEASE_MARGIN_SECONDS)."""
        return self.clock.now() + timedelta(seconds=OUTBOX_LEASE_SECONDS - LEASE_MARGIN_SECONDS)

    async def _complete(self, done: list[Delivery]) -> None:
        if done:
            await self.store.complete_outbox(done, self.clock.now())

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._progress.set()

    async def _idle(self) -> None:
        wake = asyncio.ensure_future(self._wake.wait())
        progress = asyncio.ensure_future(self._progress.wait())
        try:
            await asyncio.wait(
                {wake, progress}, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            wake.cancel()
            progress.cancel()
        self._wake.clear()
        self._progress.clear()

    async def _claim(self, limit: int) -> list[OutboxRow]:
        self._wake.clear()
        channels, _ = await self._take_leases()
        if not channels:
            return []
        rows = await self.store.claim_outbox(channels, self.clock.now(), limit, self.address)
        if rows:
            failpoints.hit("after_claim")
        return rows

    async def _flush(self) -> None:
        done, self._done = self._done, []
        try:
            await self._complete(done)
        except BaseException:
            self._done[:0] = done
            raise

    async def _send_group(self, rows: list[OutboxRow], deadline: datetime) -> None:
        """Send one address's rows in order; a retry holds back the rows behind it."""
        for index, row in enumerate(rows):
            if self.clock.now() >= deadline:
                # A slow channel (a long 429 pause) ran the claim down: give the rest back.
                self._done.extend(
                    Delivery(rest.id, "returned", error="claim ran out") for rest in rows[index:]
                )
                return
            outcome = await self._send_one(row)
            self._done.append(self._delivery(row, outcome))
            if outcome.state == "sent":
                self.sent += 1
            elif outcome.state == "retry":
                # Later rows wait for this one, keeping the conversation in order.
                later = self.clock.now() + timedelta(seconds=1)
                self._done.extend(
                    Delivery(rest.id, "returned", retry_at=later, error="waiting")
                    for rest in rows[index + 1 :]
                )
                return
            elif outcome.state == "unreachable":
                self._done.extend(
                    Delivery(rest.id, "failed", error="unreachable") for rest in rows[index + 1 :]
                )
                return
            elif outcome.state == "held":
                # One template invites the answer; everything behind it waits with the message.
                self._done.extend(
                    Delivery(rest.id, "held", error="waiting for the window")
                    for rest in rows[index + 1 :]
                )
                return

    async def _send_one(self, row: OutboxRow) -> SendOutcome:
        sender = self.senders[row.channel]
        message, priority = row.message, row.priority
        reply = message.chart is None and priority < PRIORITY_BULK
        if reply:
            self._replying += 1
            self._quiet.clear()
        try:
            if message.chart is not None:
                message = replace(message, image_png=await self._draw(message.chart), chart=None)
                # A chart follows its text and never holds up someone else's reply.
                priority = max(priority, PRIORITY_BULK)
            outcome = await sender.send(row.address, message, priority)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a sender bug must not stop the queue
            log.exception("sender %s raised on outbox row %s", row.channel, row.id)
            outcome = SendOutcome.retry(f"{type(exc).__name__}")
        finally:
            if reply:
                self._replying -= 1
                if not self._replying:
                    self._quiet.set()
        metrics.SENT.labels(row.channel, outcome.state).inc()
        return outcome

    async def _draw(self, chart: Mapping[str, Any]) -> bytes:
        """Draw a chart on the one drawing thread, off the conversation that asked for it.

        A room finishing an assessment together asks for its charts all at once: each first
        lets the replies being sent go (for up to CHART_PATIENCE_SECONDS), and the drawing uses
        one thread, so charts do not take the CPU from the conversations. A row waiting here
        does not count against the claim budget, so the replies claimed behind it still go out.
        """
        self._drawing += 1
        try:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._quiet.wait(), CHART_PATIENCE_SECONDS)
            return await asyncio.get_running_loop().run_in_executor(_DRAWING, charts.draw, chart)
        finally:
            self._drawing -= 1

    def _delivery(self, row: OutboxRow, outcome: SendOutcome) -> Delivery:
        if outcome.state == "retry":
            if row.attempts >= self.max_attempts:
                return Delivery(row.id, "failed", error=outcome.error)
            wait = max(outcome.retry_after or 0.0, backoff(row.attempts))
            retry_at = self.clock.now() + timedelta(seconds=wait)
            return Delivery(row.id, "retry", retry_at=retry_at, error=outcome.error)
        return Delivery(
            row.id,
            outcome.state,
            error=outcome.error,
            external_id=outcome.external_id,
            erase_after_send=row.erase_after_send,
        )


async def _nothing() -> list[OutboxRow]:
    return []


def _by_address(rows: list[OutboxRow]) -> list[list[OutboxRow]]:
    groups: dict[tuple[str, str], list[OutboxRow]] = defaultdict(list)
    for row in rows:
        groups[(row.channel, row.address)].append(row)
    return [sorted(group, key=lambda r: r.id) for group in groups.values()]
