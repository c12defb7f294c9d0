"""Workshops: cohorts, the prioritization round, broadcasts, invites, scheduled starts, audit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from typing_extensions import override

from storage.codec import dump_time, load_json, load_time, need_time
from storage.queries.access import SQLAccess
from storage.records.workshops import (
    AuditEntry,
    Broadcast,
    Challenge,
    Cohort,
    Invite,
    Solution,
    Vote,
)
from storage.sql.workshops import (
    BROADCAST_COLUMNS,
    CHALLENGE_COLUMNS,
    COHORT_COLUMNS,
    SOLUTION_COLUMNS,
    VOTE_COLUMNS,
    broadcast_from_row,
    challenge_from_row,
    cohort_from_row,
    solution_from_row,
    vote_from_row,
)


class WorkshopQueries(SQLAccess):
    """Cohorts, the prioritization round, broadcasts, invites, scheduled starts, the audit log."""

    @override
    async def cohort_by_code(self, code: str) -> Cohort | None:
        rows = await self._fetchall(
            f"SELECT {COHORT_COLUMNS} FROM cohorts WHERE lower(code) = lower(?)", (code,)
        )
        return cohort_from_row(rows[0]) if rows else None

    @override
    async def cohort_by_id(self, cohort_id: str) -> Cohort | None:
        rows = await self._fetchall(
            f"SELECT {COHORT_COLUMNS} FROM cohorts WHERE id = ?", (cohort_id,)
        )
        return cohort_from_row(rows[0]) if rows else None

    @override
    async def list_cohorts(self) -> list[tuple[Cohort, int]]:
        rows = await self._fetchall(
            f"SELECT {COHORT_COLUMNS}, (SELECT COUNT(*) FROM memberships m "
            "WHERE m.cohort_id = cohorts.id) FROM cohorts ORDER BY created_at DESC"
        )
        width = len(COHORT_COLUMNS.split(","))
        return [(cohort_from_row(row[:width]), int(row[width])) for row in rows]

    @override
    async def round_phase(self, cohort_id: str) -> str | None:
        rows = await self._fetchall("SELECT phase FROM rounds WHERE cohort_id = ?", (cohort_id,))
        return str(rows[0][0]) if rows else None

    @override
    async def set_round_phase(self, cohort_id: str, phase: str, now: datetime) -> None:
        await self._write(
            [
                (
                    "INSERT INTO rounds (cohort_id, phase, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (cohort_id) DO UPDATE SET phase = excluded.phase, "
                    "updated_at = excluded.updated_at",
                    (cohort_id, phase, dump_time(now)),
                )
            ]
        )

    @override
    async def challenges(self, cohort_id: str) -> list[Challenge]:
        return await self._decoded(
            challenge_from_row,
            f"SELECT {CHALLENGE_COLUMNS} FROM challenges WHERE cohort_id = ? "
            "ORDER BY created_at, id",
            (cohort_id,),
        )

    @override
    async def votes(self, cohort_id: str) -> list[Vote]:
        return await self._decoded(
            vote_from_row,
            f"SELECT {VOTE_COLUMNS} FROM votes WHERE cohort_id = ? ORDER BY created_at",
            (cohort_id,),
        )

    @override
    async def solutions(self, cohort_id: str) -> list[Solution]:
        return await self._decoded(
            solution_from_row,
            f"SELECT {SOLUTION_COLUMNS} FROM solutions WHERE cohort_id = ? ORDER BY created_at",
            (cohort_id,),
        )

    @override
    async def broadcast_draft(self, author_id: str) -> Broadcast | None:
        found = await self._decoded(
            broadcast_from_row,
            f"SELECT {BROADCAST_COLUMNS} FROM broadcasts WHERE author_id = ? "
            "AND status IN ('draft', 'confirm') ORDER BY created_at DESC LIMIT 1",
            (author_id,),
        )
        return found[0] if found else None

    @override
    async def broadcasts(self, cohort_id: str, limit: int = 5) -> list[Broadcast]:
        return await self._decoded(
            broadcast_from_row,
            f"SELECT {BROADCAST_COLUMNS} FROM broadcasts WHERE cohort_id = ? "
            "AND status = 'queued' ORDER BY confirmed_at DESC LIMIT ?",
            (cohort_id, limit),
        )

    @override
    async def invite(self, code: str) -> Invite | None:
        rows = await self._fetchall(
            "SELECT code, cohort_id, created_by, created_at, used_by, used_at "
            "FROM facilitator_invites WHERE code = upper(?)",
            (code,),
        )
        if not rows:
            return None
        r = rows[0]
        return Invite(r[0], r[1], r[2], need_time(r[3]), r[4], load_time(r[5]))

    @override
    async def facilitated_cohorts(self, participant_id: str) -> list[str]:
        rows = await self._fetchall(
            "SELECT cohort_id FROM facilitator_invites WHERE used_by = ? ORDER BY used_at",
            (participant_id,),
        )
        return [str(row[0]) for row in rows]

    @override
    async def finish_due(self, ids: Sequence[int], status: str, now: datetime) -> None:
        if ids:
            await self._write(
                [
                    (
                        "UPDATE scheduled SET status = ?, done_at = ?, lease_until = NULL "
                        "WHERE id = ?",
                        (status, dump_time(now), row_id),
                    )
                    for row_id in ids
                ]
            )

    @override
    async def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        rows = await self._fetchall(
            "SELECT at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [AuditEntry(need_time(r[0]), r[1], r[2], load_json(r[3])) for r in rows]
