"""What every facilitator command shares: finding the workshop, the audit log, usage lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.conversation.call import Call
from bot.conversation.work import Work
from storage import AuditEntry, Cohort


@dataclass(frozen=True, slots=True)
class Request:
    """A facilitator command's cohort and the rest of its words."""

    cohort: Cohort | None
    words: list[str]


async def find_request(call: Call) -> Request:
    """Find the cohort (a code among the words, else the facilitator's latest workshop)."""
    words = call.command.argument.split() if call.command else []
    store = call.store
    for index, word in enumerate(words):
        cohort = await store.cohort_by_code(word)
        if cohort is not None:
            return Request(cohort, words[:index] + words[index + 1 :])
    person = call.work.participant
    if call.conversation.facilitates_all(person):
        memberships = await store.memberships(person.id)
        latest = memberships[-1].cohort_id if memberships else None
    else:
        invited = await store.facilitated_cohorts(person.id)
        latest = invited[-1] if invited else None
    return Request(await store.cohort_by_id(latest) if latest else None, words)


async def outside_scope(call: Call) -> bool:
    """Tell whether a co-facilitator names a workshop they were not invited to."""
    person = call.work.participant
    if call.conversation.facilitates_all(person):
        return False
    cohort = (await find_request(call)).cohort
    return cohort is not None and cohort.id not in await call.store.facilitated_cohorts(person.id)


def audit(work: Work, action: str, **detail: Any) -> None:
    """Write a facilitator's action to the audit log, in the same commit as its effect."""
    actor = f"{work.participant.channel}:{work.participant.address}"
    work.changes.audit.append(AuditEntry(work.now, actor, action, detail))


def need_code(work: Work, name: str) -> None:
    """Ask which workshop a command is about."""
    work.text(
        work.tr.gettext("Which workshop? Add its code, for example /{name} ODS2026.").format(
            name=name
        )
    )


def usage(work: Work, line: str) -> None:
    """Show how a command is written."""
    work.text(work.tr.gettext("Usage: {usage}").format(usage=line))


class FixedClock:
    """A clock that reads the time the message is being handled at."""

    def __init__(self, work: Work) -> None:
        self._now = work.now

    def now(self) -> datetime:
        """Return the message's time."""
        return self._now
