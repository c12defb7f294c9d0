"""Follow-up: check-ins, plan actions and the progress reported on them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage.codec import dump_time, load_time, need_time
from storage.records.followup import ActionProgress, Checkin, DueCheckin, PlanAction
from storage.sql.common import Row, Statement, prefixed

CHECKIN_COLUMNS = (
    "id, participant_id, cohort_id, offset_days, due_at, status, next_at, nudges, run_id, "
    "sent_at, answered_at"
)

# A replanned round moves only rows still waiting to start that no scheduler holds right now,
# so a check-in being started as the plan changes is neither lost nor started twice.
PLAN_CHECKIN_SQL = (
    f"INSERT INTO checkins ({CHECKIN_COLUMNS}) VALUES ({', '.join('?' * 11)}) "
    "ON CONFLICT (participant_id, cohort_id, offset_days) DO UPDATE SET "
    "due_at = excluded.due_at, next_at = excluded.next_at "
    "WHERE checkins.status = 'planned' AND checkins.lease_until IS NULL"
)

UPDATE_CHECKIN_SQL = (
    "UPDATE checkins SET status = ?, next_at = ?, nudges = ?, run_id = ?, sent_at = ?, "
    "answered_at = ?, lease_until = NULL WHERE id = ?"
)

# Rounds whose people have all answered or been given up on, not reported yet (at least one
# person got the round: a round nobody received has nothing to report).
ROUNDS_TO_REPORT_SQL = (
    "SELECT c.cohort_id, c.offset_days FROM checkins c WHERE NOT EXISTS ("
    "SELECT 1 FROM checkin_rounds_done d WHERE d.cohort_id = c.cohort_id "
    "AND d.offset_days = c.offset_days) GROUP BY c.cohort_id, c.offset_days "
    "HAVING SUM(CASE WHEN c.status IN ('planned', 'sent') THEN 1 ELSE 0 END) = 0 "
    "AND SUM(CASE WHEN c.status IN ('answered', 'unanswered') THEN 1 ELSE 0 END) > 0"
)
ROUND_REPORTED_SQL = (
    "INSERT INTO checkin_rounds_done (cohort_id, offset_days, done_at) VALUES (?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)

ACTION_COLUMNS = (
    "id, participant_id, run_id, position, title, sdg, office, first_step, target_month, "
    "indicator, status, created_at, updated_at"
)

# Keeps the status check-ins recorded; the plan's own fields may be edited again.
UPSERT_ACTION_SQL = (
    f"INSERT INTO actions ({ACTION_COLUMNS}) VALUES ({', '.join('?' * 13)}) "
    "ON CONFLICT (id) DO UPDATE SET position = excluded.position, title = excluded.title, "
    "sdg = excluded.sdg, office = excluded.office, first_step = excluded.first_step, "
    "target_month = excluded.target_month, indicator = excluded.indicator, "
    "updated_at = excluded.updated_at"
)

ACTION_UPDATE_COLUMNS = (
    "action_id, participant_id, checkin_id, status, note, evidence, target_month, created_at"
)

INSERT_ACTION_UPDATE_SQL = (
    f"INSERT INTO action_updates ({ACTION_UPDATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)

PROGRESS_ACTION_SQL = (
    "UPDATE actions SET status = ?, target_month = COALESCE(?, target_month), updated_at = ? "
    "WHERE id = ?"
)


def checkin_from_row(row: Row) -> Checkin:
    """Decode the check-in columns, in `CHECKIN_COLUMNS` order."""
    return Checkin(
        id=row[0],
        participant_id=row[1],
        cohort_id=row[2],
        offset_days=int(row[3]),
        due_at=need_time(row[4]),
        status=row[5],
        next_at=load_time(row[6]),
        nudges=int(row[7]),
        run_id=row[8],
        sent_at=load_time(row[9]),
        answered_at=load_time(row[10]),
    )


def checkin_params(c: Checkin) -> tuple[Any, ...]:
    """Parameters of a check-in insert, in `CHECKIN_COLUMNS` order."""
    return (
        c.id,
        c.participant_id,
        c.cohort_id,
        c.offset_days,
        dump_time(c.due_at),
        c.status,
        dump_time(c.next_at),
        c.nudges,
        c.run_id,
        dump_time(c.sent_at),
        dump_time(c.answered_at),
    )


def checkin_statements(rows: Sequence[Checkin]) -> list[Statement]:
    """Statements that write check-ins' new state (and let go of their claims)."""
    return [
        (
            UPDATE_CHECKIN_SQL,
            (
                ck.status,
                dump_time(ck.next_at),
                ck.nudges,
                ck.run_id,
                dump_time(ck.sent_at),
                dump_time(ck.answered_at),
                ck.id,
            ),
        )
        for ck in rows
    ]


