"""Copy everything from one store to another (`minga db copy`), e.g. SQLite to PostgreSQL.

Rows keep their ids, so conversations resume where they were, dedupe marks still drop
redeliveries and nothing queued is sent twice. The target must be empty; it is migrated first.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.sql.followup import ACTION_COLUMNS, ACTION_UPDATE_COLUMNS, CHECKIN_COLUMNS
from storage.sql.live import (
    LIVE_LINK_COLUMNS,
    PROMPT_ANSWER_COLUMNS,
    PROMPT_COLUMNS,
    QA_ENTRY_COLUMNS,
    QA_VOTE_COLUMNS,
    SCREEN_COLUMNS,
)
from storage.sql.people import ANSWER_COLUMNS, PARTICIPANT_COLUMNS, RESULT_COLUMNS, RUN_COLUMNS
from storage.sql.workshops import (
    BROADCAST_COLUMNS,
    CHALLENGE_COLUMNS,
    COHORT_COLUMNS,
    SOLUTION_COLUMNS,
    VOTE_COLUMNS,
)
from storage.sql_store import SQLStore

BATCH = 1000
# Every table, parents before children, with its columns (the same in every dialect): the
# record columns the store reads, plus what only the database keeps (serial ids, leases).
TABLES: tuple[tuple[str, str], ...] = (
    ("participants", PARTICIPANT_COLUMNS),
    ("cohorts", COHORT_COLUMNS),
    ("memberships", "participant_id, cohort_id, joined_at, table_no"),
    ("runs", RUN_COLUMNS),
    ("answers", f"id, {ANSWER_COLUMNS}"),
    ("inbound_marks", "channel, external_id, received_at"),
    (
        "outbox",
        "id, channel, address, participant_id, payload, priority, status, attempts, not_before, "
        "lease_until, created_at, sent_at, error, external_id, dedupe_key, erase_after_send, "
        "delivery_status, delivery_error, delivery_at",
    ),
    ("assessment_results", RESULT_COLUMNS),
    ("actions", ACTION_COLUMNS),
    ("rounds", "cohort_id, phase, updated_at"),
    ("challenges", CHALLENGE_COLUMNS),
    ("votes", VOTE_COLUMNS),
    ("solutions", SOLUTION_COLUMNS),
    ("broadcasts", BROADCAST_COLUMNS),
    ("audit_log", "id, at, actor, action, detail"),
    ("facilitator_invites", "code, cohort_id, created_by, created_at, used_by, used_at"),
    ("media", "token, content_type, body, created_at"),
    (
        "scheduled",
        "id, participant_id, flow_id, purpose, due_at, status, lease_until, dedupe_key, "
        "created_at, done_at",
    ),
    ("checkins", f"{CHECKIN_COLUMNS}, lease_until"),
    ("action_updates", f"id, {ACTION_UPDATE_COLUMNS}"),
    ("prompts", PROMPT_COLUMNS),
    ("prompt_answers", PROMPT_ANSWER_COLUMNS),
    ("qa_entries", QA_ENTRY_COLUMNS),
    ("qa_votes", QA_VOTE_COLUMNS),
    ("live_screens", SCREEN_COLUMNS),
    ("live_links", LIVE_LINK_COLUMNS),
    ("checkin_rounds_done", "cohort_id, offset_days, done_at"),
)
# Tables whose integer ids come from a sequence in PostgreSQL, moved past the copied ids.
SERIAL_TABLES = ("answers", "outbox", "audit_log", "scheduled", "action_updates")


class CopyError(Exception):
    """The copy cannot start (the target is not empty) or a table failed."""


async def copy_store(source: SQLStore, target: SQLStore) -> dict[str, int]:
    """Copy every table from `source` into the empty `target`; return the rows per table."""
    for table, _ in TABLES:
        rows = await target._fetchall(f"SELECT COUNT(*) FROM {table}")
        if int(rows[0][0]):
            raise CopyError(f"the target is not empty: {table} has rows; copy into a new database")
    copied: dict[str, int] = {}
    for table, columns in TABLES:
        rows = await source._fetchall(f"SELECT {columns} FROM {table}")
        marks = ", ".join("?" * len(columns.split(",")))
        insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        for start in range(0, len(rows), BATCH):
            chunk: Sequence[tuple[object, ...]] = [tuple(r) for r in rows[start : start + BATCH]]
            await target._write([(insert, row) for row in chunk])
        copied[table] = len(rows)
    if target.dialect == "postgres":
        await target._write(
            [
                (
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)",
                    (),
                )
                for table in SERIAL_TABLES
            ]
        )
    return copied
