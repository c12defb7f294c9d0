"""SQL shared by the SQL backends, written with `?` placeholders, and row decoders.

PostgreSQL rewrites the placeholders to `$n`; anything dialect-specific stays in its backend.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
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
from storage.messages import Outbound
from storage.records.changes import Changes
from storage.records.followup import ActionProgress, Checkin, DueCheckin, PlanAction
from storage.records.outbox import Delivery, OutboxRow
from storage.records.people import Answer, AssessmentResult, Membership, Participant, Run
from storage.records.workshops import Broadcast, Challenge, Cohort, Solution, Vote

Row = Sequence[Any]
Statement = tuple[str, tuple[Any, ...]]

PARTICIPANT_COLUMNS = (
    "id, channel, address, locale, created_at, name, municipality, country, role, consent, "
    "consent_at, onboarded, opted_out, unreachable, last_inbound_at, consent_wording, "
    "facilitator"
)
RUN_COLUMNS = (
    "id, participant_id, flow_id, flow_version, step, status, data, started_at, updated_at, "
    "completed_at"
)
COHORT_COLUMNS = "id, code, name, locale, created_at, starts, ends, timezone, checkin_days"
OUTBOX_CLAIM_COLUMNS = (
    "id, channel, address, participant_id, payload, priority, attempts, erase_after_send"
)


def prefixed(columns: str, alias: str) -> str:
    """Qualify a column list with a table alias: `a.id, a.title, …`."""
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))


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


CHECKIN_COLUMNS = (
    "id, participant_id, cohort_id, offset_days, due_at, status, next_at, nudges, run_id, "
    "sent_at, answered_at"
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
            _UPDATE_CHECKIN,
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


# A replanned round moves only rows still waiting to start that no scheduler holds right now,
# so a check-in being started as the plan changes is neither lost nor started twice.
PLAN_CHECKIN_SQL = (
    f"INSERT INTO checkins ({CHECKIN_COLUMNS}) VALUES ({', '.join('?' * 11)}) "
    "ON CONFLICT (participant_id, cohort_id, offset_days) DO UPDATE SET "
    "due_at = excluded.due_at, next_at = excluded.next_at "
    "WHERE checkins.status = 'planned' AND checkins.lease_until IS NULL"
)
ACTION_UPDATE_COLUMNS = (
    "action_id, participant_id, checkin_id, status, note, evidence, target_month, created_at"
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


def challenge_from_row(row: Row) -> Challenge:
    """Decode the challenge columns, in `CHALLENGE_COLUMNS` order."""
    return Challenge(row[0], row[1], row[2], need_time(row[3]), row[4], bool(row[5]), row[6])


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


def outbox_from_row(row: Row) -> OutboxRow:
    """Decode the claim columns, in `OUTBOX_CLAIM_COLUMNS` order."""
    return OutboxRow(
        id=int(row[0]),
        channel=row[1],
        address=row[2],
        participant_id=row[3],
        message=Outbound.from_json(load_json(row[4])),
        priority=int(row[5]),
        attempts=int(row[6]),
        erase_after_send=bool(row[7]),
    )


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


# -- writes -------------------------------------------------------------------------------------

_UPSERT_PARTICIPANT = (
    f"INSERT INTO participants ({PARTICIPANT_COLUMNS}) VALUES ({', '.join('?' * 17)}) "
    "ON CONFLICT (id) DO UPDATE SET locale = excluded.locale, name = excluded.name, "
    "municipality = excluded.municipality, country = excluded.country, role = excluded.role, "
    "consent = excluded.consent, consent_at = excluded.consent_at, "
    "onboarded = excluded.onboarded, opted_out = excluded.opted_out, "
    "unreachable = excluded.unreachable, last_inbound_at = excluded.last_inbound_at, "
    "consent_wording = excluded.consent_wording, facilitator = excluded.facilitator"
)
_UPSERT_RUN = (
    f"INSERT INTO runs ({RUN_COLUMNS}) VALUES ({', '.join('?' * 10)}) "
    "ON CONFLICT (id) DO UPDATE SET step = excluded.step, status = excluded.status, "
    "data = excluded.data, updated_at = excluded.updated_at, completed_at = excluded.completed_at"
)
_INSERT_ANSWER = (
    "INSERT INTO answers (run_id, participant_id, flow_id, step_id, raw, value, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_RESULT = (
    "INSERT INTO assessment_results (run_id, participant_id, flow_id, cohort_id, scores, "
    "completed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING"
)
ACTION_COLUMNS = (
    "id, participant_id, run_id, position, title, sdg, office, first_step, target_month, "
    "indicator, status, created_at, updated_at"
)
# Keeps the status check-ins recorded; the plan's own fields may be edited again.
_UPSERT_ACTION = (
    f"INSERT INTO actions ({ACTION_COLUMNS}) VALUES ({', '.join('?' * 13)}) "
    "ON CONFLICT (id) DO UPDATE SET position = excluded.position, title = excluded.title, "
    "sdg = excluded.sdg, office = excluded.office, first_step = excluded.first_step, "
    "target_month = excluded.target_month, indicator = excluded.indicator, "
    "updated_at = excluded.updated_at"
)
CHALLENGE_COLUMNS = "id, cohort_id, text, created_at, participant_id, hidden, merged_into"
_INSERT_CHALLENGE = (
    f"INSERT INTO challenges ({CHALLENGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO NOTHING"
)
VOTE_COLUMNS = "cohort_id, participant_id, ranking, created_at"
_UPSERT_VOTE = (
    f"INSERT INTO votes ({VOTE_COLUMNS}) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (cohort_id, participant_id) DO UPDATE SET ranking = excluded.ranking, "
    "created_at = excluded.created_at"
)
SOLUTION_COLUMNS = (
    "id, cohort_id, participant_id, table_no, challenge_id, consequences, text, impact, effort, "
    "created_at"
)
_INSERT_SOLUTION = (
    f"INSERT INTO solutions ({SOLUTION_COLUMNS}) VALUES ({', '.join('?' * 10)}) "
    "ON CONFLICT (id) DO NOTHING"
)
_UPSERT_MEMBERSHIP = (
    "INSERT INTO memberships (participant_id, cohort_id, joined_at, table_no) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (participant_id, cohort_id) DO UPDATE SET "
    "table_no = COALESCE(excluded.table_no, memberships.table_no)"
)
_INSERT_MARK = (
    "INSERT INTO inbound_marks (channel, external_id, received_at) VALUES (?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)
_INSERT_OUTBOX = (
    "INSERT INTO outbox (channel, address, participant_id, payload, priority, not_before, "
    "created_at, dedupe_key, erase_after_send) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)
# Forgetting keeps the participant row (their refusal of consent) and drops everything else.
_FORGET = (
    "DELETE FROM answers WHERE participant_id = ?",
    "DELETE FROM runs WHERE participant_id = ?",
    "DELETE FROM memberships WHERE participant_id = ?",
)
# Erasing removes the outbox history too: sent texts echo the person's own answers.
_ERASE = (
    "DELETE FROM outbox WHERE participant_id = ?",
    "DELETE FROM participants WHERE id = ?",
)
# Before that, what already counts in published aggregates (a round's votes, assessment scores
# in workshop averages) moves to a placeholder that holds no personal data and that nothing
# links to the person, so a ranking or an average shown to the room does not change.
_PLACEHOLDER = (
    "INSERT INTO participants (id, channel, address, locale, created_at, consent, onboarded, "
    "opted_out, unreachable, facilitator) VALUES (?, 'erased', ?, 'und', ?, NULL, 0, 1, 1, 0)"
)
_ANONYMIZE = (
    "UPDATE votes SET participant_id = ? WHERE participant_id = ?",
    "UPDATE assessment_results SET participant_id = ? WHERE participant_id = ?",
)


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


def change_statements(changes: Changes, now: datetime) -> list[Statement]:
    """Turn a unit of work into statements, in the one order that keeps every case right.

    Inserts come before the erase so an answer recorded by the confirming message is erased too,
    and the outbox comes last so the goodbye that follows an erase survives it.
    """
    stamp = dump_time(now)
    out: list[Statement] = []
    if changes.mark is not None:
        m = changes.mark
        out.append((_INSERT_MARK, (m.channel, m.external_id, dump_time(m.received_at))))
    if changes.participant is not None:
        p = changes.participant
        out.append((_UPSERT_PARTICIPANT, participant_params(p)))
        if changes.release_held:
            out.append((RELEASE_HELD_SQL, (stamp, p.channel, p.address)))
    for ms in changes.memberships:
        params: tuple[Any, ...] = (
            ms.participant_id,
            ms.cohort_id,
            dump_time(ms.joined_at),
            ms.table_no,
        )
        out.append((_UPSERT_MEMBERSHIP, params))
    out.extend((_UPSERT_RUN, run_params(r)) for r in changes.runs)
    for a in changes.answers:
        params = (
            a.run_id,
            a.participant_id,
            a.flow_id,
            a.step_id,
            a.raw,
            dump_json(a.value),
            dump_time(a.created_at),
        )
        out.append((_INSERT_ANSWER, params))
    for r in changes.results:
        params = (
            r.run_id,
            r.participant_id,
            r.flow_id,
            r.cohort_id,
            dump_json(r.scores),
            dump_time(r.completed_at),
        )
        out.append((_INSERT_RESULT, params))
    for act in changes.actions:
        params = (
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
        )
        out.append((_UPSERT_ACTION, params))
    out.extend(
        (
            _INSERT_CHALLENGE,
            (
                c.id,
                c.cohort_id,
                c.text,
                dump_time(c.created_at),
                c.participant_id,
                int(c.hidden),
                c.merged_into,
            ),
        )
        for c in changes.challenges
    )
    out.extend(
        (
            _UPSERT_VOTE,
            (v.cohort_id, v.participant_id, dump_json(list(v.ranking)), dump_time(v.created_at)),
        )
        for v in changes.votes
    )
    out.extend(
        (
            _INSERT_SOLUTION,
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
        for s in changes.solutions
    )
    if changes.forget_participant_id is not None:
        out.extend((sql, (changes.forget_participant_id,)) for sql in _FORGET)
    if changes.erase_participant_id is not None:
        erased, placeholder = changes.erase_participant_id, f"erased-{uuid.uuid4().hex}"
        out.append((_PLACEHOLDER, (placeholder, placeholder, stamp)))
        out.extend((sql, (placeholder, erased)) for sql in _ANONYMIZE)
        out.extend((sql, (erased,)) for sql in _ERASE)
    for b in changes.broadcasts:
        out.append((_UPSERT_BROADCAST, broadcast_params(b)))
    for invite in changes.invites:
        params = (
            invite.code,
            invite.cohort_id,
            invite.created_by,
            dump_time(invite.created_at),
            invite.used_by,
            dump_time(invite.used_at),
        )
        out.append((_UPSERT_INVITE, params))
    for item in changes.scheduled:
        params = (
            item.participant_id,
            item.flow_id,
            item.purpose,
            dump_time(item.due_at),
            item.dedupe_key,
            stamp,
        )
        out.append((_INSERT_SCHEDULED, params))
    out.extend(checkin_statements(changes.checkins))
    for u in changes.progress:
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
        out.append((_INSERT_ACTION_UPDATE, params))
        out.append((_PROGRESS_ACTION, (u.status, u.target_month, stamp, u.action_id)))
    if changes.drop_held and changes.participant is not None:
        out.append((DROP_HELD_SQL, (changes.participant.channel, changes.participant.address)))
    for entry in changes.audit:
        params = (dump_time(entry.at), entry.actor, entry.action, dump_json(entry.detail))
        out.append((_INSERT_AUDIT, params))
    for o in changes.outbox:
        params = (
            o.channel,
            o.address,
            o.participant_id,
            dump_json(o.message.to_json()),
            o.priority,
            dump_time(o.not_before) if o.not_before is not None else stamp,
            stamp,
            o.dedupe_key,
            int(o.erase_after_send),
        )
        out.append((_INSERT_OUTBOX, params))
    return out


BROADCAST_COLUMNS = (
    "id, cohort_id, author_id, audience, text, status, recipients, skipped, spread_seconds, "
    "created_at, confirmed_at"
)
_UPSERT_BROADCAST = (
    f"INSERT INTO broadcasts ({BROADCAST_COLUMNS}) VALUES ({', '.join('?' * 11)}) "
    "ON CONFLICT (id) DO UPDATE SET text = excluded.text, status = excluded.status, "
    "recipients = excluded.recipients, skipped = excluded.skipped, "
    "spread_seconds = excluded.spread_seconds, confirmed_at = excluded.confirmed_at"
)
_UPSERT_INVITE = (
    "INSERT INTO facilitator_invites (code, cohort_id, created_by, created_at, used_by, used_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET used_by = excluded.used_by, "
    "used_at = excluded.used_at"
)
_INSERT_SCHEDULED = (
    "INSERT INTO scheduled (participant_id, flow_id, purpose, due_at, dedupe_key, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_INSERT_AUDIT = "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)"
_UPDATE_CHECKIN = (
    "UPDATE checkins SET status = ?, next_at = ?, nudges = ?, run_id = ?, sent_at = ?, "
    "answered_at = ?, lease_until = NULL WHERE id = ?"
)
_INSERT_ACTION_UPDATE = (
    f"INSERT INTO action_updates ({ACTION_UPDATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_PROGRESS_ACTION = (
    "UPDATE actions SET status = ?, target_month = COALESCE(?, target_month), updated_at = ? "
    "WHERE id = ?"
)
# A nudge re-asks the pending check-in question, so the check-in messages still held for this
# person (waiting for a tap on an earlier template) would only repeat it. Held broadcasts stay.
# The key range is the 'checkin:' prefix, on the dedupe_key index.
DROP_HELD_SQL = (
    "UPDATE outbox SET status = 'superseded', lease_until = NULL "
    "WHERE channel = ? AND address = ? AND status = 'held' "
    "AND dedupe_key >= 'checkin:' AND dedupe_key < 'checkin;'"
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


RELEASE_HELD_SQL = (
    "UPDATE outbox SET status = 'pending', not_before = ? "
    "WHERE channel = ? AND address = ? AND status = 'held'"
)


# Statements that put a message in the queue (new rows; held rows released; a row requeued).
_QUEUEING = ("INSERT INTO outbox", "UPDATE outbox SET status = 'pending'")


def queues_messages(sql: str) -> bool:
    """Tell whether a statement queues a message (so the sending process must be woken)."""
    return sql.startswith(_QUEUEING)


def group_statements(statements: Sequence[Statement]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Merge consecutive statements of equal SQL so a batch needs one `executemany` per run."""
    grouped: list[tuple[str, list[tuple[Any, ...]]]] = []
    for sql, params in statements:
        if grouped and grouped[-1][0] == sql:
            grouped[-1][1].append(params)
        else:
            grouped.append((sql, [params]))
    return grouped