def claim_checkins_sql(lock: str) -> str:
    """Claim check-ins whose next step is due; `lock` as in `claim_due_sql`."""
    return (
        "UPDATE checkins SET lease_until = ? WHERE id IN (SELECT id FROM checkins "
        "WHERE next_at <= ? AND (lease_until IS NULL OR lease_until < ?) "
        f"ORDER BY next_at, id LIMIT ? {lock}) RETURNING id"
    )


def claimed_checkins_sql(count: int) -> str:
    """Read claimed check-ins with where to reach each person and their zones."""
    return (
        f"SELECT {prefixed(CHECKIN_COLUMNS, 'k')}, p.channel, p.address, p.country, c.timezone "
        "FROM checkins k JOIN participants p ON p.id = k.participant_id "
        "JOIN cohorts c ON c.id = k.cohort_id "
        f"WHERE k.id IN ({', '.join('?' * count)}) ORDER BY k.next_at, k.id"
    )


def due_checkin_from_row(row: Row) -> DueCheckin:
    """Decode a row of `claimed_checkins_sql`."""
    width = len(CHECKIN_COLUMNS.split(","))
    return DueCheckin(
        checkin_from_row(row[:width]), row[width], row[width + 1], row[width + 2], row[width + 3]
    )


def action_from_row(row: Row) -> PlanAction:
    """Decode the action columns, in `ACTION_COLUMNS` order."""
    return PlanAction(
        id=row[0],
        participant_id=row[1],
        run_id=row[2],
        position=int(row[3]),
        title=row[4],
        sdg=int(row[5]),
        office=row[6],
        first_step=row[7],
        target_month=row[8],
        indicator=row[9],
        status=row[10],
        created_at=need_time(row[11]),
        updated_at=need_time(row[12]),
    )


def action_update_from_row(row: Row) -> ActionProgress:
    """Decode the progress report columns, in `ACTION_UPDATE_COLUMNS` order."""
    return ActionProgress(
        action_id=row[0],
        participant_id=row[1],
        checkin_id=row[2],
        status=row[3],
        note=row[4],
        evidence=row[5],
        target_month=row[6],
        created_at=need_time(row[7]),
    )


# -- what a unit of work writes, one builder per record (`storage/sql/changes.py` orders them) --


def action_statements(actions: Sequence[PlanAction]) -> list[Statement]:
    """Insert or update plan actions (keeping the status check-ins recorded)."""
    return [
        (
            UPSERT_ACTION_SQL,
            (
                act.id,
                act.participant_id,
                act.run_id,
                act.position,
                act.title,
                act.sdg,
                act.office,
                act.first_step,
                act.target_month,
                act.indicator,
                act.status,
                dump_time(act.created_at),
                dump_time(act.updated_at),
            ),
        )
        for act in actions
    ]


def progress_statements(progress: Sequence[ActionProgress], now: datetime) -> list[Statement]:
    """Record each progress report and carry its status (and any new target) to its action."""
    stamp = dump_time(now)
    out: list[Statement] = []
    for u in progress:
        params = (
            u.action_id,
            u.participant_id,
            u.checkin_id,
            u.status,
            u.note,
            u.evidence,
            u.target_month,
            dump_time(u.created_at),
        )
        out.append((INSERT_ACTION_UPDATE_SQL, params))
        out.append((PROGRESS_ACTION_SQL, (u.status, u.target_month, stamp, u.action_id)))
    return out


def round_reported_statements(rounds: Sequence[tuple[str, int]], now: datetime) -> list[Statement]:
    """Mark check-in rounds as reported (their report and digest queued in the same commit)."""
    stamp = dump_time(now)
    return [(ROUND_REPORTED_SQL, (cohort_id, days, stamp)) for cohort_id, days in rounds]
