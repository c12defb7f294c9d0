"""Facilitator commands in the chat: broadcasts, launching flows, results, status, the round.

Only addresses in MINGA_FACILITATORS (and `minga chat --facilitator`) may use them; the
dispatcher refuses everyone else before anything here runs. Every action is written to the
audit log in the same transaction as its effect.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from bot.conversation.commands import Command
from bot.conversation.work import Work
from bot.drawing.charts import recipe
from bot.facilitation.export import export_cohort
from bot.followup.report import cohort_report, report_chart, report_text
from bot.rounds.round import RoundError, move_phase, standing
from flows.prioritization import render_ranking
from flows.questions import yes_or_no
from flows.registry import FlowRegistry
from flows.scoring import MIN_GROUP_SIZE, Scores, cohort_average
from i18n import fold
from storage import (
    PRIORITY_BULK,
    AuditEntry,
    Broadcast,
    Choice,
    Cohort,
    Invite,
    Membership,
    NewOutbound,
    Outbound,
    Participant,
    Scheduled,
    Store,
)

COMMANDS = frozenset(
    {"broadcast", "cancel", "launch", "results", "status", "voting", "phase", "export", "invite"}
)
ACCEPT = "fac.yes:"  # + the invite code, on the button that confirms becoming a facilitator
DECLINE = "fac.no"
_INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing to misread (0/O, 1/I)
YES, NO = "bc.yes", "bc.no"
MAX_BROADCAST = 1000
_DURATION = re.compile(r"^(\d{1,3})\s*(h|hr|hrs|hora|horas|hour|hours|m|min|mins|minutos?)$")
_TABLE = {"table", "mesa"}
_COUNTRY = {"country", "pais"}
_PENDING = {"pending", "pendiente", "pendente"}
_OVER = {"over", "durante"}


@dataclass(frozen=True, slots=True)
class Request:
    """A facilitator command's cohort and the rest of its words."""

    cohort: Cohort | None
    words: list[str]


def audience_label(audience: dict[str, Any], work: Work) -> str:
    """Describe who a broadcast goes to, in the facilitator's language."""
    tr = work.tr
    if "table" in audience:
        return tr.gettext("table {n}").format(n=audience["table"])
    if "country" in audience:
        return tr.gettext("from {country}").format(country=audience["country"])
    if "pending" in audience:
        return tr.gettext("who have not finished {flow}").format(flow=audience["pending"])
    return tr.gettext("everyone")


def matches(
    audience: dict[str, Any], person: Participant, table: int | None, done: set[str]
) -> bool:
    """Tell whether a member falls in a broadcast's audience."""
    if "table" in audience and table != audience["table"]:
        return False
    if "country" in audience and fold(person.country or "") != fold(audience["country"]):
        return False
    return not ("pending" in audience and person.id in done)


