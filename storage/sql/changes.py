"""A unit of work as statements, in the one order that keeps every case right, and batching."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage.codec import dump_time
from storage.records.changes import Changes
from storage.sql.common import Statement
from storage.sql.followup import (
    INSERT_ACTION_UPDATE_SQL,
    PROGRESS_ACTION_SQL,
    UPSERT_ACTION_SQL,
    action_statements,
    checkin_statements,
    progress_statements,
    round_reported_statements,
)
from storage.sql.live import (
    INSERT_QA_VOTE_SQL,
    UPSERT_LIVE_LINK_SQL,
    UPSERT_PROMPT_ANSWER_SQL,
    UPSERT_PROMPT_SQL,
    UPSERT_QA_ENTRY_SQL,
    UPSERT_SCREEN_SQL,
    prompt_answer_statements,
    prompt_statements,
    qa_statements,
    screen_statements,
)
from storage.sql.outbox import (
    INSERT_OUTBOX_SQL,
    drop_held_statements,
    outbox_statements,
    release_held_statements,
)
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
    answer_statements,
    erase_statements,
    forget_statements,
    mark_statements,
    membership_statements,
    participant_statements,
    result_statements,
    run_statements,
)
from storage.sql.workshops import (
    INSERT_CHALLENGE_SQL,
    INSERT_SOLUTION_SQL,
    UPSERT_VOTE_SQL,
    audit_statements,
    broadcast_statements,
    challenge_statements,
    invite_statements,
    scheduled_statements,
    solution_statements,
    vote_statements,
)


def change_statements(changes: Changes, now: datetime) -> list[Statement]:
    """Turn a unit of work into statements, in the one order that keeps every case right.

    Inserts come before the erase so an answer recorded by the confirming message is erased too,
    and the outbox comes last so the goodbye that follows an erase survives it.
    """
    return [
        *mark_statements(changes.mark),
        *participant_statements(changes.participant),
        *release_held_statements(changes.release_held, changes.participant, now),
        *membership_statements(changes.memberships),
        *run_statements(changes.runs),
        *answer_statements(changes.answers),
        *result_statements(changes.results),
        *action_statements(changes.actions),
        *challenge_statements(changes.challenges),
        *vote_statements(changes.votes),
        *solution_statements(changes.solutions),
        *prompt_statements(changes.prompts),
        *prompt_answer_statements(changes.prompt_answers),
        *qa_statements(changes.qa_entries, changes.qa_votes),
        *screen_statements(changes.screens, changes.live_links, _stamp(changes, now)),
        *forget_statements(changes.forget_participant_id),
        *erase_statements(changes.erase_participant_id, now),
        *broadcast_statements(changes.broadcasts),
        *invite_statements(changes.invites),
        *scheduled_statements(changes.scheduled, now),
        *checkin_statements(changes.checkins),
        *progress_statements(changes.progress, now),
        *drop_held_statements(changes.drop_held, changes.participant),
        *round_reported_statements(changes.rounds_reported, now),
        *audit_statements(changes.audit),
        *outbox_statements(changes.outbox, now),
    ]


def _stamp(changes: Changes, now: datetime) -> str | None:
    return dump_time(now) if changes.screens else None


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
    UPSERT_PROMPT_SQL,
    UPSERT_PROMPT_ANSWER_SQL,
    UPSERT_QA_ENTRY_SQL,
    INSERT_QA_VOTE_SQL,
    UPSERT_SCREEN_SQL,
    UPSERT_LIVE_LINK_SQL,
    INSERT_ACTION_UPDATE_SQL,
    PROGRESS_ACTION_SQL,
    *FORGET_SQL,
    PLACEHOLDER_SQL,
    *ANONYMIZE_SQL,
    *ERASE_SQL,
    INSERT_OUTBOX_SQL,
)
