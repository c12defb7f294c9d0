"""A message's usual writes as one PostgreSQL statement: data-modifying CTEs.

Answering a question writes the same few rows every time: the dedupe mark, the participant, the
run, the answer, the reply and the release of what was held. Sent one `executemany` at a time
that is five or six round trips, each costing the server and asyncpg more than the insert it
carries; as the parts of one `WITH … SELECT pg_notify(…)` statement it is one. Only statements
that cannot see each other's effects are joined: inserts and upserts of distinct rows, and the
release of held messages (which touches only rows queued before this message, as it does when
it runs first). Foreign keys are checked at the end of the statement, so a new participant's
row and their first run's may come in the same one. Anything else — an erasure, a vote, a live
answer — goes statement by statement as before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from storage.postgres_sql import dollar
from storage.sql.outbox import INSERT_OUTBOX_SQL, RELEASE_HELD_SQL
from storage.sql.people import (
    INSERT_ANSWER_SQL,
    INSERT_MARK_SQL,
    INSERT_RESULT_SQL,
    UPSERT_MEMBERSHIP_SQL,
    UPSERT_PARTICIPANT_SQL,
    UPSERT_RUN_SQL,
)

JOINABLE = frozenset(
    {
        INSERT_MARK_SQL,
        UPSERT_PARTICIPANT_SQL,
        RELEASE_HELD_SQL,
        UPSERT_MEMBERSHIP_SQL,
        UPSERT_RUN_SQL,
        INSERT_ANSWER_SQL,
        INSERT_RESULT_SQL,
        INSERT_OUTBOX_SQL,
    }
)
# An UPDATE joins with one parameter set only: two could touch the same row in one statement.
_ONE_ROW = frozenset({RELEASE_HELD_SQL})
_VALUES = re.compile(r"VALUES (\(\?(?:, \?)*\))")
# Far below PostgreSQL's 65,535 parameters; a unit this big goes statement by statement.
MAX_PARAMETERS = 20_000

Groups = Sequence[tuple[str, Sequence[tuple[Any, ...]]]]


def joined(
    groups: Groups, notifications: Sequence[tuple[str, str]]
) -> tuple[str, list[Any]] | None:
    """Join `groups`, and a `pg_notify` of each (channel, payload), into one statement.

    Returns the SQL and its parameters, or None when the groups must run one by one.
    """
    if not groups or len({sql for sql, _ in groups}) != len(groups):
        return None
    parts: list[str] = []
    params: list[Any] = []
    for n, (sql, rows) in enumerate(groups):
        if sql not in JOINABLE or (len(rows) > 1 and sql in _ONE_ROW):
            return None
        parts.append(f"s{n} AS ({_rows(sql, len(rows))})")
        for row in rows:
            params.extend(row)
    for channel, payload in notifications:
        params += [channel, payload]
    if len(params) > MAX_PARAMETERS:
        return None
    select = ", ".join("pg_notify(?, ?)" for _ in notifications) or "1"
    return dollar(f"WITH {', '.join(parts)} SELECT {select}"), params


def _rows(sql: str, count: int) -> str:
    """Repeat an INSERT's one `VALUES (?, …)` row `count` times."""
    if count == 1:
        return sql
    return _VALUES.sub(lambda m: "VALUES " + ", ".join([m.group(1)] * count), sql, count=1)