def batch_statements(
    units: Sequence[Sequence[Statement]],
) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Order statements of independent units (different participants) by kind, then group them.

    Units are independent because each participant's lock is held until their unit is committed,
    so interleaving them by kind keeps every unit's own order and cuts round trips.
    """
    order = {sql: i for i, sql in enumerate(_STATEMENT_ORDER)}
    flat = [
        (order.get(sql, len(order)), n, sql, params)
        for n, unit in enumerate(units)
        for sql, params in unit
    ]
    flat.sort(key=lambda item: (item[0], item[1]))
    return group_statements([(sql, params) for _, _, sql, params in flat])


_STATEMENT_ORDER = (
    _INSERT_MARK,
    _UPSERT_PARTICIPANT,
    _UPSERT_MEMBERSHIP,
    _UPSERT_RUN,
    _INSERT_ANSWER,
    _INSERT_RESULT,
    _UPSERT_ACTION,
    _INSERT_CHALLENGE,
    _UPSERT_VOTE,
    _INSERT_SOLUTION,
    _INSERT_ACTION_UPDATE,
    _PROGRESS_ACTION,
    *_FORGET,
    _PLACEHOLDER,
    *_ANONYMIZE,
    *_ERASE,
    _INSERT_OUTBOX,
)

ANSWER_COLUMNS = "run_id, participant_id, flow_id, step_id, raw, value, created_at"

RESULT_COLUMNS = "run_id, participant_id, flow_id, cohort_id, scores, completed_at"


def delivery_statements(deliveries: Sequence[Delivery], now: datetime) -> list[Statement]:
    """Statements that record delivery outcomes, equal SQL kept together for `executemany`."""
    stamp = dump_time(now)
    out: list[Statement] = []
    ordered = sorted(deliveries, key=lambda d: (_STATE_ORDER[d.state], d.row_id))
    for d in ordered:
        if d.state == "sent":
            out.append(
                (
                    "UPDATE outbox SET status = 'sent', sent_at = ?, external_id = ?, "
                    "lease_until = NULL WHERE id = ?",
                    (stamp, d.external_id, d.row_id),
                )
            )
        elif d.state == "retry":
            out.append(
                (
                    "UPDATE outbox SET status = 'pending', not_before = ?, error = ?, "
                    "lease_until = NULL WHERE id = ?",
                    (dump_time(d.retry_at or now), d.error, d.row_id),
                )
            )
        elif d.state == "unreachable":
            out.append(
                (
                    "UPDATE participants SET unreachable = 1 WHERE (channel, address) = "
                    "(SELECT channel, address FROM outbox WHERE id = ?)",
                    (d.row_id,),
                )
            )
            # Everything else queued for that address would fail the same way.
            out.append(
                (
                    "UPDATE outbox SET status = 'failed', error = ?, lease_until = NULL "
                    "WHERE id = ? OR (status = 'pending' AND (channel, address) = "
                    "(SELECT channel, address FROM outbox WHERE id = ?))",
                    (d.error or "unreachable", d.row_id, d.row_id),
                )
            )
        elif d.state == "held":
            out.append(
                (
                    "UPDATE outbox SET status = 'held', external_id = ?, error = ?, "
                    "lease_until = NULL WHERE id = ?",
                    (d.external_id, d.error, d.row_id),
                )
            )
        else:
            out.append(
                (
                    "UPDATE outbox SET status = 'failed', error = ?, lease_until = NULL "
                    "WHERE id = ?",
                    (d.error, d.row_id),
                )
            )
    # The goodbye after an erase leaves no trace once it is out. By primary key on purpose: a
    # condition on status makes the planner walk every sent row, slower as the outbox grows.
    out.extend((ERASE_SENT_SQL, (d.row_id,)) for d in ordered if d.state == "sent")
    return out


ERASE_SENT_SQL = "DELETE FROM outbox WHERE id = ? AND erase_after_send = 1"
_STATE_ORDER = {"sent": 0, "held": 1, "retry": 2, "unreachable": 3, "failed": 4}


# -- statements of the backends' own methods (the same SQL; each backend runs it its way) --------

OUTBOX_LEASE_SECONDS = 120  # a sender that died: its claimed rows are claimed again after this
CREATE_MIGRATIONS_SQL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
)
APPLIED_MIGRATIONS_SQL = "SELECT version FROM schema_migrations"
SCHEMA_VERSION_SQL = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"
RECORD_MIGRATION_SQL = "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"

SET_REACHABLE_SQL = "UPDATE participants SET unreachable = ? WHERE channel = ? AND address = ?"
MODERATE_CHALLENGE_SQL = (
    "UPDATE challenges SET hidden = COALESCE(?, hidden), merged_into = COALESCE(?, merged_into) "
    "WHERE id = ?"
)
STATUS_ROW_SQL = f"SELECT {OUTBOX_CLAIM_COLUMNS} FROM outbox WHERE channel = ? AND external_id = ?"
RECORD_STATUS_SQL = (
    "UPDATE outbox SET delivery_status = ?, delivery_error = ?, delivery_at = ? WHERE id = ?"
)
INSERT_COHORT_SQL = f"INSERT INTO cohorts ({COHORT_COLUMNS}) VALUES ({', '.join('?' * 9)})"
RELEASE_DUE_SQL = (
    "UPDATE scheduled SET status = 'due', lease_until = NULL "
    "WHERE status = 'running' AND lease_until < ?"
)
DUE_PLACE_SQL = "SELECT channel, address FROM participants WHERE id = ?"


def claim_due_sql(lock: str) -> str:
    """Claim due scheduled starts; `lock` is the engine's row-locking clause (or empty)."""
    return (
        "UPDATE scheduled SET status = 'running', lease_until = ? WHERE id IN ("
        "SELECT id FROM scheduled WHERE status = 'due' AND due_at <= ? "
        f"ORDER BY due_at, id LIMIT ? {lock}) "
        "RETURNING id, participant_id, flow_id, purpose, due_at"
    )


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


