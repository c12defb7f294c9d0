"""The `Store` interface every backend implements, and the helpers they share.

Error hierarchy::

    StoreError
     ├── MigrationError      a migration file is missing, malformed or failed
     └── DuplicateError      a unique value (a cohort code, say) is taken
"""

from __future__ import annotations

import functools
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from importlib import resources
from typing import Any

from storage.forms_base import FormStore
from storage.live_base import LiveStore
from storage.messages import Outbound
from storage.records.changes import Changes
from storage.records.followup import ActionProgress, Checkin, DueCheckin, PlanAction
from storage.records.outbox import Delivery, NewOutbound, OutboxRow, StatusReport
from storage.records.people import (
    Answer,
    AssessmentResult,
    Conversation,
    Membership,
    Participant,
    ParticipantKey,
    Run,
)
from storage.records.workshops import (
    AuditEntry,
    Broadcast,
    Challenge,
    Cohort,
    DueStart,
    Invite,
    Solution,
    Vote,
)


class StoreError(Exception):
    """Base of every error a store raises."""


def is_database_error(exc: BaseException) -> bool:
    """Tell whether an exception came from the database or its connection (worth a retry)."""
    if isinstance(exc, (StoreError, sqlite3.Error, OSError, TimeoutError)):
        return True
    return type(exc).__module__.split(".")[0] == "asyncpg"  # asyncpg is optional: no import


class MigrationError(StoreError):
    """A schema migration could not be applied."""


class DuplicateError(StoreError):
    """A value that must be unique is already taken."""


class ConversationSession(ABC):
    """A participant's state, read while their lock is held, and the one commit that follows."""

    state: Conversation

    @abstractmethod
    async def commit(self, changes: Changes) -> None:
        """Write everything the handled message changed in one transaction."""


