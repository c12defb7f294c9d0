"""What one handled message changed, committed in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.records.followup import ActionProgress, Checkin, PlanAction
from storage.records.live import LiveLink, Prompt, PromptAnswer, QaEntry, QaVote, Screen
from storage.records.outbox import NewOutbound
from storage.records.people import (
    Answer,
    AssessmentResult,
    InboundMark,
    Membership,
    Participant,
    Run,
)
from storage.records.workshops import (
    AuditEntry,
    Broadcast,
    Challenge,
    Invite,
    Scheduled,
    Solution,
    Vote,
)


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
    # The live room: questions to the room and their answers, Q&A, the projector.
    prompts: list[Prompt] = field(default_factory=list)
    prompt_answers: list[PromptAnswer] = field(default_factory=list)
    qa_entries: list[QaEntry] = field(default_factory=list)
    qa_votes: list[QaVote] = field(default_factory=list)
    screens: list[tuple[str, Screen]] = field(default_factory=list)
    live_links: list[LiveLink] = field(default_factory=list)
    # Check-in rounds whose report and digest this commit queues: (cohort id, day).
    rounds_reported: list[tuple[str, int]] = field(default_factory=list)
    # Workshops whose projectors should show what this commit changed.
    live: set[str] = field(default_factory=set)

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
            or self.prompts
            or self.prompt_answers
            or self.qa_entries
            or self.qa_votes
            or self.screens
            or self.live_links
            or self.live
            or self.rounds_reported
        )
