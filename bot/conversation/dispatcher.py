"""The dispatcher: the one entry point every channel feeds, and the frame around each message.

Per message it takes the participant's lock, reads their state, drops a redelivery, lets the
router pick the handler (see `bot/handlers.py` for their order), runs the settlers, and commits
everything the message changed — dedupe mark, profile, runs, answers and replies — in one
transaction. It knows no feature.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import replace

from bot.conversation.call import Call
from bot.conversation.commands import parse_command
from bot.conversation.conversation import Conversation
from bot.conversation.inbound import SILENT_KINDS, Inbound
from bot.conversation.limits import PERSON_BURST, BurstLimit, admit
from bot.conversation.normalize import clean_inbound
from bot.conversation.router import Router
from bot.conversation.work import Work
from bot.plumbing import failpoints, metrics
from bot.plumbing.clock import Clock
from bot.plumbing.logs import describe
from flows.registry import FlowRegistry
from flows.stored import StoredFlows
from i18n import negotiate, translator
from storage import (
    PRIORITY_BULK,
    PRIORITY_REPLY,
    Changes,
    InboundMark,
    NewOutbound,
    Participant,
    ParticipantKey,
    Store,
    is_database_error,
)
from storage import Conversation as ConversationState

log = logging.getLogger(__name__)

# Minga's own messages (a facilitator's /launch, a reminder) go at bulk priority with their
# purpose, so WhatsApp can use a template outside the 24-hour window.
_PURPOSES = {"launch": "flow", "remind": "reminder", "checkin": "checkin", "prompt": "broadcast"}


class Dispatcher:
    """Route every inbound message; commit its effects in one transaction."""

    def __init__(
        self,
        store: Store,
        registry: FlowRegistry,
        clock: Clock,
        router: Router,
        *,
        default_locale: str = "es",
        on_commit: Callable[[], None] = lambda: None,
        # Channels that show images (WhatsApp fetches them from minga serve's /media/ URLs).
        image_channels: frozenset[str] = frozenset({"telegram", "whatsapp"}),
        # Channels whose sender may hold messages for a person's next message (the WhatsApp
        # window); elsewhere a commit skips the release statement.
        holding_channels: frozenset[str] = frozenset({"whatsapp"}),
        facilitators: frozenset[ParticipantKey] = frozenset(),
        # Channels that deliver files (/mydata's full record; a facilitator's export).
        document_channels: frozenset[str] = frozenset({"telegram", "console"}),
        # How many messages of one person are handled in a window; None for no limit.
        burst: BurstLimit | None = PERSON_BURST,
        # Forms uploaded to the database (any worker's), compiled into `registry` as they come.
        stored: StoredFlows | None = None,
    ) -> None:
        self.stored = stored
        self.burst = burst
        self.store = store
        self.registry = registry
        self.clock = clock
        self.router = router
        self.default_locale = default_locale
        self.on_commit = on_commit
        self.holding_channels = holding_channels
        self.conversation = Conversation(
            store,
            registry,
            router,
            facilitators=facilitators,
            image_channels=image_channels,
            document_channels=document_channels,
        )
        self.conversation.stored = stored
        self.on_scheduled: Callable[[], None] = lambda: None  # the scheduler's wake

    @property
    def image_channels(self) -> frozenset[str]:
        """Channels that show images (charts go only there)."""
        return self.conversation.image_channels

    @image_channels.setter
    def image_channels(self, channels: frozenset[str]) -> None:
        self.conversation.image_channels = channels

    async def handle(self, inbound: Inbound) -> bool:
        """Handle one message; return False when it was a redelivery and changed nothing."""
        inbound = clean_inbound(inbound)
        key = ParticipantKey(inbound.channel, inbound.address)
        if self.stored is not None:
            await self.stored.refresh()
        async with self.store.conversation(key, inbound.external_id) as session:
            if session.state.seen:
                metrics.REDELIVERED.labels(inbound.channel).inc()
                return False
            await self._load_run_version(session.state)
            began = time.perf_counter()
            work = await self._work_for(session.state, inbound)
            changes = self._finish(work, inbound)
            failpoints.hit("before_commit")
            await session.commit(changes)
            metrics.HANDLING.observe(time.perf_counter() - began)
            metrics.HANDLED.labels(inbound.channel, inbound.kind).inc()
            metrics.count_runs(changes.runs, work.now)
        failpoints.hit("after_commit")
        self.on_commit()
        if changes.scheduled:
            self.on_scheduled()
        return True

    async def _load_run_version(self, state: ConversationState) -> None:
        """Look for a form version another worker stored if this person's run is on it."""
        run = state.active
        if self.stored is None or run is None:
            return
        if not self.registry.has_version(run.flow_id, run.flow_version):
            await self.stored.refresh(force=True)

    async def _work_for(self, state: ConversationState, inbound: Inbound) -> Work:
        """Route the message; a handler's bug leaves an apology and nothing half-done.

        A failing database is raised: nothing is committed and the platform redelivers. Any
        other failure would fail the same way on every redelivery, so the person is answered.
        """
        work = self._begin(state, inbound)
        try:
            if admit(work, inbound.kind, self.burst):
                await self._route(inbound, work)
            return work
        except Exception as exc:
            if is_database_error(exc):
                raise
            # Not the exception's text: it may quote what the person wrote.
            log.error("a %s message of kind %s failed: %s", inbound.channel, inbound.kind,
                      describe(exc))  # fmt: skip
        work = self._begin(state, inbound)
        admit(work, inbound.kind, self.burst)
        work.text(
            work.tr.gettext("Sorry, something went wrong on our side. Please write /menu to go on.")
        )
        return work

    async def _route(self, inbound: Inbound, work: Work) -> None:
        """Hand the message to the first matching handler, then let the settlers finish."""
        call = Call(
            inbound,
            work,
            self.conversation,
            parse_command(inbound.text) if inbound.kind == "text" else None,
            self.conversation.is_facilitator(work.participant),
        )
        if not await self.router.route(call):
            log.warning("no handler took a %s message of kind %s", inbound.channel, inbound.kind)
        for settle in self.router.settlers:
            await settle(call)

    def _begin(self, state: ConversationState, inbound: Inbound) -> Work:
        now = self.clock.now()
        participant = state.participant
        if participant is None:
            participant = Participant(
                id=uuid.uuid4().hex,
                channel=inbound.channel,
                address=inbound.address,
                locale=negotiate(inbound.language_hint, self.default_locale),
                created_at=now,
            )
        if inbound.kind not in SILENT_KINDS:
            participant = participant.with_changes(last_inbound_at=now)
        return Work(state, participant, translator(participant.locale), now)

    def _finish(self, work: Work, inbound: Inbound) -> Changes:
        changes = work.changes
        if inbound.external_id is not None:
            changes.mark = InboundMark(inbound.channel, inbound.external_id, inbound.received_at)
        p = work.participant
        if work.erase:
            changes.erase_participant_id = p.id
        else:
            changes.participant = p
            if work.forget:
                changes.forget_participant_id = p.id
            else:
                changes.runs = list(work.runs.values())
        if work.erase or work.forget:
            changes.answers.clear()
            changes.memberships.clear()
        changes.release_held = (
            p.channel in self.holding_channels
            and inbound.kind not in SILENT_KINDS
            and not work.erase
        )
        purpose = _PURPOSES.get(inbound.kind)
        changes.outbox += [
            NewOutbound(
                p.channel,
                p.address,
                None if work.erase else p.id,
                replace(message, locale=work.tr.locale, purpose=purpose),
                PRIORITY_REPLY if purpose is None and not work.bulk else PRIORITY_BULK,
                dedupe_key=_outbox_key(inbound, p, n),
                erase_after_send=work.erase,
            )
            for n, message in enumerate(work.messages)
        ]
        return changes


def _outbox_key(inbound: Inbound, person: Participant, n: int) -> str | None:
    """Keys for Minga's own messages: one reminder per silence, one message per check-in step."""
    if inbound.kind == "remind":
        since = person.last_inbound_at.isoformat() if person.last_inbound_at else "never"
        return f"remind:{person.id}:{since}:{n}"
    if inbound.kind == "checkin" and inbound.external_id is not None:
        return f"{inbound.external_id}:{n}"  # "checkin:…", which a newer nudge supersedes
    return None
