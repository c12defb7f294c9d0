"""The commands every participant has (/start, /menu, /help, /stop, /mydata, /delete, …).

A mixin of the dispatcher: the commands decide, and the conversation primitives they lean on
(start a flow, prompt, resume, show the menu) stay with the dispatcher that owns the runner.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from bot.conversation.commands import Command
from bot.conversation.work import Work
from bot.followup.progress import CHECKIN, checkin_preset, roadmap_text
from flows.registry import FlowRegistry
from i18n import Translator
from storage import Cohort, Membership, Outbound, Participant, Run, Store

ONBOARDING = "onboarding"
LANGUAGE = "language"
ERASE = "erase"


class ParticipantCommands(ABC):
    """Handle a participant's slash commands (and their plain-word aliases)."""

    store: Store
    registry: FlowRegistry
    document_channels: frozenset[str]

    @abstractmethod
    def _start(
        self,
        flow_id: str,
        work: Work,
        preset: dict[str, Any] | None = None,
        resume: Run | None = None,
    ) -> None:
        """Start a flow, pausing the active run."""

    @abstractmethod
    def _prompt(self, run: Run, work: Work, notice: str | None = None) -> None:
        """Ask a run's current question again."""

    @abstractmethod
    def _resume(self, run: Run, work: Work, notice: str | None = None) -> None:
        """Reactivate a paused run."""

    @abstractmethod
    def _continue(self, work: Work, notice: str) -> None:
        """Show a notice, then whatever the participant was doing."""

    @abstractmethod
    def _show_menu(self, work: Work, notice: str | None = None) -> None:
        """Show the activities menu."""

    @abstractmethod
    def _is_facilitator(self, person: Participant) -> bool:
        """Tell whether this person facilitates."""

    def _is_new(self, work: Work) -> bool:
        return work.state.participant is None

    async def _command(self, command: Command, work: Work) -> None:
        handler = {
            "start": self._cmd_start,
            "menu": self._cmd_menu,
            "help": self._cmd_help,
            "language": self._cmd_language,
            "resume": self._cmd_resume,
            "stop": self._cmd_stop,
            "mydata": self._cmd_mydata,
            "delete": self._cmd_delete,
            "roadmap": self._cmd_roadmap,
            "progress": self._cmd_progress,
            "table": self._cmd_table,
        }.get(command.name)
        if handler is None:
            notice = work.tr.gettext("I do not know the command /{name}.").format(
                name=command.name[:32]
            )
            self._continue(work, f"{notice}\n\n{self._help_text(work)}")
            return
        await handler(command, work)

    async def _cmd_start(self, command: Command, work: Work) -> None:
        p = work.participant
        notices: list[str] = []
        if p.opted_out:
            p = work.participant = p.with_changes(opted_out=False)
            notices.append(work.tr.gettext("You will receive workshop messages again."))
        cohort = None
        if command.argument:
            cohort = await self.store.cohort_by_code(command.argument.split()[0])
            if cohort is None:
                notices.append(
                    work.tr.gettext("I could not find a workshop with the code {code}.").format(
                        code=command.argument.split()[0][:32].upper()
                    )
                )
        preset = {"cohort": cohort_value(cohort)} if cohort else None
        active = work.active()
        if p.consent is not True:
            if p.consent is False:
                work.participant = p.with_changes(consent=None, consent_at=None)
            if active is not None and active.flow_id == ONBOARDING and p.consent is None:
                if preset:
                    active = active.with_changes(
                        data={**active.data, "vars": {**active.data["vars"], **preset}}
                    )
                    work.save(active)
                self._prompt(active, work, "\n\n".join(notices) or None)
            else:
                for line in notices:
                    work.text(line)
                self._start(ONBOARDING, work, preset)
            return
        if cohort is not None:
            work.changes.memberships.append(Membership(p.id, cohort.id, work.now))
            notices.append(
                work.tr.gettext("You joined the workshop “{name}”.").format(name=cohort.name)
            )
            if active is not None and active.flow_id == ONBOARDING:
                active = active.with_changes(
                    data={**active.data, "vars": {**active.data["vars"], **(preset or {})}}
                )
                work.save(active)
        notice = "\n\n".join(notices) or None
        if active is not None:
            self._prompt(active, work, notice)
        elif p.onboarded:
            self._show_menu(work, notice)
        else:
            self._start(ONBOARDING, work, preset)

    async def _cmd_menu(self, command: Command, work: Work) -> None:
        if not work.participant.onboarded:
            self._continue(work, work.tr.gettext("Let's finish getting started first."))
            if work.active() is None:
                self._start(ONBOARDING, work)
            return
        active = work.active()
        if active is not None:
            work.save(active.with_changes(status="paused", updated_at=work.now))
        self._show_menu(work)

    async def _cmd_help(self, command: Command, work: Work) -> None:
        self._continue(work, self._help_text(work))

    def _help_text(self, work: Work) -> str:
        tr = work.tr
        lines = [self._participant_help(tr), tr.gettext("/table N – say which table you sit at")]
        if self._is_facilitator(work.participant):
            lines.append(
                tr.gettext(
                    "For facilitators: /broadcast, /launch, /results, /status, /export, "
                    "/voting, /phase, /invite — each followed by the workshop code."
                )
            )
        return "\n".join(lines)

    def _participant_help(self, tr: Translator) -> str:
        return tr.gettext(
            "Commands you can use at any time:\n"
            "/menu – see the activities\n"
            "/resume – continue where you left off\n"
            "/language – change the language\n"
            "/mydata – see what we store about you\n"
            "/delete – delete your data\n"
            "/roadmap – see your action plan\n"
            "/progress – report how one of your actions is going\n"
            "/stop – stop receiving workshop messages\n"
            "/start – start again or join a workshop with its code\n"
            "Write “back” to return to the previous question."
        )

    async def _cmd_language(self, command: Command, work: Work) -> None:
        self._start(LANGUAGE, work, resume=work.active())

    async def _cmd_resume(self, command: Command, work: Work) -> None:
        active = work.active()
        if active is not None:
            self._prompt(active, work)
            return
        paused = work.paused()
        if paused:
            self._resume(paused[0], work)
        elif work.participant.onboarded:
            self._show_menu(work, work.tr.gettext("There is nothing to continue right now."))
        else:
            self._start(ONBOARDING, work)

    async def _cmd_stop(self, command: Command, work: Work) -> None:
        work.participant = work.participant.with_changes(opted_out=True)
        work.text(
            work.tr.gettext(
                "Done: you will not receive workshop messages or check-ins any more. You can still "
                "write to me whenever you like, and /start turns them back on."
            )
        )

    async def _cmd_mydata(self, command: Command, work: Work) -> None:
        from bot.participants.mydata import describe  # only this rare command needs the report

        if self._is_new(work):
            work.text(work.tr.gettext("I have no data about you."))
            return
        record = await self.store.participant_record(work.participant.id)
        cohorts = {
            m.cohort_id: await self.store.cohort_by_id(m.cohort_id) for m in record["memberships"]
        }
        everything = describe(work.participant, record, cohorts, self.registry, work.tr, None)
        if work.participant.channel not in self.document_channels:
            work.text(everything)  # every answer: the channel splits a long text as it must
        else:
            work.text(describe(work.participant, record, cohorts, self.registry, work.tr))
            work.say(
                Outbound(
                    work.tr.gettext("Everything, in one document you can keep."),
                    document=everything.encode("utf-8"),
                    document_name="minga-mydata.txt",
                )
            )
        if (active := work.active()) is not None:
            self._prompt(active, work)

    async def _cmd_table(self, command: Command, work: Work) -> None:
        """Pick one's table (group) in the latest workshop joined: /table 4."""
        memberships = (
            [] if self._is_new(work) else await self.store.memberships(work.participant.id)
        )
        number = command.argument.strip()
        if not memberships:
            notice = work.tr.gettext("Join a workshop first: /start followed by its code.")
        elif not number.isdecimal() or not 1 <= int(number) <= 999:
            notice = work.tr.gettext("Write your table number after the command, like /table 4.")
        else:
            latest = memberships[-1]
            work.changes.memberships.append(
                Membership(work.participant.id, latest.cohort_id, latest.joined_at, int(number))
            )
            notice = work.tr.gettext("You are at table {n}.").format(n=int(number))
        self._continue(work, notice)

    async def _cmd_roadmap(self, command: Command, work: Work) -> None:
        actions = [] if self._is_new(work) else await self.store.actions(work.participant.id)
        if not actions:
            notice = _no_plan_yet(work.tr)
        else:
            notice = "\n\n".join(
                [work.tr.gettext("Your action plan:"), roadmap_text(actions, work.tr)]
            )
        self._continue(work, notice)

    async def _cmd_progress(self, command: Command, work: Work) -> None:
        """Report on one action outside the schedule."""
        actions = [] if self._is_new(work) else await self.store.actions(work.participant.id)
        if not actions:
            self._continue(work, _no_plan_yet(work.tr))
            return
        self._start(CHECKIN, work, checkin_preset(actions, "one"), resume=work.active())

    async def _cmd_delete(self, command: Command, work: Work) -> None:
        if self._is_new(work):
            work.text(work.tr.gettext("I have no data about you."))
            return
        self._start(ERASE, work, resume=work.active())


def _no_plan_yet(tr: Translator) -> str:
    return tr.gettext(
        "You have no action plan yet. Choose “My action plan” in the /menu to build one."
    )


def cohort_value(cohort: Cohort) -> dict[str, str]:
    """Return a workshop as the onboarding flow's `cohort` variable holds it."""
    return {"id": cohort.id, "code": cohort.code, "name": cohort.name}
