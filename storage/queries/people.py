"""Participants, their runs, memberships, answers and assessment results."""

from __future__ import annotations

from datetime import date, datetime

from typing_extensions import override

from storage.codec import dump_time
from storage.queries.access import SQLAccess
from storage.records.people import (
    Answer,
    AssessmentResult,
    Membership,
    Participant,
    ParticipantKey,
    Run,
)
from storage.sql.common import prefixed
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


class PeopleQueries(SQLAccess):
    """Reads of participants and what they did: runs, memberships, answers, results."""

    @override
    async def participant(self, key: ParticipantKey) -> Participant | None:
        rows = await self._fetchall(
            f"SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE channel = ? AND address = ?",
            (key.channel, key.address),
        )
        return participant_from_row(rows[0]) if rows else None

    @override
    async def runs(self, participant_id: str) -> list[Run]:
        return await self._decoded(
            run_from_row,
            f"SELECT {RUN_COLUMNS} FROM runs WHERE participant_id = ? ORDER BY started_at",
            (participant_id,),
        )

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
    async def cohort_answers(self, cohort_id: str, flow_id: str) -> list[tuple[Answer, int | None]]:
        columns = ", ".join(f"a.{c.strip()}" for c in ANSWER_COLUMNS.split(","))
        rows = await self._fetchall(
            f"SELECT {columns}, m.table_no FROM answers a JOIN memberships m "
            "ON m.participant_id = a.participant_id AND m.cohort_id = ? "
            "WHERE a.flow_id = ? ORDER BY a.created_at, a.id",
            (cohort_id, flow_id),
        )
        width = len(ANSWER_COLUMNS.split(","))
        return [(answer_from_row(row[:width]), row[width]) for row in rows]

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
    async def cohort_members(self, cohort_id: str) -> list[Participant]:
        columns = prefixed(PARTICIPANT_COLUMNS, "p")
        return await self._decoded(
            participant_from_row,
            f"SELECT {columns} FROM participants p JOIN memberships m "
            "ON m.participant_id = p.id WHERE m.cohort_id = ? ORDER BY m.joined_at",
            (cohort_id,),
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


def _latest_per_participant(results: list[AssessmentResult]) -> list[AssessmentResult]:
    latest: dict[str, AssessmentResult] = {}
    for result in results:  # oldest first, so the last one of each person wins
        latest[result.participant_id] = result
    return list(latest.values())
