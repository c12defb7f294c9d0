"""Workshops: cohorts, the prioritization round, broadcasts, invites, scheduled starts, audit.

The prioritization round is its challenges, votes and solutions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from storage.codec import dump_json, dump_time, load_json, load_time, need_time
from storage.records.workshops import (
    AuditEntry,
    Broadcast,
    Challenge,
    Cohort,
    Invite,
    Scheduled,
    Solution,
    Vote,
)
from storage.sql.common import Row, Statement

COHORT_COLUMNS = "id, code, name, locale, created_at, starts, ends, timezone, checkin_days"

INSERT_COHORT_SQL = f"INSERT INTO cohorts ({COHORT_COLUMNS}) VALUES ({', '.join('?' * 9)})"

CHALLENGE_COLUMNS = "id, cohort_id, text, created_at, participant_id, hidden, merged_into, wording"

INSERT_CHALLENGE_SQL = (
    f"INSERT INTO challenges ({CHALLENGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO NOTHING"
)

MODERATE_CHALLENGE_SQL = (
    "UPDATE challenges SET hidden = COALESCE(?, hidden), merged_into = COALESCE(?, merged_into), "
    "wording = COALESCE(?, wording) WHERE id = ?"
)

VOTE_COLUMNS = "cohort_id, participant_id, ranking, created_at"

UPSERT_VOTE_SQL = (
    f"INSERT INTO votes ({VOTE_COLUMNS}) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (cohort_id, participant_id) DO UPDATE SET ranking = excluded.ranking, "
    "created_at = excluded.created_at"
)

SOLUTION_COLUMNS = (
    "id, cohort_id, participant_id, table_no, challenge_id, consequences, text, impact, effort, "
    "created_at"
)

INSERT_SOLUTION_SQL = (
    f"INSERT INTO solutions ({SOLUTION_COLUMNS}) VALUES ({', '.join('?' * 10)}) "
    "ON CONFLICT (id) DO NOTHING"
)

BROADCAST_COLUMNS = (
    "id, cohort_id, author_id, audience, text, status, recipients, skipped, spread_seconds, "
    "created_at, confirmed_at"
)

UPSERT_BROADCAST_SQL = (
    f"INSERT INTO broadcasts ({BROADCAST_COLUMNS}) VALUES ({', '.join('?' * 11)}) "
    "ON CONFLICT (id) DO UPDATE SET text = excluded.text, status = excluded.status, "
    "recipients = excluded.recipients, skipped = excluded.skipped, "
    "spread_seconds = excluded.spread_seconds, confirmed_at = excluded.confirmed_at"
)

UPSERT_INVITE_SQL = (
    "INSERT INTO facilitator_invites (code, cohort_id, created_by, created_at, used_by, used_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET used_by = excluded.used_by, "
    "used_at = excluded.used_at WHERE facilitator_invites.used_by IS NULL"  # used once only
)

INSERT_SCHEDULED_SQL = (
    "INSERT INTO scheduled (participant_id, flow_id, purpose, due_at, dedupe_key, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)

RELEASE_DUE_SQL = (
    "UPDATE scheduled SET status = 'due', lease_until = NULL "
    "WHERE status = 'running' AND lease_until < ?"
)

DUE_PLACE_SQL = "SELECT channel, address FROM participants WHERE id = ?"

INSERT_AUDIT_SQL = "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)"


def cohort_from_row(row: Row) -> Cohort:
    """Decode the cohort columns, in `COHORT_COLUMNS` order."""
    return Cohort(
        id=row[0],
        code=row[1],
        name=row[2],
        locale=row[3],
        created_at=need_time(row[4]),
        starts=date.fromisoformat(row[5]) if row[5] else None,
        ends=date.fromisoformat(row[6]) if row[6] else None,
        timezone=row[7],
        checkin_days=tuple(load_json(row[8])) if row[8] is not None else None,
    )


def cohort_params(c: Cohort) -> tuple[Any, ...]:
    """Parameters of the cohort insert, in `COHORT_COLUMNS` order."""
    return (
        c.id,
        c.code,
        c.name,
        c.locale,
        dump_time(c.created_at),
        c.starts.isoformat() if c.starts else None,
        c.ends.isoformat() if c.ends else None,
        c.timezone,
        dump_json(list(c.checkin_days)) if c.checkin_days is not None else None,
    )


def challenge_from_row(row: Row) -> Challenge:
    """Decode the challenge columns, in `CHALLENGE_COLUMNS` order."""
    return Challenge(
        row[0], row[1], row[2], need_time(row[3]), row[4], bool(row[5]), row[6], row[7]
    )


def vote_from_row(row: Row) -> Vote:
    """Decode the vote columns, in `VOTE_COLUMNS` order."""
    return Vote(row[0], row[1], tuple(load_json(row[2])), need_time(row[3]))


def solution_from_row(row: Row) -> Solution:
    """Decode the solution columns, in `SOLUTION_COLUMNS` order."""
    return Solution(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        int(row[7]),
        int(row[8]),
        need_time(row[9]),
    )


def broadcast_params(b: Broadcast) -> tuple[Any, ...]:
    """Parameters of the broadcast upsert."""
    return (
        b.id,
        b.cohort_id,
        b.author_id,
        dump_json(b.audience),
        b.text,
        b.status,
        b.recipients,
        b.skipped,
        b.spread_seconds,
        dump_time(b.created_at),
        dump_time(b.confirmed_at),
    )


def broadcast_from_row(row: Row) -> Broadcast:
    """Decode the broadcast columns, in `BROADCAST_COLUMNS` order."""
    return Broadcast(
        id=row[0],
        cohort_id=row[1],
        author_id=row[2],
        audience=load_json(row[3]),
        text=row[4],
        status=row[5],
        recipients=row[6],
        skipped=row[7],
        spread_seconds=row[8],
        created_at=need_time(row[9]),
        confirmed_at=load_time(row[10]),
    )


def claim_due_sql(lock: str) -> str:
    """Claim due scheduled starts; `lock` is the engine's row-locking clause (or empty)."""
    return (
        "UPDATE scheduled SET status = 'running', lease_until = ? WHERE id IN ("
        "SELECT id FROM scheduled WHERE status = 'due' AND due_at <= ? "
        f"ORDER BY due_at, id LIMIT ? {lock}) "
        "RETURNING id, participant_id, flow_id, purpose, due_at"
    )


