"""Follow-up: check-in plans and rounds, plan actions and the progress reported on them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from typing_extensions import override

from storage.codec import dump_json, load_time
from storage.queries.access import SQLAccess
from storage.records.followup import ActionProgress, Checkin, PlanAction
from storage.records.workshops import Cohort
from storage.sql.common import Statement, prefixed
from storage.sql.followup import (
    ACTION_COLUMNS,
    ACTION_UPDATE_COLUMNS,
    CHECKIN_COLUMNS,
    PLAN_CHECKIN_SQL,
    ROUNDS_TO_REPORT_SQL,
    action_from_row,
    action_update_from_row,
    checkin_from_row,
    checkin_params,
    checkin_statements,
)


class FollowupQueries(SQLAccess):
    """Check-in plans and rounds, plan actions and the progress reported on them."""

    @override
    async def save_checkin_plan(self, cohort: Cohort, rows: Sequence[Checkin]) -> None:
        planned = sorted({row.offset_days for row in rows})
        marks = ", ".join("?" * len(planned)) or "NULL"
        plan = None if cohort.checkin_days is None else dump_json(list(cohort.checkin_days))
        ends = cohort.ends.isoformat() if cohort.ends else None
        statements: list[Statement] = [
            ("UPDATE cohorts SET ends = ?, checkin_days = ? WHERE id = ?", (ends, plan, cohort.id)),
            # Rounds dropped from the plan are cancelled where they have not started yet.
            (
                "UPDATE checkins SET status = 'cancelled', next_at = NULL "
                "WHERE cohort_id = ? AND status = 'planned' AND lease_until IS NULL "
                f"AND offset_days NOT IN ({marks})",
                (cohort.id, *planned),
            ),
        ]
        statements += [(PLAN_CHECKIN_SQL, checkin_params(row)) for row in rows]
        await self._write(statements)

    @override
    async def cohorts_to_plan(self) -> list[str]:
        rows = await self._fetchall(
            "SELECT DISTINCT m.cohort_id FROM memberships m JOIN cohorts c ON c.id = m.cohort_id "
            "WHERE c.ends IS NOT NULL AND COALESCE(c.checkin_days, '') != '[]' "
            "AND NOT EXISTS (SELECT 1 FROM checkins k WHERE k.participant_id = m.participant_id "
            "AND k.cohort_id = m.cohort_id)"
        )
        return [str(row[0]) for row in rows]

    @override
    async def checkin(self, checkin_id: str) -> Checkin | None:
        found = await self._decoded(
            checkin_from_row,
            f"SELECT {CHECKIN_COLUMNS} FROM checkins WHERE id = ?",
            (checkin_id,),
        )
        return found[0] if found else None

    @override
    async def update_checkins(self, rows: Sequence[Checkin]) -> None:
        if rows:
            await self._write(checkin_statements(rows))

    @override
    async def checkins(
        self, *, cohort_id: str | None = None, participant_id: str | None = None
    ) -> list[Checkin]:
        column, value = (
            ("cohort_id", cohort_id) if cohort_id else ("participant_id", participant_id)
        )
        return await self._decoded(
            checkin_from_row,
            f"SELECT {CHECKIN_COLUMNS} FROM checkins WHERE {column} = ? "
            "ORDER BY offset_days, due_at, id",
            (value,),
        )

    @override
    async def rounds_to_report(self) -> list[tuple[str, int]]:
        rows = await self._fetchall(ROUNDS_TO_REPORT_SQL)
        return [(str(row[0]), int(row[1])) for row in rows]

    @override
    async def oldest_due(self) -> datetime | None:
        rows = await self._fetchall(
            "SELECT MIN(t) FROM (SELECT MIN(next_at) AS t FROM checkins WHERE next_at IS NOT NULL "
            "UNION ALL SELECT MIN(due_at) AS t FROM scheduled WHERE status = 'due') due"
        )
        return load_time(rows[0][0]) if rows and rows[0][0] else None

    @override
    async def actions(self, participant_id: str) -> list[PlanAction]:
        return await self._decoded(
            action_from_row,
            f"SELECT {ACTION_COLUMNS} FROM actions WHERE participant_id = ? "
            "ORDER BY created_at, position",
            (participant_id,),
        )

    @override
    async def cohort_actions(self, cohort_id: str) -> list[PlanAction]:
        columns = prefixed(ACTION_COLUMNS, "a")
        return await self._decoded(
            action_from_row,
            f"SELECT {columns} FROM actions a JOIN memberships m "
            "ON m.participant_id = a.participant_id WHERE m.cohort_id = ? "
            "ORDER BY m.joined_at, a.participant_id, a.position",
            (cohort_id,),
        )

    @override
    async def action_updates(
        self, *, cohort_id: str | None = None, participant_id: str | None = None
    ) -> list[ActionProgress]:
        columns = prefixed(ACTION_UPDATE_COLUMNS, "u")
        where = (
            "u.participant_id IN (SELECT participant_id FROM memberships WHERE cohort_id = ?)"
            if cohort_id is not None
            else "u.participant_id = ?"
        )
        value = cohort_id if cohort_id is not None else participant_id
        rows = await self._fetchall(
            f"SELECT {columns} FROM action_updates u WHERE {where} ORDER BY u.created_at, u.id",
            (value,),
        )
        return [action_update_from_row(r) for r in rows]
