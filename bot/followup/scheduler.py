"""Start scheduled flows when they come due: a facilitator's /launch now, check-ins later.

Each start is a row in the store, claimed under a lease and handed to the dispatcher with an
external id of its own, so a crash after the flow started (but before the row was marked) is
recognised as a redelivery on the next pass: nobody gets a start twice and nobody is skipped.
Starts that come due while Minga was down are made on start-up, up to `max_late`; older ones are
marked missed rather than sent out of the blue. Check-ins (bot/checkins.py) are claimed the same
way, and also wait for the send window in the person's time zone.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import datetime, timedelta

from bot.conversation.dispatcher import Dispatcher
from bot.conversation.inbound import Inbound, InboundKind
from bot.followup.checkins import plan_new_members, triage
from bot.followup.round_reports import Audience, report_finished_rounds
from bot.followup.send_window import SchedulePolicy
from storage import Checkin, Store

log = logging.getLogger(__name__)

BATCH = 50
POLL_SECONDS = 2.0
PLAN_EVERY = timedelta(minutes=1)


class Scheduler:
    """Claim due starts and run each through the dispatcher."""

    def __init__(
        self,
        store: Store,
        dispatcher: Dispatcher,
        *,
        policy: SchedulePolicy | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.policy = policy or SchedulePolicy()
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._planned_at: datetime | None = None

    def wake(self) -> None:
        """Look for due starts now (something was just scheduled)."""
        self._wake.set()

    async def run_once(self) -> int:
        """Start everything due now, then move due check-ins on; return how many were handled."""
        return await self.launches_once() + await self.checkins_once()

    async def checkins_once(self) -> int:
        """Plan check-ins for new members, then take every due check-in's next step."""
        policy = self.policy
        now = self.dispatcher.clock.now()
        # Finding members without check-ins scans the memberships: once a minute is plenty.
        if self._planned_at is None or now - self._planned_at >= PLAN_EVERY:
            await plan_new_members(self.store, policy)
            await self._report_rounds(now)
            self._planned_at = now
        handled = 0
        while True:
            now = self.dispatcher.clock.now()
            due = await self.store.claim_checkins(now, BATCH, policy.lease_seconds)
            if not due:
                return handled
            waiting: list[Checkin] = []
            ready: list[Inbound] = []
            for item in due:
                new = triage(item, now, policy)
                if new is not None:
                    waiting.append(new)
                    continue
                checkin = item.checkin
                ready.append(
                    Inbound(
                        item.channel,
                        item.address,
                        "checkin",
                        now,
                        choice=checkin.id,
                        external_id=f"checkin:{checkin.id}:{checkin.status}:{checkin.nudges}",
                    )
                )
            # A batch is one row per person, so they can go at once: each takes its own lock,
            # and the store commits what is ready together.
            await asyncio.gather(*(self.dispatcher.handle(inbound) for inbound in ready))
            await self.store.update_checkins(waiting)
            handled += len(due)

    async def _report_rounds(self, now: datetime) -> None:
        """Send the report and the digest of every check-in round that is over."""
        dispatcher = self.dispatcher
        conversation = dispatcher.conversation
        audience = Audience(conversation.facilitators, conversation.document_channels, self.policy)
        if await report_finished_rounds(self.store, dispatcher.registry, audience, now):
            dispatcher.on_commit()  # the sender: messages are waiting

    async def launches_once(self) -> int:
        """Start every scheduled flow due now; return how many starts were handled."""
        handled = 0
        while True:
            now = self.dispatcher.clock.now()
            due = await self.store.claim_due(now, BATCH, self.policy.lease_seconds)
            if not due:
                return handled
            started, missed = [], []
            for start in due:
                if now - start.due_at > self.policy.max_late:
                    missed.append(start.id)
                    continue
                # A question to the room keeps its prompt's id where a launch keeps its flow's.
                kind: InboundKind = "prompt" if start.purpose == "prompt" else "launch"
                inbound = Inbound(
                    start.channel,
                    start.address,
                    kind,
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