# -- what a unit of work writes, one builder per record (`storage/sql/changes.py` orders them) --


def challenge_statements(challenges: Sequence[Challenge]) -> list[Statement]:
    """Insert submitted challenges (a challenge is written once)."""
    return [
        (
            INSERT_CHALLENGE_SQL,
            (
                c.id,
                c.cohort_id,
                c.text,
                dump_time(c.created_at),
                c.participant_id,
                int(c.hidden),
                c.merged_into,
                c.wording,
            ),
        )
        for c in challenges
    ]


def vote_statements(votes: Sequence[Vote]) -> list[Statement]:
    """Insert votes, each replacing the same person's earlier vote in that round."""
    return [
        (
            UPSERT_VOTE_SQL,
            (v.cohort_id, v.participant_id, dump_json(list(v.ranking)), dump_time(v.created_at)),
        )
        for v in votes
    ]


def solution_statements(solutions: Sequence[Solution]) -> list[Statement]:
    """Insert the tables' proposed solutions (a solution is written once)."""
    return [
        (
            INSERT_SOLUTION_SQL,
            (
                s.id,
                s.cohort_id,
                s.participant_id,
                s.table_no,
                s.challenge_id,
                s.consequences,
                s.text,
                s.impact,
                s.effort,
                dump_time(s.created_at),
            ),
        )
        for s in solutions
    ]


def broadcast_statements(broadcasts: Sequence[Broadcast]) -> list[Statement]:
    """Insert or update broadcasts."""
    return [(UPSERT_BROADCAST_SQL, broadcast_params(b)) for b in broadcasts]


def invite_statements(invites: Sequence[Invite]) -> list[Statement]:
    """Insert invites, or record who used one."""
    return [
        (
            UPSERT_INVITE_SQL,
            (
                invite.code,
                invite.cohort_id,
                invite.created_by,
                dump_time(invite.created_at),
                invite.used_by,
                dump_time(invite.used_at),
            ),
        )
        for invite in invites
    ]


def scheduled_statements(scheduled: Sequence[Scheduled], now: datetime) -> list[Statement]:
    """Insert scheduled starts (one with a dedupe key already queued is left alone)."""
    stamp = dump_time(now)
    return [
        (
            INSERT_SCHEDULED_SQL,
            (
                item.participant_id,
                item.flow_id,
                item.purpose,
                dump_time(item.due_at),
                item.dedupe_key,
                stamp,
            ),
        )
        for item in scheduled
    ]


def audit_statements(entries: Sequence[AuditEntry]) -> list[Statement]:
    """Append facilitator actions to the audit log."""
    return [
        (INSERT_AUDIT_SQL, (dump_time(e.at), e.actor, e.action, dump_json(e.detail)))
        for e in entries
    ]
