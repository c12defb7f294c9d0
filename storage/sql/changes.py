"""A unit of work as statements, in the one order that keeps every case right, and batching."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage.codec import dump_json, dump_time
from storage.records.changes import Changes
from storage.sql.common import Statement
from storage.sql.followup import (
    INSERT_ACTION_UPDATE_SQL,
    PROGRESS_ACTION_SQL,
    UPSERT_ACTION_SQL,
    checkin_statements,
)
from storage.sql.outbox import DROP_HELD_SQL, INSERT_OUTBOX_SQL, RELEASE_HELD_SQL
from storage.sql.people import (
    ANONYMIZE_SQL,
    ERASE_SQL,
    FORGET_SQL,
    INSERT_ANSWER_SQL,
    INSERT_MARK_SQL,
    INSERT_RESULT_SQL,
    PLACEHOLDER_SQL,
    UPSERT_MEMBERSHIP_SQL,
    UPSERT_PARTICIPANT_SQL,
    UPSERT_RUN_SQL,
    participant_params,
    run_params,
)
from storage.sql.workshops import (
    INSERT_AUDIT_SQL,
    INSERT_CHALLENGE_SQL,
    INSERT_SCHEDULED_SQL,
    INSERT_SOLUTION_SQL,
    UPSERT_BROADCAST_SQL,
    UPSERT_INVITE_SQL,
    UPSERT_VOTE_SQL,
    broadcast_params,
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
        out.append((INSERT_MARK_SQL, (m.channel, m.external_id, dump_time(m.received_at))))
    if changes.participant is not None:
        p = changes.participant
        out.append((UPSERT_PARTICIPANT_SQL, participant_params(p)))
        if changes.release_held:
            out.append((RELEASE_HELD_SQL, (stamp, p.channel, p.address)))
    for ms in changes.memberships:
        params: tuple[Any, ...] = (
            ms.participant_id,
            ms.cohort_id,
            dump_time(ms.joined_at),
            ms.table_no,
        )
        out.append((UPSERT_MEMBERSHIP_SQL, params))
    out.extend((UPSERT_RUN_SQL, run_params(r)) for r in changes.runs)
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
        out.append((INSERT_ANSWER_SQL, params))
    for r in changes.results:
        params = (
            r.run_id,
            r.participant_id,
            r.flow_id,
            r.cohort_id,
            dump_json(r.scores),
            dump_time(r.completed_at),
        )
        out.append((INSERT_RESULT_SQL, params))
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
        out.append((UPSERT_ACTION_SQL, params))
    out.extend(
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
            ),
        )
        for c in changes.challenges
    )
    out.extend(
        (
            UPSERT_VOTE_SQL,
            (v.cohort_id, v.participant_id, dump_json(list(v.ranking)), dump_time(v.created_at)),
        )
        for v in changes.votes
    )
    out.extend(
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
        for s in changes.solutions
    )
    if changes.forget_participant_id is not None:
        out.extend((sql, (changes.forget_participant_id,)) for sql in FORGET_SQL)
    if changes.erase_participant_id is not None:
        erased, placeholder = changes.erase_participant_id, f"erased-{uuid.uuid4().hex}"
        out.append((PLACEHOLDER_SQL, (placeholder, placeholder, stamp)))
        out.extend((sql, (placeholder, erased)) for sql in ANONYMIZE_SQL)
        out.extend((sql, (erased,)) for sql in ERASE_SQL)
    for b in changes.broadcasts:
        out.append((UPSERT_BROADCAST_SQL, broadcast_params(b)))
    for invite in changes.invites:
        params = (
            invite.code,
            invite.cohort_id,
            invite.created_by,
            dump_time(invite.created_at),
            invite.used_by,
            dump_time(invite.used_at),
        )
        out.append((UPSERT_INVITE_SQL, params))
    for item in changes.scheduled:
        params = (
            item.participant_id,
            item.flow_id,
            item.purpose,
            dump_time(item.due_at),
            item.dedupe_key,
            stamp,
        )
        out.append((INSERT_SCHEDULED_SQL, params))
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
        out.append((INSERT_ACTION_UPDATE_SQL, params))
        out.append((PROGRESS_ACTION_SQL, (u.status, u.target_month, stamp, u.action_id)))
    if changes.drop_held and changes.participant is not None:
        out.append((DROP_HELD_SQL, (changes.participant.channel, changes.participant.address)))
    for entry in changes.audit:
        params = (dump_time(entry.at), entry.actor, entry.action, dump_json(entry.detail))
        out.append((INSERT_AUDIT_SQL, params))
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
        out.append((INSERT_OUTBOX_SQL, params))
    return out


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
    INSERT_MARK_SQL,
    UPSERT_PARTICIPANT_SQL,
    UPSERT_MEMBERSHIP_SQL,
    UPSERT_RUN_SQL,
    INSERT_ANSWER_SQL,
    INSERT_RESULT_SQL,
    UPSERT_ACTION_SQL,
    INSERT_CHALLENGE_SQL,
    UPSERT_VOTE_SQL,
    INSERT_SOLUTION_SQL,
    INSERT_ACTION_UPDATE_SQL,
    PROGRESS_ACTION_SQL,
    *FORGET_SQL,
    PLACEHOLDER_SQL,
    *ANONYMIZE_SQL,
    *ERASE_SQL,
    INSERT_OUTBOX_SQL,
)
