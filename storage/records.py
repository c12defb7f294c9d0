"""Plain records the store reads and writes; no behaviour beyond small conveniences."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal

from storage.messages import Outbound

RunStatus = Literal["active", "paused", "completed", "cancelled"]
# "held": a template went out instead (WhatsApp, outside the 24-hour window); the row waits
# for the person's answer, which releases it.
DeliveryState = Literal["sent", "retry", "unreachable", "failed", "held"]

PRIORITY_REPLY = 0
PRIORITY_BULK = 10


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
class Membership:
    """A participant's place in a cohort."""

    participant_id: str
    cohort_id: str
    joined_at: datetime
    table_no: int | None = None


@dataclass(frozen=True, slots=True)
class NewOutbound:
    """A message to queue in the outbox in the same transaction as what caused it."""

    channel: str
    address: str
    participant_id: str | None
    message: Outbound
    priority: int = PRIORITY_REPLY
    dedupe_key: str | None = None
    erase_after_send: bool = False
    not_before: datetime | None = None  # later than now to spread a broadcast over time


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


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One facilitator action, kept for accountability."""

    at: datetime
    actor: str  # "channel:address" — who did it
    action: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A queued message claimed for sending."""

    id: int
    channel: str
    address: str
    participant_id: str | None
    message: Outbound
    priority: int
    attempts: int
    erase_after_send: bool


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened when a claimed row was handed to its channel."""

    row_id: int
    state: DeliveryState
    retry_at: datetime | None = None
    error: str | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A platform's later word on a message we sent (delivered, read, failed with a code)."""

    row_id: int
    channel: str
    address: str
    participant_id: str | None
    message: Outbound
    priority: int


@dataclass(frozen=True, slots=True)
class InboundMark:
    """Proof that a platform message was handled, so a redelivery is dropped."""

    channel: str
    external_id: str
    received_at: datetime


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
class Challenge:
    """A barrier a participant submitted; a facilitator may hide it or merge it into another."""

    id: str
    cohort_id: str
    text: str
    created_at: datetime
    participant_id: str | None = None
    hidden: bool = False
    merged_into: str | None = None


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


@dataclass(slots=True)
class Changes:
    """Everything one handled message changed, committed in one transaction."""

    mark: InboundMark | None = None
    participant: Participant | None = None
    memberships: list[Membership] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    results: list[AssessmentResult] = field(default_factory=list)
    actions: list[PlanAction] = field(default_factory=list)
    challenges: list[Challenge] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
    solutions: list[Solution] = field(default_factory=list)
    forget_participant_id: str | None = None
    erase_participant_id: str | None = None
    outbox: list[NewOutbound] = field(default_factory=list)
    # The person wrote: messages held for them outside the WhatsApp window go out now.
    release_held: bool = False
    broadcasts: list[Broadcast] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    invites: list[Invite] = field(default_factory=list)
    scheduled: list[Scheduled] = field(default_factory=list)
    checkins: list[Checkin] = field(default_factory=list)
    progress: list[ActionProgress] = field(default_factory=list)
    # A check-in nudge replaces the check-in messages held for this person (WhatsApp window).
    drop_held: bool = False

    def is_empty(self) -> bool:
        """Tell whether committing would change nothing."""
        return not (
            self.mark
            or self.release_held
            or self.broadcasts
            or self.audit
            or self.invites
            or self.scheduled
            or self.checkins
            or self.progress
            or self.participant
            or self.memberships
            or self.runs
            or self.answers
            or self.results
            or self.actions
            or self.challenges
            or self.votes
            or self.solutions
            or self.forget_participant_id
            or self.erase_participant_id
            or self.outbox
        )


@dataclass(frozen=True, slots=True)
class Conversation:
    """What the dispatcher needs to handle one message, read in one query."""

    key: ParticipantKey
    participant: Participant | None
    active: Run | None
    paused: tuple[Run, ...]
    seen: bool
