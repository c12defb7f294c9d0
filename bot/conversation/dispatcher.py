"""The dispatcher: the one entry point every channel feeds.

Per message it takes the participant's lock, reads their state, drops a redelivery, handles
global commands or hands the reply to the flow runner, and commits everything the message changed
— dedupe mark, profile, runs, answers and replies — in one transaction.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.conversation.commands import parse_command
from bot.conversation.inbound import SILENT_KINDS, Inbound
from bot.conversation.work import Work
from bot.facilitation.desk import ACCEPT as FACILITATOR_ACCEPT
from bot.facilitation.desk import COMMANDS as FACILITATOR_COMMANDS
from bot.facilitation.desk import DECLINE as FACILITATOR_DECLINE
from bot.facilitation.desk import FacilitatorDesk
from bot.followup.progress import (
    CHECKIN,
    checkin_preset,
    nudge_text,
    nudged,
    record_checkin,
    started,
)
from bot.participants.commands import ONBOARDING, ParticipantCommands
from bot.plumbing import failpoints, metrics
from bot.plumbing.clock import Clock
from bot.results.assessment import assessment_results, round_results
from bot.rounds.round import record_round, standing
from flows.menu import Menu
from flows.prioritization import PHASES, visible
from flows.registry import FlowRegistry
from flows.runner import ActionRequested, Context, FlowRunner, FlowRuntimeError, ProfileSet, Turn
from i18n import negotiate, translator
from storage import (
    PRIORITY_BULK,
    PRIORITY_REPLY,
    Changes,
    Cohort,
    Conversation,
    InboundMark,
    Membership,
    NewOutbound,
    Participant,
    ParticipantKey,
    PlanAction,
    Run,
    Store,
)

log = logging.getLogger(__name__)

MAX_BARRIERS = 3


class StoreDirectory:
    """The runner's read-only lookups, answered by the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def cohort_by_code(self, code: str) -> Cohort | None:
        """Find a workshop by code."""
        return await self.store.cohort_by_code(code)


