"""Who takes part and what they answered: participants, runs, answers, memberships, results."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

RunStatus = Literal["active", "paused", "completed", "cancelled"]


@dataclass(frozen=True, slots=True)
class ParticipantKey:
    """Who a message is from or for: a channel and the address on that channel."""

    channel: str
    address: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


@dataclass(frozen=True, slots=True)
class Participant:
    """A person on one channel, with the profile they gave during onboarding."""

    id: str
    channel: str
    address: str
    locale: str
    created_at: datetime
    name: str | None = None
    municipality: str | None = None
    country: str | None = None
    role: str | None = None
    consent: bool | None = None
    consent_at: datetime | None = None
    onboarded: bool = False
    opted_out: bool = False
    unreachable: bool = False
    last_inbound_at: datetime | None = None
    consent_wording: str | None = None  # which text they agreed to: flow@version#step:locale
    facilitator: bool = False  # became a co-facilitator by confirming an invite
    # Agreed, when making their plan, that their workshop may hear how their actions go.
    share_progress: bool = False
    # What limits count (bot/participants/limits.py): their messages in the current burst
    # window, and wrong workshop or invite codes they tried in the current hour.
    burst_since: datetime | None = None
    burst_count: int = 0
    guesses_since: datetime | None = None
    guesses: int = 0

    @property
    def key(self) -> ParticipantKey:
        """The channel and address of this participant."""
        return ParticipantKey(self.channel, self.address)

    @property
    def open_to_messages(self) -> bool:
        """Tell whether Minga may write first: they consented, did not /stop, are reachable."""
        return bool(self.consent) and not self.opted_out and not self.unreachable

    def with_changes(self, **changes: Any) -> Participant:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Run:
    """One participant's pass through one flow version, and the step it is on."""

    id: str
    participant_id: str
    flow_id: str
    flow_version: int
    step: str
    status: RunStatus
    started_at: datetime
    updated_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    completed_at: datetime | None = None

    def with_changes(self, **changes: Any) -> Run:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Answer:
    """One accepted answer: what the participant wrote and what it was parsed into."""

    run_id: str
    participant_id: str
    flow_id: str
    step_id: str
    raw: str
    value: Any
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Membership:
    """A participant's place in a cohort."""

    participant_id: str
    cohort_id: str
    joined_at: datetime
    table_no: int | None = None


@dataclass(frozen=True, slots=True)
class AssessmentResult:
    """The scores of one finished assessment run (JSON: dimensions and groups, 0–100)."""

    run_id: str
    participant_id: str
    flow_id: str
    cohort_id: str | None
    scores: dict[str, Any]
    completed_at: datetime


@dataclass(frozen=True, slots=True)
class InboundMark:
    """Proof that a platform message was handled, so a redelivery is dropped."""

    channel: str
    external_id: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Conversation:
    """What the dispatcher needs to handle one message, read in one query."""

    key: ParticipantKey
    participant: Participant | None
    active: Run | None
    paused: tuple[Run, ...]
    seen: bool
