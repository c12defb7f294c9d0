"""Participants, runs, memberships, answers, results, the conversation read and erasure."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage.codec import (
    dump_bool,
    dump_json,
    dump_time,
    load_bool,
    load_json,
    load_time,
    need_time,
)
from storage.records.people import (
    Answer,
    AssessmentResult,
    InboundMark,
    Membership,
    Participant,
    Run,
)
from storage.sql.common import Row, Statement, prefixed

PARTICIPANT_COLUMNS = (
    "id, channel, address, locale, created_at, name, municipality, country, role, consent, "
    "consent_at, onboarded, opted_out, unreachable, last_inbound_at, consent_wording, "
    "facilitator, share_progress, burst_since, burst_count, guesses_since, guesses"
)

RUN_COLUMNS = (
    "id, participant_id, flow_id, flow_version, step, status, data, started_at, updated_at, "
    "completed_at"
)

ANSWER_COLUMNS = "run_id, participant_id, flow_id, step_id, raw, value, created_at"

RESULT_COLUMNS = "run_id, participant_id, flow_id, cohort_id, scores, completed_at"

CONVERSATION_SQL = f"""
SELECT {prefixed(PARTICIPANT_COLUMNS, "p")}, {prefixed(RUN_COLUMNS, "r")},
       (SELECT 1 FROM inbound_marks m WHERE m.channel = ? AND m.external_id = ?) AS seen