class Store(LiveStore, FormStore, ABC):
    """Persistence for participants, runs, answers, cohorts and the outbox."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections; safe to call twice."""

    @abstractmethod
    async def commit(self, changes: Changes) -> None:
        """Commit changes made outside a conversation (the facilitator's console, the CLI)."""

    @abstractmethod
    async def migrate(self) -> list[int]:
        """Apply pending migrations and return the versions applied."""

    @abstractmethod
    async def schema_version(self) -> int:
        """Return the newest applied migration version (0 for an empty database)."""

    @abstractmethod
    def conversation(
        self, key: ParticipantKey, external_id: str | None
    ) -> AbstractAsyncContextManager[ConversationSession]:
        """Take the participant's lock, then read their state; the lock is held until exit."""

    # -- outbox ---------------------------------------------------------------------------------

    @abstractmethod
    async def claim_outbox(
        self, channels: Sequence[str], now: datetime, limit: int, address: str | None = None
    ) -> list[OutboxRow]:
        """Claim due rows in send order, skipping addresses that still have a message in flight."""

    @abstractmethod
    async def complete_outbox(self, deliveries: Sequence[Delivery], now: datetime) -> None:
        """Record the outcome of claimed rows (sent, retry later, unreachable, failed)."""

    @abstractmethod
    async def release_claims(self, channels: Sequence[str], address: str | None = None) -> int:
        """Return rows a dead sender left claimed to the queue; used at start-up."""

    @abstractmethod
    async def outbox_counts(self) -> dict[str, int]:
        """Count outbox rows by status."""

    # -- cohorts --------------------------------------------------------------------------------

    @abstractmethod
    async def create_cohort(self, cohort: Cohort) -> None:
        """Add a cohort; raise `DuplicateError` when its code is taken."""

    @abstractmethod
    async def cohort_by_code(self, code: str) -> Cohort | None:
        """Find a cohort by its code, ignoring case."""

    @abstractmethod
    async def cohort_by_id(self, cohort_id: str) -> Cohort | None:
        """Find a cohort by its id."""

    @abstractmethod
    async def list_cohorts(self) -> list[tuple[Cohort, int]]:
        """Return every cohort with its member count, newest first."""

    @abstractmethod
    async def memberships(self, participant_id: str) -> list[Membership]:
        """Return the cohorts a participant belongs to, oldest first."""

    # -- participants ---------------------------------------------------------------------------

    @abstractmethod
    async def participant(self, key: ParticipantKey) -> Participant | None:
        """Read a participant by channel and address."""

    @abstractmethod
    async def set_reachable(self, key: ParticipantKey, reachable: bool) -> bool:
        """Record that a participant blocked or unblocked us; False if we do not know them."""

    @abstractmethod
    async def answers(self, participant_id: str) -> list[Answer]:
        """Return all answers of a participant, oldest first."""

    @abstractmethod
    async def runs(self, participant_id: str) -> list[Run]:
        """Return all runs of a participant, oldest first."""

    @abstractmethod
    async def results(self, participant_id: str, flow_id: str) -> list[AssessmentResult]:
        """Return a participant's results of one assessment, oldest first."""

    @abstractmethod
    async def cohort_results(self, cohort_id: str, flow_id: str) -> list[AssessmentResult]:
        """Return each cohort member's latest result of one assessment."""

    @abstractmethod
    async def cohort_answers(self, cohort_id: str, flow_id: str) -> list[tuple[Answer, int | None]]:
        """Return every member's answers to one flow, oldest first, each with their table."""

    @abstractmethod
    async def actions(self, participant_id: str) -> list[PlanAction]:
        """Return a participant's action plan, in plan order."""

    # -- prioritization ---------------------------------------------------------------------------

    @abstractmethod
    async def round_phase(self, cohort_id: str) -> str | None:
        """Return the phase of a cohort's prioritization round, None before it starts."""

    @abstractmethod
    async def set_round_phase(self, cohort_id: str, phase: str, now: datetime) -> None:
        """Move a cohort's round to a phase."""

    @abstractmethod
    async def challenges(self, cohort_id: str) -> list[Challenge]:
        """Return a cohort's submitted challenges, oldest first, hidden and merged ones too."""

    @abstractmethod
    async def moderate_challenge(
        self,
        challenge_id: str,
        *,
        hidden: bool | None = None,
        merged_into: str | None = None,
        wording: str | None = None,
    ) -> bool:
        """Hide, merge or reword a challenge; return False when there is no such challenge."""

    @abstractmethod
    async def votes(self, cohort_id: str) -> list[Vote]:
        """Return each participant's latest vote in a cohort's round."""

    @abstractmethod
    async def solutions(self, cohort_id: str) -> list[Solution]:
        """Return the tables' proposals, oldest first."""

    @abstractmethod
    async def cohort_members(self, cohort_id: str) -> list[Participant]:
        """Return a cohort's participants."""

    @abstractmethod
    async def enqueue(self, messages: Sequence[NewOutbound]) -> None:
        """Queue messages Minga starts itself (announcements), outside any conversation."""

    @abstractmethod
    async def record_status(
        self, channel: str, external_id: str, status: str, error: str | None, at: datetime
    ) -> StatusReport | None:
        """Record a platform's delivery report on a sent message; None if it is not ours."""

    @abstractmethod
    async def requeue(self, row_id: int, message: Outbound, at: datetime) -> None:
        """Send a row again from now, as `message` (e.g. switched to its template)."""

    @abstractmethod
    async def window_closing(
        self, channel: str, since: datetime, until: datetime
    ) -> list[ParticipantKey]:
        """Return people mid-flow whose last message fell in [since, until), opted in, reachable."""

    @abstractmethod
    async def audience(self, cohort_id: str) -> list[tuple[Participant, Membership]]:
        """Return every member of a cohort with their membership (table number)."""

    @abstractmethod
    async def completed(self, cohort_id: str) -> dict[str, set[str]]:
        """Return, for each flow, the members of a cohort who completed it at least once."""

    @abstractmethod
    async def broadcast_draft(self, author_id: str) -> Broadcast | None:
        """Return the broadcast a facilitator is still writing or confirming, if any."""

    @abstractmethod
    async def broadcasts(self, cohort_id: str, limit: int = 5) -> list[Broadcast]:
        """Return a cohort's latest queued broadcasts, newest first."""

    @abstractmethod
    async def broadcast_progress(self, broadcast_id: str) -> dict[str, int]:
        """How many of a broadcast's messages are pending, sent, held or failed."""

    @abstractmethod
    async def claim_due(self, now: datetime, limit: int, lease_seconds: float) -> list[DueStart]:
        """Claim scheduled starts due by `now` (expired claims count as due again)."""

    @abstractmethod
    async def finish_due(self, ids: Sequence[int], status: str, now: datetime) -> None:
        """Mark claimed starts done, missed (too late) or skipped (opted out, unreachable)."""

    # -- check-ins ------------------------------------------------------------------------------

    @abstractmethod
    async def save_checkin_plan(self, cohort: Cohort, rows: Sequence[Checkin]) -> None:
        """Store a cohort's end date and plan, and plan `rows` (rounds not started may move).

        Planned rounds whose offset is not among `rows` are cancelled; rounds already started
        keep their state.
        """

    @abstractmethod
    async def cohorts_to_plan(self) -> list[str]:
        """Return cohorts (with an end date and a plan) that have members with no check-ins."""

    @abstractmethod
    async def claim_checkins(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[DueCheckin]:
        """Claim check-ins whose next step is due by `now` (expired claims are due again)."""

    @abstractmethod
    async def checkin(self, checkin_id: str) -> Checkin | None:
        """Read one check-in."""

    @abstractmethod
    async def update_checkins(self, rows: Sequence[Checkin]) -> None:
        """Write check-ins' new state and release their claims."""

    @abstractmethod
    async def checkins(
        self, *, cohort_id: str | None = None, participant_id: str | None = None
    ) -> list[Checkin]:
        """Return a cohort's or a participant's check-ins, by round."""

    @abstractmethod
    async def action_updates(
        self, *, cohort_id: str | None = None, participant_id: str | None = None
    ) -> list[ActionProgress]:
        """Return the progress reports of a cohort's members or of one participant, oldest first."""

    @abstractmethod
    async def rounds_to_report(self) -> list[tuple[str, int]]:
        """Return check-in rounds (cohort id, day) that are over and not reported yet."""

    @abstractmethod
    async def cohort_actions(self, cohort_id: str) -> list[PlanAction]:
        """Return the actions of every member of a cohort, by member then plan order."""

    @abstractmethod
    async def put_media(
        self, token: str, content_type: str, body: bytes, now: datetime, owner: str | None = None
    ) -> None:
        """Keep an image to serve by URL (`owner`: the address it went to); a week at most."""

    @abstractmethod
    async def media(self, token: str, now: datetime) -> tuple[str, bytes] | None:
        """Return a kept image's content type and bytes, unless it is older than a week."""

    @abstractmethod
    async def invite(self, code: str) -> Invite | None:
        """Return a facilitator invite by its code (any case)."""

    @abstractmethod
    async def facilitated_cohorts(self, participant_id: str) -> list[str]:
        """Return the ids of the workshops a person co-facilitates by invite, oldest first."""

    @abstractmethod
    async def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        """Return the latest facilitator actions, newest first."""

    @abstractmethod
    async def expired_participants(self, closed_before: date) -> list[ParticipantKey]:
        """Return people all of whose workshops ended before `closed_before` (for retention)."""

    @abstractmethod
    async def oldest_due(self) -> datetime | None:
        """Return when the oldest scheduled start or check-in step due now came due."""

    @abstractmethod
    async def pending_migrations(self) -> int:
        """Count the migrations this code has that the database has not applied."""

    async def sending_lease(self, channel: str) -> bool:
        """Tell whether this process may send on `channel`, taking the lease when it is free.

        One process at a time sends on a channel, so the channel's rate limits hold however many
        workers run. A backend used by one process only says yes.
        """
        return True

    async def watch_outbox(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever another process queues a message (nothing to do in one process)."""
        del wake  # one process: its own commits already wake its sender

    async def participant_record(self, participant_id: str) -> dict[str, Any]:
        """Collect everything stored about a participant (for `/mydata`)."""
        return {
            "memberships": await self.memberships(participant_id),
            "runs": await self.runs(participant_id),
            "answers": await self.answers(participant_id),
            "actions": await self.actions(participant_id),
            "checkins": await self.checkins(participant_id=participant_id),
            "progress": await self.action_updates(participant_id=participant_id),
        }


@functools.cache  # read once a process: the health check asks for it on every probe
def migration_scripts(dialect: str) -> tuple[tuple[int, str], ...]:
    """Return the numbered migration scripts of a dialect, in order.

    `migrations/sqlite/` holds every migration; another dialect's folder holds only those whose
    SQL differs there (PostgreSQL: serial ids, BYTEA, byte-ordered keys), the rest are shared.
    """
    scripts = dict(_scripts("sqlite"))
    if dialect != "sqlite":
        scripts.update(_scripts(dialect))
    numbers = sorted(scripts)
    if numbers != list(range(1, len(numbers) + 1)):
        raise MigrationError(f"migrations of {dialect} are not numbered 1..N: {numbers}")
    return tuple((n, scripts[n]) for n in numbers)


def _scripts(folder_name: str) -> list[tuple[int, str]]:
    folder = resources.files("storage") / "migrations" / folder_name
    scripts: list[tuple[int, str]] = []
    for entry in folder.iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        number, _, _ = name.partition("_")
        if not number.isdigit():
            raise MigrationError(f"migration file {name!r} must start with its number")
        if any(n == int(number) for n, _ in scripts):  # two branches took the same number
            raise MigrationError(f"two migrations of {folder_name} are numbered {int(number)}")
        scripts.append((int(number), entry.read_text(encoding="utf-8")))
    return scripts
