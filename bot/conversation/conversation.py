"""The conversation's primitives every handler leans on: start, prompt, resume, the menu.

The runner is pure; this folds its turns into the message's `Work` — run states, answers,
replies, profile changes — and hands each step's `action:` and each finished flow to the
feature that registered for it (see `Router`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.conversation.limits import guesses_left, guesses_spent, wrong_guess
from bot.conversation.router import Router
from bot.conversation.work import Work
from flows.menu import Menu
from flows.model import Flow
from flows.registry import FlowRegistry
from flows.runner import FlowRunner
from flows.stored import StoredFlows
from flows.turn import ActionRequested, Context, ProfileSet, Turn
from i18n import translator
from storage import Cohort, Membership, Participant, ParticipantKey, Run, Store

if TYPE_CHECKING:
    from bot.conversation.call import Call

log = logging.getLogger(__name__)

ONBOARDING = "onboarding"


class StoreDirectory:
    """The runner's lookups for one message, answered by the store.

    Workshop codes are guessed against a per-person hourly allowance (`limits`): once it is
    spent, no code is looked up and the person is told why.
    """

    def __init__(self, store: Store, work: Work) -> None:
        self.store = store
        self.work = work

    async def cohort_by_code(self, code: str) -> Cohort | None:
        """Find a workshop by code, counting a wrong one against the person's allowance."""
        if not guesses_left(self.work):
            if not self.work.notes.get("told_guesses"):
                self.work.notes["told_guesses"] = True
                self.work.text(guesses_spent(self.work.tr))
            return None
        cohort = await self.store.cohort_by_code(code)
        if cohort is None:
            wrong_guess(self.work)
        return cohort