class Dispatcher(ParticipantCommands):
    """Route every inbound message; commit its effects in one transaction."""

    def __init__(
        self,
        store: Store,
        registry: FlowRegistry,
        clock: Clock,
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
    ) -> None:
        self.store = store
        self.registry = registry
        self.clock = clock
        self.default_locale = default_locale
        self.runner = FlowRunner(registry)
        self.menu = Menu(registry)
        self.directory = StoreDirectory(store)
        self.on_commit = on_commit
        self.image_channels = image_channels
        self.holding_channels = holding_channels
        self.facilitators = facilitators
        self.document_channels = document_channels
        self.desk = FacilitatorDesk(store, registry)
        self.on_scheduled: Callable[[], None] = lambda: None  # the scheduler's wake

    async def handle(self, inbound: Inbound) -> bool:
        """Handle one message; return False when it was a redelivery and changed nothing."""
        key = ParticipantKey(inbound.channel, inbound.address)
        async with self.store.conversation(key, inbound.external_id) as session:
            if session.state.seen:
                metrics.REDELIVERED.labels(inbound.channel).inc()
                return False
            began = time.perf_counter()
            work = self._begin(session.state, inbound)
            try:
                await self._route(inbound, work)
                await self._settle(work)
            except FlowRuntimeError:
                log.exception("flow error for a %s participant", inbound.channel)
                work.messages.clear()
                work.text(
                    work.tr.gettext(
                        "Sorry, something went wrong on our side. Please write /menu to go on."
                    )
                )
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

    # -- framing --------------------------------------------------------------------------------

    def _begin(self, state: Conversation, inbound: Inbound) -> Work:
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
        # Minga's own messages (a facilitator's /launch, a reminder) go at bulk priority with
        # their purpose, so WhatsApp can use a template outside the 24-hour window.
        purpose = {"launch": "flow", "remind": "reminder", "checkin": "checkin"}.get(inbound.kind)
        changes.outbox += [
            NewOutbound(
                p.channel,
                p.address,
                None if work.erase else p.id,
                replace(message, locale=work.tr.locale, purpose=purpose),
                PRIORITY_REPLY if purpose is None else PRIORITY_BULK,
                dedupe_key=_outbox_key(inbound, p, n),
                erase_after_send=work.erase,
            )
            for n, message in enumerate(work.messages)
        ]
        return changes

    def _context(self, work: Work) -> Context:
        return Context(work.participant, work.tr, work.now, self.directory)

    # -- routing --------------------------------------------------------------------------------

    async def _route(self, inbound: Inbound, work: Work) -> None:
        command = parse_command(inbound.text) if inbound.kind == "text" else None
        facilitator = self._is_facilitator(work.participant)
        if command is not None and command.name in FACILITATOR_COMMANDS:
            if facilitator:
                await self.desk.command(command, work)
            else:
                self._continue(
                    work,
                    work.tr.gettext(
                        "That command is for the workshop's facilitators, so nothing was done."
                    ),
                )
        elif command is not None and command.name == "facilitate":
            await self.desk.facilitate(command.argument, work)
        elif command is not None:
            await self._command(command, work)
        elif inbound.choice is not None and inbound.choice.startswith(FACILITATOR_ACCEPT):
            await self.desk.accept(inbound.choice.removeprefix(FACILITATOR_ACCEPT), work)
        elif inbound.choice == FACILITATOR_DECLINE:
            self._continue(work, work.tr.gettext("All right: nothing changed."))
        elif (
            facilitator
            and inbound.kind in ("text", "choice", "media")  # what they sent, not our own starts
            and (draft := await self.store.broadcast_draft(work.participant.id))
        ):
            await self.desk.draft_answer(draft, inbound.text, inbound.choice, work)
        elif inbound.kind == "launch":
            flow_id = inbound.choice
            if (
                work.participant.open_to_messages
                and flow_id is not None
                and flow_id in self.registry
            ):
                self._start(flow_id, work)
        elif inbound.kind == "checkin":
            await self._checkin_due(str(inbound.choice), work)
        elif inbound.kind == "expire":
            work.erase = work.state.participant is not None  # silently: nothing is sent
        elif inbound.kind == "resume":
            pass  # a template's "continue": what was held for them goes out, nothing else
        elif inbound.kind == "remind":
            self._remind(work)
        elif inbound.kind == "media":
            self._media(work)
        elif inbound.kind == "open":
            self._greet(work)
        elif work.participant.consent is False:
            work.text(
                work.tr.gettext(
                    "You chose not to take part, so I am not storing anything. If you change your "
                    "mind, write /start."
                )
            )
        elif (active := work.active()) is not None:
            turn = await self.runner.answer(
                active, self._context(work), inbound.text, inbound.choice
            )
            self._apply(turn, work)
        elif not work.participant.onboarded:
            self._start(ONBOARDING, work)
        else:
            await self._menu_choice(inbound, work)

    def _is_facilitator(self, person: Participant) -> bool:
        return person.key in self.facilitators or person.facilitator

    def _greet(self, work: Work) -> None:
        p = work.participant
        if self._is_new(work):
            self._start(ONBOARDING, work)
        elif p.consent is False:
            work.text(
                work.tr.gettext(
                    "Hello again. You chose not to take part; write /start if you changed "
                    "your mind."
                )
            )
        elif (active := work.active()) is not None:
            welcome = work.tr.gettext("Welcome back, {name}! Let's continue where you left off.")
            self._prompt(active, work, welcome.format(name=p.name or ""))
        elif p.onboarded:
            self._show_menu(work, work.tr.gettext("Welcome back, {name}!").format(name=p.name))
        else:
            self._start(ONBOARDING, work)

    def _remind(self, work: Work) -> None:
        active = work.active()
        if active is None or work.participant.opted_out:
            return
        notice = work.tr.gettext(
            "{name}, you left an activity half-way. To go on, just answer the question below."
        ).format(name=work.participant.name or "")
        self._prompt(active, work, notice.strip(", "))

    async def _checkin_due(self, checkin_id: str, work: Work) -> None:
        """Take a check-in's next step: start it, nudge, or give up; commit its new state."""
        checkin = await self.store.checkin(checkin_id)
        person = work.participant
        if checkin is None or checkin.next_at is None or checkin.participant_id != person.id:
            return  # settled meanwhile (answered, replanned, erased)
        if not person.open_to_messages or self._is_facilitator(person):
            # Opted out or unreachable; or runs the workshop and has no roadmap to report.
            new = checkin.with_changes(status="skipped", next_at=None)
        elif checkin.status == "planned":
            actions = await self.store.actions(person.id)
            self._start(CHECKIN, work, checkin_preset(actions, "all", checkin.id), work.active())
            run = work.active()
            new = started(checkin, run.id if run is not None else None, work.now)
        else:
            run = next(
                (r for r in (work.active(), *work.paused()) if r and r.id == checkin.run_id), None
            )
            if checkin.nudges >= 2 or run is None:
                new = checkin.with_changes(status="unanswered", next_at=None)
            else:
                # The pending question again; held copies of earlier steps are dropped.
                work.changes.drop_held = True
                self._resume(run, work, nudge_text(checkin.nudges, person.name, work.tr))
                new = nudged(checkin, work.now)
        work.changes.checkins.append(new)

    def _media(self, work: Work) -> None:
        notice = work.tr.gettext(
            "I can only read text. Please answer by writing, or with the buttons."
        )
        self._continue(work, notice)

    async def _menu_choice(self, inbound: Inbound, work: Work) -> None:
        flow = self.menu.pick(work.tr, inbound.text, inbound.choice, work.paused())
        if flow is None:
            notice = work.tr.gettext("I did not understand that. Please choose from the menu.")
            if inbound.choice is not None:
                notice = work.tr.gettext("That menu has changed. Here is the current one.")
            self._show_menu(work, notice)
            return
        waiting = next((r for r in work.paused() if r.flow_id == flow.id), None)
        if flow.kind == "prioritization":
            await self._start_round(flow.id, work)  # what it asks depends on the phase now
        elif waiting is not None:
            self._resume(waiting, work)
        else:
            self._start(flow.id, work)

    async def _start_round(self, flow_id: str, work: Work) -> None:
        memberships = await self.store.memberships(work.participant.id)
        if not memberships:
            self._show_menu(
                work,
                work.tr.gettext(
                    "This activity belongs to a workshop. Join yours first with /start and its "
                    "code."
                ),
            )
            return
        membership = memberships[-1]
        cohort_id = membership.cohort_id
        phase = await self.store.round_phase(cohort_id) or PHASES[0]
        preset: dict[str, Any] = {"phase": phase, "cohort_id": cohort_id}
        if membership.table_no is not None:
            preset["table"] = membership.table_no
        if phase == PHASES[0]:
            mine = [
                c
                for c in await self.store.challenges(cohort_id)
                if c.participant_id == work.participant.id
            ]
            left = MAX_BARRIERS - len(mine)
            if left <= 0:
                self._show_menu(
                    work,
                    work.tr.gettext("You have already shared three barriers. The vote opens soon."),
                )
                return
            # Prefilled "no more" answers stop the flow once they reach three in all.
            if left == 1:
                preset["last_barrier_1"] = False
            if left == 2:
                preset["last_barrier_2"] = False
        if phase in ("voting", "discussing"):
            now = await standing(self.store, cohort_id)
            shown = visible(now.challenges)
            ranked = [r.challenge for r in now.ranking]
            preset["challenges"] = [{"id": c.id, "text": c.text} for c in shown]
            preset["top"] = [{"id": c.id, "text": c.text} for c in ranked[:5]]
            if len(shown) < 2:
                preset["no_second"] = ""
            if len(shown) < 3:
                preset["no_third"] = ""
            if not shown:
                self._show_menu(work, work.tr.gettext("There are no barriers to vote on yet."))
                return
        self._start(flow_id, work, preset)

    # -- runs -----------------------------------------------------------------------------------

    def _start(
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
        turn = self.runner.start(flow_id, self._context(work), preset)
        if resume is not None and turn.run is not None:
            turn.run = turn.run.with_changes(data={**turn.run.data, "resume": resume.id})
        self._apply(turn, work)

    def _prompt(self, run: Run, work: Work, notice: str | None = None) -> None:
        self._apply(self.runner.prompt(run, self._context(work), notice), work)

    def _resume(self, run: Run, work: Work, notice: str | None = None) -> None:
        active = work.active()
        if active is not None and active.id != run.id:
            work.save(active.with_changes(status="paused", updated_at=work.now))
        run = run.with_changes(status="active", updated_at=work.now)
        work.save(run)
        self._prompt(run, work, notice)

    def _continue(self, work: Work, notice: str) -> None:
        """Show a notice, then whatever the participant was doing (question or menu)."""
        active = work.active()
        if active is not None:
            self._prompt(active, work, notice)
        elif work.participant.onboarded:
            self._show_menu(work, notice)
        else:
            work.text(notice)

    def _show_menu(self, work: Work, notice: str | None = None) -> None:
        work.say(self.menu.render(work.tr, work.paused(), notice))

    def _apply(self, turn: Turn, work: Work) -> None:
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

    def _after(self, finished: Run, work: Work) -> None:
        if work.erase or work.forget:
            return
        compiled = self.registry.for_run(finished.flow_id, finished.flow_version)
        if compiled is not None and compiled.flow.kind == "assessment":
            # Results need the store; they are written, then the menu shown, in `_settle`.
            work.scored.append(finished)
            work.menu_after = True
            return
        if compiled is not None and compiled.flow.kind == CHECKIN:
            work.checkin_done = finished  # recorded and summarized in `_settle`, then go on
            return
        self._go_on(finished, work)

    def _go_on(self, finished: Run, work: Work) -> None:
        """After a flow: back to what it interrupted, else the menu."""
        resume_id = finished.data.get("resume")
        waiting = next((r for r in work.paused() if r.id == resume_id), None)
        if waiting is not None:
            self._resume(waiting, work)
        elif work.participant.onboarded:
            self._show_menu(work)

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

    def _act(self, event: ActionRequested, work: Work) -> None:
        if event.name == "finish_onboarding":
            work.participant = work.participant.with_changes(onboarded=True)
        elif event.name == "erase":
            work.erase = True
        elif event.name in ("submit_challenges", "cast_vote", "propose_solution"):
            record_round(event, work)
        elif event.name == "finish_checkin":
            work.checkin_report = event.payload
        elif event.name == "show_ranking":
            work.ranking_for = str(event.payload["vars"].get("cohort_id"))
        elif event.name == "commit_plan":
            run_id = str(event.payload["run_id"])
            for position, item in enumerate(event.payload["vars"].get("actions", [])):
                # The id is stable per run and position, so editing and confirming again
                # updates the same records (and keeps the status check-ins gave them).
                work.changes.actions.append(
                    PlanAction(
                        id=f"{run_id}-{position}",
                        participant_id=work.participant.id,
                        run_id=run_id,
                        position=position,
                        title=str(item["title"]),
                        sdg=int(item["sdg"]),
                        office=str(item["office"]),
                        first_step=str(item["first_step"]),
                        target_month=str(item["target"]),
                        indicator=str(item["indicator"]),
                        created_at=work.now,
                        updated_at=work.now,
                    )
                )

    async def _settle(self, work: Work) -> None:
        """Finish what needs the store: results, rankings, the table, then the menu."""
        if work.ranking_for is not None:
            await round_results(self.store, work.ranking_for, work, self.image_channels)
        if work.checkin_done is not None and work.checkin_report is not None:
            await record_checkin(self.store, work.checkin_report, work)
            self._go_on(work.checkin_done, work)
        if not (work.scored or work.table_no is not None):
            return
        memberships = await self.store.memberships(work.participant.id)
        latest = memberships[-1] if memberships else None
        for run in work.scored:
            await assessment_results(
                self.store,
                self.registry,
                run,
                latest.cohort_id if latest else None,
                work,
                self.image_channels,
            )
        if work.table_no is not None and latest is not None:
            work.changes.memberships.append(
                Membership(latest.participant_id, latest.cohort_id, latest.joined_at, work.table_no)
            )
        if work.menu_after and work.active() is None:
            self._show_menu(work)


def _outbox_key(inbound: Inbound, person: Participant, n: int) -> str | None:
    """Keys for Minga's own messages: one reminder per silence, one message per check-in step."""
    if inbound.kind == "remind":
        since = person.last_inbound_at.isoformat() if person.last_inbound_at else "never"
        return f"remind:{person.id}:{since}:{n}"
    if inbound.kind == "checkin" and inbound.external_id is not None:
        return f"{inbound.external_id}:{n}"  # "checkin:…", which a newer nudge supersedes
    return None
