"""When a check-in round is over: the updated report to the facilitators, a digest to everyone.

A round is over once each of its people answered or was given up on. Its facilitators get the
workshop report (a PDF where the channel takes files; elsewhere where to find it), and every
member open to messages gets a short digest of how the workshop's actions are going, with a few
examples from people who agreed, when making their plan, to be named by municipality. The mark
and every message are one commit: each round is reported once, even with several workers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.followup.report import CheckinReport, cohort_report
from bot.followup.send_window import SchedulePolicy, person_zone
from bot.reporting.render import Report, build_report
from flows.registry import FlowRegistry
from i18n import Translator, translator
from storage import (
    PRIORITY_BULK,
    ActionProgress,
    Changes,
    Cohort,
    NewOutbound,
    Outbound,
    Participant,
    ParticipantKey,
    PlanAction,
    Store,
)

log = logging.getLogger(__name__)
EXAMPLES = 3
GOOD_NEWS = ("completed", "substantial")


@dataclass(frozen=True, slots=True)
class Example:
    """An action someone agreed to share: where they are, what it is, how it went."""

    municipality: str
    country: str | None
    title: str
    status: str


@dataclass(frozen=True, slots=True)
class Audience:
    """Who facilitates (besides invited co-facilitators), and which channels take files."""

    facilitators: frozenset[ParticipantKey]
    document_channels: frozenset[str]
    policy: SchedulePolicy = field(default_factory=SchedulePolicy)  # write only in the window


async def report_finished_rounds(
    store: Store, registry: FlowRegistry, audience: Audience, now: datetime
) -> int:
    """Report every check-in round that is over and not reported yet; return how many."""
    done = 0
    for cohort_id, day in await store.rounds_to_report():
        cohort = await store.cohort_by_id(cohort_id)
        if cohort is None:
            continue
        changes = Changes(rounds_reported=[(cohort_id, day)])
        members = [p for p, _ in await store.audience(cohort_id)]
        leads = [p for p in members if p.facilitator or p.key in audience.facilitators]
        files = [p for p in leads if p.channel in audience.document_channels]
        outbox = await _reports(store, registry, cohort, day, leads, files, now)
        outbox += await _digests(store, cohort, day, members, leads)
        changes.outbox += [_in_window(row, members, cohort, audience.policy, now) for row in outbox]
        await store.commit(changes)
        log.info("check-in round %d of a workshop reported to %d people", day, len(members))
        done += 1
    return done


async def _reports(
    store: Store,
    registry: FlowRegistry,
    cohort: Cohort,
    day: int,
    leads: Sequence[Participant],
    files: Sequence[Participant],
    now: datetime,
) -> list[NewOutbound]:
    built: dict[str, Report] = {}
    queued = []
    for person in leads:
        if person.unreachable:
            continue
        tr = translator(person.locale)
        caption = tr.gettext(
            "Day {day} follow-up is over: the report of “{workshop}”, updated."
        ).format(day=day, workshop=cohort.name)
        if person in files:
            if person.locale not in built:
                built[person.locale] = await build_report(
                    store, registry, cohort, person.locale, now
                )
            made = built[person.locale]
            message = Outbound(caption, document=made.pdf, document_name=f"{made.name}.pdf")
        else:
            where = tr.gettext(
                "Download it from the workshop's page on the dashboard, or run minga report "
                "{code} on the server."
            ).format(code=cohort.code)
            message = Outbound(f"{caption}\n\n{where}")
        queued.append(_bulk(person, message, f"round-report:{cohort.id}:{day}:{person.id}"))
    return queued


async def _digests(
    store: Store,
    cohort: Cohort,
    day: int,
    members: Sequence[Participant],
    leads: Sequence[Participant],
) -> list[NewOutbound]:
    report = await cohort_report(store, cohort)
    examples = await _examples(store, cohort, day, members)
    lead_ids = {p.id for p in leads}
    return [
        _bulk(
            person,
            Outbound(digest_text(cohort, day, report, examples, translator(person.locale))),
            f"digest:{cohort.id}:{day}:{person.id}",
        )
        for person in members
        if person.open_to_messages and person.id not in lead_ids
    ]


async def _examples(
    store: Store, cohort: Cohort, day: int, members: Sequence[Participant]
) -> list[Example]:
    """Good news of this round from people who agreed to share, completed actions first."""
    sharing = {p.id: p for p in members if p.share_progress}
    if not sharing:
        return []
    round_of = {c.id: c.offset_days for c in await store.checkins(cohort_id=cohort.id)}
    actions = {a.id: a for a in await store.cohort_actions(cohort.id)}
    updates = [
        u
        for u in await store.action_updates(cohort_id=cohort.id)
        if round_of.get(u.checkin_id or "") == day and u.status in GOOD_NEWS
    ]
    found = [_example(u, actions, sharing) for u in updates]
    shared = [e for e in found if e is not None]
    shared.sort(key=lambda e: GOOD_NEWS.index(e.status))
    return shared[:EXAMPLES]


def _example(
    update: ActionProgress, actions: dict[str, PlanAction], sharing: dict[str, Participant]
) -> Example | None:
    person, action = sharing.get(update.participant_id), actions.get(update.action_id)
    if person is None or action is None:
        return None
    return Example(person.municipality or "?", person.country, action.title, update.status)


def digest_text(
    cohort: Cohort, day: int, report: CheckinReport, examples: Sequence[Example], tr: Translator
) -> str:
    """Write the digest: this round's good news in numbers, then a few named examples."""
    statuses = next((r.statuses for r in report.rounds if r.offset_days == day), None)
    completed = statuses.get("completed", 0) if statuses else 0
    substantial = statuses.get("substantial", 0) if statuses else 0
    lines = [
        tr.gettext("How the actions of “{workshop}” are going (day {day} follow-up):").format(
            workshop=cohort.name, day=day
        ),
        "• "
        + tr.ngettext("{n} action completed", "{n} actions completed", completed).format(
            n=completed
        ),
        "• "
        + tr.ngettext(
            "{n} action in substantial progress", "{n} actions in substantial progress", substantial
        ).format(n=substantial),
    ]
    if examples:
        lines += ["", tr.gettext("Some examples from colleagues who chose to share:")]
        lines += [f"• {_example_line(e, tr)}" for e in examples]
    lines += ["", tr.gettext("/roadmap shows yours. /stop stops these messages.")]
    return "\n".join(lines)


def _example_line(example: Example, tr: Translator) -> str:
    country = tr.babel_locale.territories.get(example.country or "") if example.country else None
    place = f"{example.municipality} ({country})" if country else example.municipality
    if example.status == "completed":
        text = tr.gettext("{place} completed: “{action}”")
    else:
        text = tr.gettext("{place} is well under way with: “{action}”")
    return text.format(place=place, action=example.title)


def _in_window(
    row: NewOutbound,
    members: Sequence[Participant],
    cohort: Cohort,
    policy: SchedulePolicy,
    now: datetime,
) -> NewOutbound:
    """Hold a message until working hours in its reader's time zone, as check-ins are."""
    person = next((p for p in members if p.id == row.participant_id), None)
    zone = person_zone(person.country if person else None, cohort.timezone, policy.default_zone)
    return replace(row, not_before=policy.window.next_open(now, zone))


def _bulk(person: Participant, message: Outbound, key: str) -> NewOutbound:
    message = Outbound(
        message.text,
        document=message.document,
        document_name=message.document_name,
        purpose="broadcast",
        locale=person.locale,
    )
    return NewOutbound(
        person.channel, person.address, person.id, message, PRIORITY_BULK, dedupe_key=key
    )