FROM (SELECT ? AS channel, ? AS address) k
LEFT JOIN participants p ON p.channel = k.channel AND p.address = k.address
LEFT JOIN runs r ON r.participant_id = p.id AND r.status IN ('active', 'paused')
ORDER BY r.updated_at DESC
"""

PARTICIPANT_WIDTH = len(PARTICIPANT_COLUMNS.split(","))

RUN_WIDTH = len(RUN_COLUMNS.split(","))

INSERT_MARK_SQL = (
    "INSERT INTO inbound_marks (channel, external_id, received_at) VALUES (?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)

UPSERT_PARTICIPANT_SQL = (
    f"INSERT INTO participants ({PARTICIPANT_COLUMNS}) VALUES ({', '.join('?' * 22)}) "
    "ON CONFLICT (id) DO UPDATE SET locale = excluded.locale, name = excluded.name, "
    "municipality = excluded.municipality, country = excluded.country, role = excluded.role, "
    "consent = excluded.consent, consent_at = excluded.consent_at, "
    "onboarded = excluded.onboarded, opted_out = excluded.opted_out, "
    "unreachable = excluded.unreachable, last_inbound_at = excluded.last_inbound_at, "
    "consent_wording = excluded.consent_wording, facilitator = excluded.facilitator, "
    "share_progress = excluded.share_progress, burst_since = excluded.burst_since, "
    "burst_count = excluded.burst_count, guesses_since = excluded.guesses_since, "
    "guesses = excluded.guesses"
)

UPSERT_MEMBERSHIP_SQL = (
    "INSERT INTO memberships (participant_id, cohort_id, joined_at, table_no) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (participant_id, cohort_id) DO UPDATE SET "
    "table_no = COALESCE(excluded.table_no, memberships.table_no)"
)

UPSERT_RUN_SQL = (
    f"INSERT INTO runs ({RUN_COLUMNS}) VALUES ({', '.join('?' * 10)}) "
    "ON CONFLICT (id) DO UPDATE SET step = excluded.step, status = excluded.status, "
    "data = excluded.data, updated_at = excluded.updated_at, completed_at = excluded.completed_at"
)

INSERT_ANSWER_SQL = (
    "INSERT INTO answers (run_id, participant_id, flow_id, step_id, raw, value, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)

INSERT_RESULT_SQL = (
    "INSERT INTO assessment_results (run_id, participant_id, flow_id, cohort_id, scores, "
    "completed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING"
)

# Forgetting keeps the participant row (their refusal of consent) and drops everything else.
FORGET_SQL = (
    "DELETE FROM answers WHERE participant_id = ?",
    "DELETE FROM runs WHERE participant_id = ?",
    "DELETE FROM memberships WHERE participant_id = ?",
)

# Erasing removes the outbox history too: sent texts echo the person's own answers.
ERASE_SQL = (
    "DELETE FROM outbox WHERE participant_id = ?",
    # Their charts, still fetchable by URL for a week otherwise.
    "DELETE FROM media WHERE owner = (SELECT address FROM participants WHERE id = ?)",
    # Barriers and proposals stay counted for the room (points, impact, effort), but their
    # words may name people: the words go. Readers show an empty text as "[text erased]".
    "UPDATE challenges SET text = '' WHERE participant_id = ?",
    "UPDATE solutions SET text = '', consequences = '' WHERE participant_id = ?",
    # Questions they sent to the stage may name people: they go (upvotes cascade with them).
    "DELETE FROM qa_entries WHERE participant_id = ?",
    "DELETE FROM participants WHERE id = ?",
)

# Before that, what already counts in published aggregates (a round's votes, assessment scores
# in workshop averages) moves to a placeholder that holds no personal data and that nothing
# links to the person, so a ranking or an average shown to the room does not change.
PLACEHOLDER_SQL = (
    "INSERT INTO participants (id, channel, address, locale, created_at, consent, onboarded, "
    "opted_out, unreachable, facilitator) VALUES (?, 'erased', ?, 'und', ?, NULL, 0, 1, 1, 0)"
)

ANONYMIZE_SQL = (
    "UPDATE votes SET participant_id = ? WHERE participant_id = ?",
    "UPDATE assessment_results SET participant_id = ? WHERE participant_id = ?",
    # Choices and scale points shown to the room stay counted; written words go with the person.
    "UPDATE prompt_answers SET participant_id = ? WHERE participant_id = ? AND prompt_id IN "
    "(SELECT id FROM prompts WHERE kind <> 'open')",
    "UPDATE qa_votes SET participant_id = ? WHERE participant_id = ?",
)

SET_REACHABLE_SQL = "UPDATE participants SET unreachable = ? WHERE channel = ? AND address = ?"


def participant_from_row(row: Row) -> Participant:
    """Decode the participant columns, in `PARTICIPANT_COLUMNS` order."""
    return Participant(
        id=row[0],
        channel=row[1],
        address=row[2],
        locale=row[3],
        created_at=need_time(row[4]),
        name=row[5],
        municipality=row[6],
        country=row[7],
        role=row[8],
        consent=load_bool(row[9]),
        consent_at=load_time(row[10]),
        onboarded=bool(row[11]),
        opted_out=bool(row[12]),
        unreachable=bool(row[13]),
        last_inbound_at=load_time(row[14]),
        consent_wording=row[15],
        facilitator=bool(row[16]),
        share_progress=bool(row[17]),
        burst_since=load_time(row[18]),
        burst_count=int(row[19]),
        guesses_since=load_time(row[20]),
        guesses=int(row[21]),
    )


def run_from_row(row: Row) -> Run:
    """Decode the run columns, in `RUN_COLUMNS` order."""
    return Run(
        id=row[0],
        participant_id=row[1],
        flow_id=row[2],
        flow_version=int(row[3]),
        step=row[4],
        status=row[5],
        data=load_json(row[6]),
        started_at=need_time(row[7]),
        updated_at=need_time(row[8]),
        completed_at=load_time(row[9]),
    )


def membership_from_row(row: Row) -> Membership:
    """Decode `participant_id, cohort_id, joined_at, table_no`."""
    return Membership(
        participant_id=row[0], cohort_id=row[1], joined_at=need_time(row[2]), table_no=row[3]
    )


def answer_from_row(row: Row) -> Answer:
    """Decode `run_id, participant_id, flow_id, step_id, raw, value, created_at`."""
    return Answer(
        run_id=row[0],
        participant_id=row[1],
        flow_id=row[2],
        step_id=row[3],
        raw=row[4],
        value=load_json(row[5]),
        created_at=need_time(row[6]),
    )


def result_from_row(row: Row) -> AssessmentResult:
    """Decode `run_id, participant_id, flow_id, cohort_id, scores, completed_at`."""
    return AssessmentResult(row[0], row[1], row[2], row[3], load_json(row[4]), need_time(row[5]))


def conversation_rows(rows: Sequence[Row]) -> tuple[Participant | None, list[Run], bool]:
    """Split the rows of `CONVERSATION_SQL` into the participant, their open runs and `seen`."""
    if not rows:
        return None, [], False
    first = rows[0]
    seen = bool(first[-1])
    if first[0] is None:
        return None, [], seen
    participant = participant_from_row(first[:PARTICIPANT_WIDTH])
    runs = [
        run_from_row(row[PARTICIPANT_WIDTH : PARTICIPANT_WIDTH + RUN_WIDTH])
        for row in rows
        if row[PARTICIPANT_WIDTH] is not None
    ]
    return participant, runs, seen


def participant_params(p: Participant) -> tuple[Any, ...]:
    """Parameters of the participant upsert."""
    return (
        p.id,
        p.channel,
        p.address,
        p.locale,
        dump_time(p.created_at),
        p.name,
        p.municipality,
        p.country,
        p.role,
        dump_bool(p.consent),
        dump_time(p.consent_at),
        int(p.onboarded),
        int(p.opted_out),
        int(p.unreachable),
        dump_time(p.last_inbound_at),
        p.consent_wording,
        int(p.facilitator),
        int(p.share_progress),
        dump_time(p.burst_since),
        p.burst_count,
        dump_time(p.guesses_since),
        p.guesses,
    )


def run_params(r: Run) -> tuple[Any, ...]:
    """Parameters of the run upsert."""
    return (
        r.id,
        r.participant_id,
        r.flow_id,
        r.flow_version,
        r.step,
        r.status,
        dump_json(r.data),
        dump_time(r.started_at),
        dump_time(r.updated_at),
        dump_time(r.completed_at),
    )


# -- what a unit of work writes, one builder per record (`storage/sql/changes.py` orders them) --


def mark_statements(mark: InboundMark | None) -> list[Statement]:
    """Record that a platform message was handled, so a redelivery of it is dropped."""
    if mark is None:
        return []
    return [(INSERT_MARK_SQL, (mark.channel, mark.external_id, dump_time(mark.received_at)))]


def participant_statements(participant: Participant | None) -> list[Statement]:
    """Insert or update the participant of the message."""
    if participant is None:
        return []
    return [(UPSERT_PARTICIPANT_SQL, participant_params(participant))]


def membership_statements(memberships: Sequence[Membership]) -> list[Statement]:
    """Insert or update memberships (a table number, once given, is kept when none is new)."""
    return [
        (
            UPSERT_MEMBERSHIP_SQL,
            (ms.participant_id, ms.cohort_id, dump_time(ms.joined_at), ms.table_no),
        )
        for ms in memberships
    ]


def run_statements(runs: Sequence[Run]) -> list[Statement]:
    """Insert or update runs."""
    return [(UPSERT_RUN_SQL, run_params(r)) for r in runs]


def answer_statements(answers: Sequence[Answer]) -> list[Statement]:
    """Insert accepted answers."""
    return [
        (
            INSERT_ANSWER_SQL,
            (
                a.run_id,
                a.participant_id,
                a.flow_id,
                a.step_id,
                a.raw,
                dump_json(a.value),
                dump_time(a.created_at),
            ),
        )
        for a in answers
    ]


def result_statements(results: Sequence[AssessmentResult]) -> list[Statement]:
    """Insert assessment results (a run's result is written once)."""
    return [
        (
            INSERT_RESULT_SQL,
            (
                r.run_id,
                r.participant_id,
                r.flow_id,
                r.cohort_id,
                dump_json(r.scores),
                dump_time(r.completed_at),
            ),
        )
        for r in results
    ]


def forget_statements(participant_id: str | None) -> list[Statement]:
    """Forget a participant's answers, runs and memberships (see `FORGET_SQL`)."""
    if participant_id is None:
        return []
    return [(sql, (participant_id,)) for sql in FORGET_SQL]


def erase_statements(participant_id: str | None, now: datetime) -> list[Statement]:
    """Erase a participant, moving what published aggregates count to a fresh placeholder."""
    if participant_id is None:
        return []
    placeholder = f"erased-{uuid.uuid4().hex}"
    return [
        (PLACEHOLDER_SQL, (placeholder, placeholder, dump_time(now))),
        *((sql, (placeholder, participant_id)) for sql in ANONYMIZE_SQL),
        *((sql, (participant_id,)) for sql in ERASE_SQL),
    ]
