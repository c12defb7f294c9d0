"""Workshops and what facilitators do in them: cohorts, broadcasts, invites, scheduled starts.

Also the audit log, and the prioritization round's challenges, votes and solutions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Cohort:
    """A workshop: the people who join it by its code."""

    id: str
    code: str
    name: str
    locale: str
    created_at: datetime
    starts: date | None = None
    ends: date | None = None
    timezone: str | None = None  # an IANA name, e.g. America/Mexico_City
    checkin_days: tuple[int, ...] | None = None  # days after `ends`; None: the default plan


@dataclass(frozen=True, slots=True)
class Broadcast:
    """A facilitator's message to part of a cohort: drafted, confirmed, then queued."""

    id: str
    cohort_id: str
    author_id: str | None
    audience: dict[str, Any]  # {"table": 3} | {"country": "Perú"} | {"pending": flow} | {}
    status: str  # draft (waiting for the text) → confirm → queued | cancelled
    created_at: datetime
    text: str | None = None
    recipients: int = 0
    skipped: int = 0
    spread_seconds: int = 0
    confirmed_at: datetime | None = None

    def with_changes(self, **changes: Any) -> Broadcast:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Invite:
    """A code a facilitator hands to a colleague so they can co-facilitate a workshop."""

    code: str
    cohort_id: str
    created_by: str | None
    created_at: datetime
    used_by: str | None = None
    used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A flow to start for a participant at a time (a facilitator's /launch, a check-in)."""

    participant_id: str
    flow_id: str
    purpose: str  # "flow" for a launch, "checkin" for a check-in
    due_at: datetime
    dedupe_key: str | None = None


@dataclass(frozen=True, slots=True)
class DueStart:
    """A claimed scheduled start, with where to reach the person."""

    id: int
    participant_id: str
    channel: str
    address: str
    flow_id: str
    purpose: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One facilitator action, kept for accountability."""

    at: datetime
    actor: str  # "channel:address" — who did it
    action: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Challenge:
    """A barrier a participant submitted; a facilitator may hide it or merge it into another."""

    id: str
    cohort_id: str
    text: str
    created_at: datetime
    participant_id: str | None = None
    hidden: bool = False
    merged_into: str | None = None
    wording: str | None = None  # a facilitator's wording after a merge; `text` stays as sent

    @property
    def label(self) -> str:
        """What the room reads: the facilitator's wording if there is one, else the text sent."""
        return self.wording or self.text


@dataclass(frozen=True, slots=True)
class Vote:
    """A participant's ranked choices in a cohort's round; a new vote replaces the old one."""

    cohort_id: str
    participant_id: str
    ranking: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Solution:
    """A table's proposal for the most pressing challenge, rated for impact and effort (1–5)."""

    id: str
    cohort_id: str
    participant_id: str | None
    table_no: int | None
    challenge_id: str | None
    consequences: str
    text: str
    impact: int
    effort: int
    created_at: datetime
