"""Start scheduled flows when they come due: a facilitator's /launch now, check-ins later.

Each start is a row in the store, claimed under a lease and handed to the dispatcher with an
external id of its own, so a crash after the flow started (but before the row was marked) is
recognised as a redelivery on the next pass: nobody gets a start twice and nobody is skipped.
Starts that come due while Minga was down are made on start-up, up to `max_late`; older ones are
marked missed rather than sent out of the blue.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import timedelta

from bot.dispatcher import Dispatcher
from bot.inbound import Inbound
from storage import Store

log = logging.getLogger(__name__)

BATCH = 50
LEASE_SECONDS = 120.0
MAX_LATE = timedelta(days=3)
POLL_SECONDS = 2.0


class Scheduler:
    """Claim due starts and run each through the dispatcher."""

    def __init__(
        self,
        store: Store,
        dispatcher: Dispatcher,
        *,
        max_late: timedelta = MAX_LATE,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.max_late = max_late
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look for due starts now (something was just scheduled)."""
        self._wake.set()

    async def run_once(self) -> int:
        """Start everything due now; return how many starts were handled."""
        handled = 0
        while True:
            now = self.dispatcher.clock.now()
            due = await self.store.claim_due(now, BATCH, LEASE_SECONDS)
            if not due:
                return handled
            started, missed = [], []
            for start in due:
                if now - start.due_at > self.max_late:
                    missed.append(start.id)
                    continue
                inbound = Inbound(
                    start.channel,
                    start.address,
                    "launch",
                    now,
                    choice=start.flow_id,
                    external_id=f"scheduled:{start.id}",
                )
                await self.dispatcher.handle(inbound)
                started.append(start.id)
            await self.store.finish_due(started, "done", now)
            await self.store.finish_due(missed, "missed", now)
            handled += len(due)

    async def run(self) -> None:
        """Start due flows until cancelled; a failing pass is logged and retried."""
        while True:
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:
                log.exception("scheduled starts failed; retrying")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