class Conversation:
    """Start, prompt and resume runs; show the menu; apply what a runner turn asks."""

    def __init__(
        self,
        store: Store,
        registry: FlowRegistry,
        router: Router,
        *,
        facilitators: frozenset[ParticipantKey],
        image_channels: frozenset[str],
        document_channels: frozenset[str],
    ) -> None:
        self.store = store
        self.registry = registry
        self.router = router
        self.facilitators = facilitators
        self.image_channels = image_channels
        self.document_channels = document_channels
        self.runner = FlowRunner(registry)
        self.menu = Menu(registry)
        self.stored: StoredFlows | None = None  # the dispatcher's, when forms are stored

    async def knows(self, flow_id: str) -> bool:
        """Tell whether a flow is loaded, looking for one just uploaded by another worker."""
        if flow_id not in self.registry and self.stored is not None:
            await self.stored.refresh(force=True)
        return flow_id in self.registry

    def is_facilitator(self, person: Participant) -> bool:
        """Tell whether this person facilitates (listed in the settings, or invited)."""
        return person.facilitator or self.facilitates_all(person)

    def facilitates_all(self, person: Participant) -> bool:
        """Tell whether this person is listed in MINGA_FACILITATORS (every workshop is theirs).

        One who joined by invite acts only on the workshops they were invited to.
        """
        # Most people are not, and most installs list few: skip building the key for them.
        return bool(self.facilitators) and person.key in self.facilitators

    def context(self, work: Work) -> Context:
        """Return what the runner needs to know about this message."""
        return Context(work.participant, work.tr, work.now, StoreDirectory(self.store, work))

    # -- runs -----------------------------------------------------------------------------------

    def start(
        self,
        flow_id: str,
        work: Work,
        preset: dict[str, Any] | None = None,
        resume: Run | None = None,
    ) -> None:
        """Start a flow, pausing the active run; `resume` is reactivated when it ends."""
        active = work.active()
        if active is not None:
            work.save(active.with_changes(status="paused", updated_at=work.now))
        stale = [r for r in work.paused() if r.flow_id == flow_id]
        for run in stale:  # one open run per flow: the new one replaces a paused one
            work.save(run.with_changes(status="cancelled", updated_at=work.now))
        turn = self.runner.start(flow_id, self.context(work), preset)
        if resume is not None and turn.run is not None:
            turn.run = turn.run.with_changes(data={**turn.run.data, "resume": resume.id})
        self.apply(turn, work)

    def prompt(self, run: Run, work: Work, notice: str | None = None) -> None:
        """Ask a run's current question again, after an optional notice."""
        self.apply(self.runner.prompt(run, self.context(work), notice), work)

    async def answer(self, run: Run, work: Work, text: str | None, choice: str | None) -> None:
        """Take a reply to the run's current question."""
        self.apply(await self.runner.answer(run, self.context(work), text, choice), work)

    def resume(self, run: Run, work: Work, notice: str | None = None) -> None:
        """Make a paused run the active one and ask its question."""
        active = work.active()
        if active is not None and active.id != run.id:
            work.save(active.with_changes(status="paused", updated_at=work.now))
        run = run.with_changes(status="active", updated_at=work.now)
        work.save(run)
        self.prompt(run, work, notice)

    def carry_on(self, work: Work, notice: str) -> None:
        """Show a notice, then whatever the participant was doing (question or menu)."""
        active = work.active()
        if active is not None:
            self.prompt(active, work, notice)
        elif work.participant.onboarded:
            self.show_menu(work, notice)
        else:
            work.text(notice)

    def show_menu(self, work: Work, notice: str | None = None) -> None:
        """Show the activities menu, after an optional notice."""
        work.say(self.menu.render(work.tr, work.paused(), notice))

    def go_on(self, finished: Run, work: Work) -> None:
        """After a flow: back to what it interrupted, else the menu."""
        resume_id = finished.data.get("resume")
        waiting = next((r for r in work.paused() if r.id == resume_id), None)
        if waiting is not None:
            self.resume(waiting, work)
        elif work.participant.onboarded:
            self.show_menu(work)

    async def open_flow(self, call: Call, flow: Flow) -> None:
        """Start or continue a flow picked from the menu; its kind's opener may decide."""
        opener = self.router.openers.get(flow.kind)
        if opener is not None:
            await opener(call, flow)  # what it asks depends on something else (the round)
            return
        work = call.work
        waiting = next((r for r in work.paused() if r.flow_id == flow.id), None)
        if waiting is not None:
            self.resume(waiting, work)
        else:
            self.start(flow.id, work)

    # -- turns ----------------------------------------------------------------------------------

    def apply(self, turn: Turn, work: Work) -> None:
        """Fold a runner turn into the work: events, run state, answers and replies."""
        for event in turn.events:
            if isinstance(event, ProfileSet):
                self._set_profile(event, work)
            elif isinstance(event, ActionRequested):
                self._act(event, work)
        work.tr = turn.tr
        work.changes.answers.extend(turn.answers)
        for message in turn.messages():
            work.say(message)
        if turn.run is not None:
            work.save(turn.run)
        if turn.finished and turn.run is not None:
            self._after(turn.run, work)

    def _act(self, event: ActionRequested, work: Work) -> None:
        handler = self.router.actions.get(event.name)
        if handler is None:
            log.warning("no handler for the flow action %r", event.name)
            return
        handler(event, work)

    def _after(self, finished: Run, work: Work) -> None:
        if work.erase or work.forget:
            return
        compiled = self.registry.for_run(finished.flow_id, finished.flow_version)
        finisher = self.router.finishers.get(compiled.flow.kind) if compiled else None
        if finisher is not None:
            finisher(self, work, finished)
        else:
            self.go_on(finished, work)

    def _set_profile(self, event: ProfileSet, work: Work) -> None:
        p = work.participant
        value = event.value
        if event.field == "consent":
            # The opt-in WhatsApp asks us to keep: who, when, and to which wording.
            wording = f"{ONBOARDING}@{self.registry.get(ONBOARDING).flow.version}#consent"
            p = p.with_changes(
                consent=bool(value),
                consent_at=work.now,
                consent_wording=f"{wording}:{p.locale}" if value else None,
            )
            work.forget = value is False
        elif event.field == "cohort":
            if isinstance(value, dict):
                work.changes.memberships.append(Membership(p.id, value["id"], work.now))
        elif event.field == "table":
            work.table_no = int(value) if isinstance(value, int | float) else None
        elif event.field == "locale":
            p = p.with_changes(locale=value)
            work.tr = translator(value)
        else:
            p = p.with_changes(**{event.field: value})
        work.participant = p
