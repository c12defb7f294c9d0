"""Follow-up after a workshop: check-in rounds, the action plan and progress on its actions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

CheckinStatus = Literal[
    "planned", "sent", "answered", "unanswered", "missed", "skipped", "cancelled"
]


@dataclass(frozen=True, slots=True)
class Checkin:
    """One planned follow-up round for one participant of one workshop, and how it went.

    `next_at` is when the scheduler acts on it next (start it, nudge, give up); None once settled.
    """

    id: str
    participant_id: str
    cohort_id: str
    offset_days: int
    due_at: datetime
    status: CheckinStatus = "planned"
    next_at: datetime | None = None
    nudges: int = 0
    run_id: str | None = None
    sent_at: datetime | None = None
    answered_at: datetime | None = None

    def with_changes(self, **changes: Any) -> Checkin:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class DueCheckin:
    """A claimed check-in with what the scheduler needs: where to reach the person, and when."""

    checkin: Checkin
    channel: str
    address: str
    country: str | None
    cohort_timezone: str | None


@dataclass(frozen=True, slots=True)
class PlanAction:
    """One action of a participant's action plan; check-ins later ask about each."""

    id: str
    participant_id: str
    run_id: str
    position: int
    title: str
    sdg: int
    office: str
    first_step: str
    target_month: str
    indicator: str
    created_at: datetime
    updated_at: datetime
    status: str = "not_started"


@dataclass(frozen=True, slots=True)
class ActionProgress:
    """A status report on one action (from a check-in or /progress); it updates the action."""

    action_id: str
    participant_id: str
    status: str
    created_at: datetime
    checkin_id: str | None = None
    note: str | None = None
    evidence: str | None = None
    target_month: str | None = None  # a new target when the old one slipped