class FacilitatorDesk:
    """Carry out facilitator commands for the dispatcher."""

    def __init__(
        self,
        store: Store,
        registry: FlowRegistry,
        document_channels: frozenset[str] = frozenset({"telegram", "console"}),
    ) -> None:
        self.store = store
        self.registry = registry
        self.document_channels = document_channels

    # -- entry points -------------------------------------------------------------------------

    async def command(self, command: Command, work: Work) -> None:
        """Run one facilitator command."""
        request = await self._request(command.argument, work)
        handler = {
            "broadcast": self._broadcast,
            "cancel": self._cancel,
            "launch": self._launch,
            "results": self._results,
            "status": self._status,
            "voting": self._voting,
            "phase": self._phase,
            "export": self._export,
            "invite": self._invite,
        }[command.name]
        await handler(request, work)

    async def draft_answer(
        self, draft: Broadcast, text: str | None, choice: str | None, work: Work
    ) -> None:
        """Take the facilitator's next message while a broadcast is being written."""
        if draft.status == "draft":
            body = (text or "").strip()
            if not body or len(body) > MAX_BROADCAST:
                work.text(
                    work.tr.gettext(
                        "Please write the message as text, up to {n} characters, or /cancel."
                    ).format(n=MAX_BROADCAST)
                )
                return
            count = len(await self._recipients(draft))
            work.changes.broadcasts.append(draft.with_changes(text=body, status="confirm"))
            question = work.tr.ngettext(
                "Send this to {n} participant?", "Send this to {n} participants?", count
            ).format(n=count)
            yes, no = work.tr.gettext("Yes, send it"), work.tr.gettext("No, cancel")
            work.say(Outbound(f"{question}\n\n{body}", (Choice(YES, yes), Choice(NO, no))))
            return
        answer = {YES: True, NO: False}.get(choice or "", yes_or_no(text or "", work.tr))
        if answer is True:
            await self._queue(draft, work)
        elif answer is False:
            work.changes.broadcasts.append(draft.with_changes(status="cancelled"))
            work.text(work.tr.gettext("Cancelled: nothing was sent."))
        else:
            work.text(work.tr.gettext("Please answer yes to send the message, or no to cancel it."))

    # -- commands -----------------------------------------------------------------------------

    async def _broadcast(self, request: Request, work: Work) -> None:
        cohort = request.cohort
        if cohort is None:
            self._need_code(work, "broadcast")
            return
        audience, spread = self._parse_audience(request.words)
        if audience is None:
            work.text(
                work.tr.gettext(
                    "I did not understand who should get it. Examples: /broadcast {code}, "
                    "/broadcast {code} table 3, /broadcast {code} country Perú, "
                    "/broadcast {code} pending principles, and add “over 2h” to spread it."
                ).format(code=cohort.code)
            )
            return
        draft = Broadcast(
            uuid.uuid4().hex,
            cohort.id,
            work.participant.id,
            audience,
            "draft",
            work.now,
            spread_seconds=spread,
        )
        count = len(await self._recipients(draft))
        work.changes.broadcasts.append(draft)
        work.text(
            work.tr.ngettext(
                "Write the message for {n} participant of “{workshop}” ({who}). /cancel stops.",
                "Write the message for {n} participants of “{workshop}” ({who}). /cancel stops.",
                count,
            ).format(n=count, workshop=cohort.name, who=audience_label(audience, work))
        )

    async def _cancel(self, request: Request, work: Work) -> None:
        draft = await self.store.broadcast_draft(work.participant.id)
        if draft is None:
            work.text(work.tr.gettext("There is nothing to cancel."))
            return
        work.changes.broadcasts.append(draft.with_changes(status="cancelled"))
        work.text(work.tr.gettext("Cancelled: nothing was sent."))

    async def _queue(self, draft: Broadcast, work: Work) -> None:
        """Resolve the audience now and queue one keyed outbox row per recipient."""
        members = await self._recipients(draft)
        reachable = [p for p in members if p.open_to_messages]
        skipped = len(members) - len(reachable)
        step = draft.spread_seconds / max(1, len(reachable))
        work.changes.outbox.extend(
            NewOutbound(
                p.channel,
                p.address,
                p.id,
                Outbound(draft.text or "", purpose="broadcast", locale=p.locale),
                PRIORITY_BULK,
                dedupe_key=f"broadcast:{draft.id}:{p.id}",
                not_before=work.now + timedelta(seconds=n * step) if step else None,
            )
            for n, p in enumerate(reachable)
        )
        work.changes.broadcasts.append(
            draft.with_changes(
                status="queued",
                recipients=len(reachable),
                skipped=skipped,
                confirmed_at=work.now,
            )
        )
        self._audit(work, "broadcast", broadcast=draft.id, recipients=len(reachable))
        done = work.tr.ngettext(
            "Queued for {n} participant.", "Queued for {n} participants.", len(reachable)
        ).format(n=len(reachable))
        if skipped:
            done += " " + work.tr.ngettext(
                "{n} skipped (opted out or unreachable).",
                "{n} skipped (opted out or unreachable).",
                skipped,
            ).format(n=skipped)
        progress = work.tr.gettext("/status shows the progress.")
        work.text(f"{done} {progress}")

    async def _launch(self, request: Request, work: Work) -> None:
        flow_id = request.words[0] if request.words else ""
        if flow_id not in self.registry or request.cohort is None:
            self._usage(work, "/launch FLOW CODE")
            return
        members = [p for p, _ in await self.store.audience(request.cohort.id) if p.open_to_messages]
        self._audit(work, "launch", flow=flow_id, cohort=request.cohort.code, members=len(members))
        # Durable: one scheduled start per member, committed with this command; the scheduler
        # starts each under the member's own lock, once, even across a crash.
        launch = uuid.uuid4().hex
        work.changes.scheduled.extend(
            Scheduled(p.id, flow_id, "flow", work.now, dedupe_key=f"launch:{launch}:{p.id}")
            for p in members
        )
        title = work.tr.gettext(self.registry.get(flow_id).flow.title)
        work.text(
            work.tr.ngettext(
                "Starting “{flow}” for {n} participant.",
                "Starting “{flow}” for {n} participants.",
                len(members),
            ).format(flow=title, n=len(members))
        )

    async def _results(self, request: Request, work: Work) -> None:
        flow_id = request.words[0] if request.words else ""
        cohort = request.cohort
        if flow_id not in self.registry or cohort is None:
            self._usage(work, "/results FLOW CODE")
            return
        flow = self.registry.get(flow_id).flow
        title = work.tr.gettext(flow.title)
        if flow.kind == "prioritization":
            now = await standing(self.store, cohort.id)
            work.text(
                work.tr.ngettext(
                    "“{flow}” in {workshop}: {n} vote.",
                    "“{flow}” in {workshop}: {n} votes.",
                    now.voters,
                ).format(flow=title, workshop=cohort.name, n=now.voters)
                + "\n\n"
                + render_ranking(now.ranking, work.tr)
            )
            return
        if flow.kind == "checkin":
            await self._checkin_results(cohort, work)
            return
        results = await self.store.cohort_results(cohort.id, flow_id)
        people = len({r.participant_id for r in results})
        header = work.tr.ngettext(
            "“{flow}” in {workshop}: {n} person finished.",
            "“{flow}” in {workshop}: {n} people finished.",
            people,
        ).format(flow=title, workshop=cohort.name, n=people)
        if people < MIN_GROUP_SIZE:
            work.text(
                header
                + "\n"
                + work.tr.gettext(
                    "Averages appear from {n} people on, so that nobody's answers can be told."
                ).format(n=MIN_GROUP_SIZE)
            )
            return
        average = cohort_average([Scores.from_json(r.scores) for r in results])
        shown = [d for d in flow.dimensions if d.id in average.dimensions]
        lines = [header, ""] + [
            f"• {work.tr.gettext(d.label)}: {work.tr.number(average.dimensions[d.id])}"
            for d in shown
        ]
        work.text("\n".join(lines))
        chart = recipe(
            "scores",
            title=title,
            labels=[work.tr.gettext(d.label) for d in shown],
            values=[average.dimensions[d.id] for d in shown],
            you=work.tr.gettext("Workshop average"),
        )
        work.say(Outbound(title, chart=chart))

    async def _checkin_results(self, cohort: Cohort, work: Work) -> None:
        """Response per round, where the actions stand (with a chart), the top blockers."""
        report = await cohort_report(self.store, cohort)
        work.text(report_text(report, cohort, work.tr))
        chart = report_chart(report, work.tr)
        if chart is not None:
            work.say(Outbound(work.tr.gettext("Status of the actions"), chart=chart))

    async def _status(self, request: Request, work: Work) -> None:
        cohort = request.cohort
        if cohort is None:
            self._need_code(work, "status")
            return
        members = await self.store.audience(cohort.id)
        channels = Counter(p.channel for p, _ in members)
        tr = work.tr
        lines = [
            tr.ngettext("{workshop}: {n} member", "{workshop}: {n} members", len(members)).format(
                workshop=cohort.name, n=len(members)
            )
            + " ("
            + ", ".join(f"{name} {count}" for name, count in sorted(channels.items()))
            + ")",
            "",
            tr.gettext("Finished:"),
        ]
        done = await self.store.completed(cohort.id)
        for flow in self.registry.menu_flows():
            lines.append(f"• {tr.gettext(flow.title)}: {len(done.get(flow.id, ()))}")
        for broadcast in await self.store.broadcasts(cohort.id):
            progress = await self.store.broadcast_progress(broadcast.id)
            lines += [
                "",
                tr.gettext(
                    "Broadcast “{text}”: {sent} sent, {pending} waiting, {failed} failed, "
                    "{skipped} skipped."
                ).format(
                    text=(broadcast.text or "")[:40],
                    sent=progress.get("sent", 0),
                    pending=progress.get("pending", 0)
                    + progress.get("sending", 0)
                    + progress.get("held", 0),
                    failed=progress.get("failed", 0),
                    skipped=broadcast.skipped,
                ),
            ]
        work.text("\n".join(lines))

    async def _invite(self, request: Request, work: Work) -> None:
        cohort = request.cohort
        if cohort is None:
            self._need_code(work, "invite")
            return
        code = "F" + "".join(secrets.choice(_INVITE_ALPHABET) for _ in range(7))
        work.changes.invites.append(Invite(code, cohort.id, work.participant.id, work.now))
        self._audit(work, "invite", cohort=cohort.code)
        work.text(
            work.tr.gettext(
                "Give this to your co-facilitator: they write /facilitate {code} to me and "
                "confirm. It works once."
            ).format(code=code)
        )

    async def facilitate(self, argument: str, work: Work) -> None:
        """Offer, or with "yes" complete, becoming a facilitator through an invite code."""
        words = argument.split()
        invite = await self.store.invite(words[0]) if words else None
        if invite is None or invite.used_by is not None:
            work.text(work.tr.gettext("That invite code is not valid (or was already used)."))
            return
        cohort = await self.store.cohort_by_id(invite.cohort_id)
        if cohort is None:
            return
        if len(words) > 1 and yes_or_no(words[1], work.tr):
            await self.accept(invite.code, work)
            return
        question = work.tr.gettext(
            "You are invited to co-facilitate “{workshop}”: you will be able to send broadcasts, "
            "start activities, see the results and export the data. Do you accept?"
        ).format(workshop=cohort.name)
        yes, no = work.tr.gettext("Yes, I accept"), work.tr.gettext("No, thanks")
        work.say(Outbound(question, (Choice(ACCEPT + invite.code, yes), Choice(DECLINE, no))))

    async def accept(self, code: str, work: Work) -> None:
        """Make the person a facilitator (and a member) of the invite's workshop, once."""
        invite = await self.store.invite(code)
        if invite is None or invite.used_by is not None:
            work.text(work.tr.gettext("That invite code is not valid (or was already used)."))
            return
        cohort = await self.store.cohort_by_id(invite.cohort_id)
        p = work.participant
        work.participant = p.with_changes(facilitator=True)
        work.changes.invites.append(replace(invite, used_by=p.id, used_at=work.now))
        work.changes.memberships.append(Membership(p.id, invite.cohort_id, work.now))
        self._audit(work, "facilitator added", cohort=cohort.code if cohort else "?")
        work.text(
            work.tr.gettext(
                "Done: you co-facilitate “{workshop}”. /help lists what you can do."
            ).format(workshop=cohort.name if cohort else "")
        )

    async def _export(self, request: Request, work: Work) -> None:
        cohort = request.cohort
        if cohort is None:
            self._need_code(work, "export")
            return
        if work.participant.channel not in self.document_channels:
            work.text(
                work.tr.gettext(
                    "Files cannot be sent here. Download the export from the dashboard, or run "
                    "minga export {code} on the server."
                ).format(code=cohort.code)
            )
            return
        data = await export_cohort(self.store, self.registry, cohort)
        self._audit(work, "export", cohort=cohort.code, rows=data.rows)
        caption = work.tr.gettext("Data of “{workshop}”.").format(workshop=cohort.name)
        work.say(Outbound(caption, document=data.xlsx, document_name=f"minga-{cohort.code}.xlsx"))
        work.say(Outbound(caption, document=data.csv_zip, document_name=f"minga-{cohort.code}.zip"))

    async def _voting(self, request: Request, work: Work) -> None:
        word = fold(request.words[0]) if request.words else ""
        target = {"open": "voting", "abrir": "voting", "close": "discussing"}.get(word)
        if target is None:
            self._usage(work, "/voting open|close CODE")
            return
        await self._move(request, target, work)

    async def _phase(self, request: Request, work: Work) -> None:
        target = fold(request.words[0]) if request.words else ""
        if target not in {"voting", "discussing", "closed"}:
            self._usage(work, "/phase voting|discussing|closed CODE")
            return
        await self._move(request, target, work)

    async def _move(self, request: Request, target: str, work: Work) -> None:
        if request.cohort is None:
            self._need_code(work, "phase")
            return
        try:
            change = await move_phase(self.store, request.cohort, target, _Fixed(work))
        except RoundError as exc:
            work.text(work.tr.gettext("The round cannot move: {reason}").format(reason=exc))
            return
        self._audit(work, "phase", cohort=request.cohort.code, phase=target)
        work.text(
            work.tr.ngettext(
                "The round is now “{phase}”; {n} member was told.",
                "The round is now “{phase}”; {n} members were told.",
                change.announced,
            ).format(phase=target, n=change.announced)
        )

    # -- helpers --------------------------------------------------------------------------------

    async def _request(self, argument: str, work: Work) -> Request:
        """Find the cohort (a code among the words, else the facilitator's latest workshop)."""
        words = argument.split()
        for index, word in enumerate(words):
            cohort = await self.store.cohort_by_code(word)
            if cohort is not None:
                return Request(cohort, words[:index] + words[index + 1 :])
        memberships = await self.store.memberships(work.participant.id)
        cohort = await self.store.cohort_by_id(memberships[-1].cohort_id) if memberships else None
        return Request(cohort, words)

    async def _recipients(self, draft: Broadcast) -> list[Participant]:
        done = (await self.store.completed(draft.cohort_id)).get(
            draft.audience.get("pending", ""), set()
        )
        return [
            p
            for p, membership in await self.store.audience(draft.cohort_id)
            if matches(draft.audience, p, membership.table_no, done)
        ]

    def _parse_audience(self, words: list[str]) -> tuple[dict[str, Any] | None, int]:
        audience: dict[str, Any] = {}
        spread = 0
        rest = list(words)
        while rest:
            key = fold(rest.pop(0))
            if key in _OVER and rest:
                found = _DURATION.match(fold(rest.pop(0)))
                if found is None:
                    return None, 0
                amount, unit = int(found.group(1)), found.group(2)
                spread = amount * (3600 if unit.startswith("h") else 60)
            elif key in _TABLE and rest and rest[0].isdecimal():
                audience["table"] = int(rest.pop(0))
            elif key in _COUNTRY and rest:
                audience["country"] = rest.pop(0)
            elif key in _PENDING and rest and rest[0] in self.registry:
                audience["pending"] = rest.pop(0)
            else:
                return None, 0
        return audience, spread

    def _audit(self, work: Work, action: str, **detail: Any) -> None:
        actor = f"{work.participant.channel}:{work.participant.address}"
        work.changes.audit.append(AuditEntry(work.now, actor, action, detail))

    def _need_code(self, work: Work, name: str) -> None:
        work.text(
            work.tr.gettext("Which workshop? Add its code, for example /{name} ODS2026.").format(
                name=name
            )
        )

    def _usage(self, work: Work, usage: str) -> None:
        work.text(work.tr.gettext("Usage: {usage}").format(usage=usage))


class _Fixed:
    """A clock that reads the time the message is being handled at."""

    def __init__(self, work: Work) -> None:
        self._now = work.now

    def now(self) -> Any:
        return self._now
