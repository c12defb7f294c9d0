"""Persistence: the `Store` interface and its backends, chosen by URL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from storage.base import (
    ConversationSession,
    DuplicateError,
    MigrationError,
    Store,
    StoreError,
    is_database_error,
)
from storage.messages import Choice, Outbound
from storage.records.changes import Changes
from storage.records.followup import ActionProgress, Checkin, DueCheckin, PlanAction
from storage.records.forms import StoredForm
from storage.records.live import (
    PROMPT_KINDS,
    LiveLink,
    Prompt,
    PromptAnswer,
    PromptKind,
    QaEntry,
    QaVote,
    Screen,
)
from storage.records.outbox import (
    PRIORITY_BULK,
    PRIORITY_REPLY,
    Delivery,
    NewOutbound,
    OutboxRow,
    StatusReport,
)
from storage.records.people import (
    Answer,
    AssessmentResult,
    Conversation,
    InboundMark,
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
    Scheduled,
    Solution,
    Vote,
)
from storage.sql.outbox import OUTBOX_LEASE_SECONDS

__all__ = [
    "OUTBOX_LEASE_SECONDS",
    "PRIORITY_BULK",
    "PRIORITY_REPLY",
    "PROMPT_KINDS",
    "ActionProgress",
    "Answer",
    "AssessmentResult",
    "AuditEntry",
    "Broadcast",
    "Challenge",
    "Changes",
    "Checkin",
    "Choice",
    "Cohort",
    "Conversation",
    "ConversationSession",
    "Delivery",
    "DueCheckin",
    "DueStart",
    "DuplicateError",
    "InboundMark",
    "Invite",
    "LiveLink",
    "Membership",
    "MigrationError",
    "NewOutbound",
    "Outbound",
    "OutboxRow",
    "Participant",
    "ParticipantKey",
    "PlanAction",
    "Prompt",
    "PromptAnswer",
    "PromptKind",
    "QaEntry",
    "QaVote",
    "Run",
    "Scheduled",
    "Screen",
    "Solution",
    "StatusReport",
    "Store",
    "StoreError",
    "StoredForm",
    "Vote",
    "is_database_error",
    "open_store",
]


async def open_store(url: str, now: Callable[[], datetime], *, migrate: bool = True) -> Store:
    """Open the backend a URL names and, unless told not to, apply pending migrations."""
    store: Store
    if url.startswith("sqlite:"):
        from storage.sqlite import SQLiteStore

        sqlite_store = SQLiteStore.from_url(url, now)
        await sqlite_store.open()
        store = sqlite_store
    elif url.startswith(("postgresql://", "postgres://")):
        try:
            from storage.postgres import PostgresStore
        except ImportError as exc:  # the driver is an optional extra
            raise ValueError("PostgreSQL needs asyncpg: pip install 'minga[postgres]'") from exc
        postgres_store = PostgresStore.from_url(url, now)
        await postgres_store.open()
        store = postgres_store
    else:
        raise ValueError(f"unsupported database URL {url!r}: use sqlite:///path or postgresql://…")
    if migrate:
        try:
            await store.migrate()
        except BaseException:
            await store.close()
            raise
    return store