def claim_outbox_sql(channels: int, by_address: bool, lock: str) -> tuple[str, str]:
    """Return (release expired claims, claim due rows) for `channels` channels.

    Params: release — channels…, now; claim — lease, channels…, [address], now, now, limit.
    """
    marks = ", ".join("?" * channels)
    address_clause = "AND o.address = ?" if by_address else ""
    # Expired claims (a sender that died) go back to pending first, so that the claim itself
    # is an index range scan on status = 'pending' rather than a scan of the whole outbox.
    release = (
        f"UPDATE outbox SET status = 'pending', lease_until = NULL "
        f"WHERE status = 'sending' AND channel IN ({marks}) AND lease_until < ?"
    )
    claim = f"""
        UPDATE outbox SET status = 'sending', lease_until = ?, attempts = attempts + 1
        WHERE id IN (
            SELECT o.id FROM outbox o
            WHERE o.status = 'pending' AND o.channel IN ({marks}) {address_clause}
              AND o.not_before <= ?
              AND NOT EXISTS (
                  SELECT 1 FROM outbox f
                  WHERE f.channel = o.channel AND f.address = o.address
                    AND f.status = 'sending')
              AND NOT EXISTS (
                  SELECT 1 FROM outbox e
                  WHERE e.channel = o.channel AND e.address = o.address
                    AND e.status = 'pending' AND e.id < o.id AND e.not_before > ?)
            ORDER BY o.priority, o.id
            LIMIT ? {lock})
        RETURNING {OUTBOX_CLAIM_COLUMNS}
    """
    return release, claim


def release_claims_sql(channels: int, by_address: bool) -> str:
    """Return claimed rows of `channels` channels (optionally one address) to the queue."""
    sql = (
        f"UPDATE outbox SET status = 'pending', lease_until = NULL "
        f"WHERE status = 'sending' AND channel IN ({', '.join('?' * channels)})"
    )
    return sql + " AND address = ?" if by_address else sql
