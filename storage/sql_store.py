"""What the SQL backends share: every query that is plain SQL, on two primitives.

A backend supplies `_fetchall` (one read, run to its end) and `_write` (independent statements
committed together), plus what differs between engines: connections, the per-participant lock,
migrations and the claims that need engine-specific locking. Statements are written with `?`
placeholders (PostgreSQL rewrites them to `$n`).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, TypeVar

from typing_extensions import override

from storage.base import Store, migration_scripts
from storage.codec import dump_json, dump_time, load_json, load_time, need_time
from storage.messages import Outbound
from storage.records.changes import Changes
from storage.records.followup import ActionProgress, Checkin, PlanAction
from storage.records.outbox import NewOutbound
from storage.records.people import (
    Answer,
    AssessmentResult,
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
    Invite,
    Solution,
    Vote,
)
from storage.sql.changes import change_statements
from storage.sql.common import Row, Statement, prefixed
from storage.sql.followup import (
    ACTION_COLUMNS,
    ACTION_UPDATE_COLUMNS,
    CHECKIN_COLUMNS,
    PLAN_CHECKIN_SQL,
    action_from_row,
    action_update_from_row,
    checkin_from_row,
    checkin_params,
    checkin_statements,
)
from storage.sql.people import (
    ANSWER_COLUMNS,
    PARTICIPANT_COLUMNS,
    RESULT_COLUMNS,
    RUN_COLUMNS,
    answer_from_row,
    membership_from_row,
    participant_from_row,
    result_from_row,
    run_from_row,
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

T = TypeVar("T")
MEDIA_KEPT = timedelta(days=7)


class SQLStore(Store):
    """The queries both SQL backends run the same way."""

    dialect: ClassVar[str]  # the folder of its migrations: "sqlite" or "postgres"
    _now: Callable[[], datetime]

    @override
    async def expired_participants(self, closed_before: date) -> list[ParticipantKey]:
        # Only people in workshops, every one of which has an end date before the cutoff; a
        # workshop without an end date is never over.
        rows = await self._fetchall(
            "SELECT p.channel, p.address FROM participants p "
            "WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.participant_id = p.id) "
            "AND NOT EXISTS (SELECT 1 FROM memberships m JOIN cohorts c ON c.id = m.cohort_id "
            "WHERE m.participant_id = p.id AND (c.ends IS NULL OR c.ends >= ?))",
            (closed_before.isoformat(),),
        )
        return [ParticipantKey(str(r[0]), str(r[1])) for r in rows]

    @override
    async def oldest_due(self) -> datetime | None:
        rows = await self._fetchall(
            "SELECT MIN(t) FROM (SELECT MIN(next_at) AS t FROM checkins WHERE next_at IS NOT NULL "
            "UNION ALL SELECT MIN(due_at) AS t FROM scheduled WHERE status = 'due') due"
        )
        return load_time(rows[0][0]) if rows and rows[0][0] else None

    @override
    async def pending_migrations(self) -> int:
        """Count the migrations this code has that the database has not applied."""
        return len(migration_scripts(self.dialect)) - await self.schema_version()

    @abstractmethod
    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Row]:
        """Run one read to its end and return its rows."""

    @abstractmethod
    async def _write(self, statements: list[Statement]) -> None:
        """Commit independent statements together (with whatever else is queued)."""

    async def _fetch_few(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Row]:
        """Run a read of a few indexed rows on the path of a message (a backend may shortcut)."""
        return await self._fetchall(sql, params)

    async def _decoded(
        self, decode: Callable[[Row], T], sql: str, params: Sequence[Any] = (), few: bool = False
    ) -> list[T]:
        """Read and decode rows; `few`: a few indexed rows on a message's path (`_fetch_few`)."""
        rows = await (self._fetch_few if few else self._fetchall)(sql, params)
        return [decode(row) for row in rows]

    @override
    async def outbox_counts(self) -> dict[str, int]:
        rows = await self._fetchall("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {str(status): int(n) for status, n in rows}

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
    async def memberships(self, participant_id: str) -> list[Membership]:
        return await self._decoded(
            membership_from_row,
            "SELECT participant_id, cohort_id, joined_at, table_no FROM memberships "
            "WHERE participant_id = ? ORDER BY joined_at",
            (participant_id,),
            few=True,
        )

    @override
    async def participant(self, key: ParticipantKey) -> Participant | None:
        rows = await self._fetchall(
            f"SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE channel = ? AND address = ?",
            (key.channel, key.address),
        )
        return participant_from_row(rows[0]) if rows else None

    @override
    async def answers(self, participant_id: str) -> list[Answer]:
        return await self._decoded(
            answer_from_row,
            f"SELECT {ANSWER_COLUMNS} FROM answers WHERE participant_id = ? ORDER BY id",
            (participant_id,),
        )

    @override
    async def results(self, participant_id: str, flow_id: str) -> list[AssessmentResult]:
        return await self._decoded(
            result_from_row,
            f"SELECT {RESULT_COLUMNS} FROM assessment_results WHERE participant_id = ? "
            "AND flow_id = ? ORDER BY completed_at",
            (participant_id, flow_id),
            few=True,
        )

    @override
    async def cohort_results(self, cohort_id: str, flow_id: str) -> list[AssessmentResult]:
        results = await self._decoded(
            result_from_row,
            f"SELECT {RESULT_COLUMNS} FROM assessment_results WHERE cohort_id = ? "
            "AND flow_id = ? ORDER BY completed_at",
            (cohort_id, flow_id),
        )
        return _latest_per_participant(results)

    @override
    async def actions(self, participant_id: str) -> list[PlanAction]:
        return await self._decoded(
            action_from_row,
            f"SELECT {ACTION_COLUMNS} FROM actions WHERE participant_id = ? "
            "ORDER BY created_at, position",
            (participant_id,),
        )

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
    async def cohort_members(self, cohort_id: str) -> list[Participant]:
        columns = prefixed(PARTICIPANT_COLUMNS, "p")
        return await self._decoded(
            participant_from_row,
            f"SELECT {columns} FROM participants p JOIN memberships m "
            "ON m.participant_id = p.id WHERE m.cohort_id = ? ORDER BY m.joined_at",
            (cohort_id,),
        )

    @override
    async def enqueue(self, messages: Sequence[NewOutbound]) -> None:
        await self._write(change_statements(Changes(outbox=list(messages)), self._now()))

    @override
    async def requeue(self, row_id: int, message: Outbound, at: datetime) -> None:
        await self._write(
            [
                (
                    "UPDATE outbox SET status = 'pending', payload = ?, not_before = ?, "
                    "external_id = NULL, lease_until = NULL WHERE id = ?",
                    (dump_json(message.to_json()), dump_time(at), row_id),
                )
            ]
        )

    @override
    async def audience(self, cohort_id: str) -> list[tuple[Participant, Membership]]:
        columns = prefixed(PARTICIPANT_COLUMNS, "p")
        rows = await self._fetchall(
            f"SELECT {columns}, m.participant_id, m.cohort_id, m.joined_at, m.table_no "
            "FROM participants p JOIN memberships m ON m.participant_id = p.id "
            "WHERE m.cohort_id = ? ORDER BY m.joined_at",
            (cohort_id,),
        )
        width = len(PARTICIPANT_COLUMNS.split(","))
        return [(participant_from_row(r), membership_from_row(r[width:])) for r in rows]

    @override
    async def completed(self, cohort_id: str) -> dict[str, set[str]]:
        rows = await self._fetchall(
            "SELECT DISTINCT r.flow_id, r.participant_id FROM runs r JOIN memberships m "
            "ON m.participant_id = r.participant_id WHERE m.cohort_id = ? "
            "AND r.status = 'completed'",
            (cohort_id,),
        )
        done: dict[str, set[str]] = {}
        for flow_id, participant_id in rows:
            done.setdefault(flow_id, set()).add(participant_id)
        return done

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
    async def broadcast_progress(self, broadcast_id: str) -> dict[str, int]:
        # A range on the unique dedupe_key index ('broadcast:<id>:' up to ':' + 1 = ';').
        rows = await self._fetchall(
            "SELECT status, COUNT(*) FROM outbox WHERE dedupe_key >= ? AND dedupe_key < ? "
            "GROUP BY status",
            (f"broadcast:{broadcast_id}:", f"broadcast:{broadcast_id};"),
        )
        return {status: count for status, count in rows}

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
    async def put_media(self, token: str, content_type: str, body: bytes, now: datetime) -> None:
        await self._write(
            [
                (
                    "INSERT INTO media (token, content_type, body, created_at) VALUES (?, ?, ?, ?)",
                    (token, content_type, body, dump_time(now)),
                ),
                ("DELETE FROM media WHERE created_at < ?", (dump_time(now - MEDIA_KEPT),)),
            ]
        )

    @override
    async def media(self, token: str) -> tuple[str, bytes] | None:
        rows = await self._fetchall(
            "SELECT content_type, body FROM media WHERE token = ?", (token,)
        )
        return (str(rows[0][0]), bytes(rows[0][1])) if rows else None

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
    async def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        rows = await self._fetchall(
            "SELECT at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [AuditEntry(need_time(r[0]), r[1], r[2], load_json(r[3])) for r in rows]

    @override
    async def window_closing(
        self, channel: str, since: datetime, until: datetime
    ) -> list[ParticipantKey]:
        rows = await self._fetchall(
            "SELECT DISTINCT p.channel, p.address FROM participants p "
            "JOIN runs r ON r.participant_id = p.id AND r.status = 'active' "
            "WHERE p.channel = ? AND p.last_inbound_at >= ? AND p.last_inbound_at < ? "
            "AND p.consent = 1 AND p.opted_out = 0 AND p.unreachable = 0",
            (channel, dump_time(since), dump_time(until)),
        )
        return [ParticipantKey(row[0], row[1]) for row in rows]

    @override
    async def runs(self, participant_id: str) -> list[Run]:
        return await self._decoded(
            run_from_row,
            f"SELECT {RUN_COLUMNS} FROM runs WHERE participant_id = ? ORDER BY started_at",
            (participant_id,),
        )


def _latest_per_participant(results: list[AssessmentResult]) -> list[AssessmentResult]:
    latest: dict[str, AssessmentResult] = {}
    for result in results:  # oldest first, so the last one of each person wins
        latest[result.participant_id] = result
    return list(latest.values())
