"""The live room's SQL: prompts, their answers, Q&A entries and votes, screens, projector links."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.codec import dump_json, dump_time, load_json, load_time, need_time
from storage.records.live import LiveLink, Prompt, PromptAnswer, QaEntry, QaVote, Screen
from storage.sql.common import Row, Statement

PROMPT_COLUMNS = (
    "id, cohort_id, kind, texts, options, multi, scale_max, state, revealed, created_by, "
    "created_at, opened_at, closed_at"
)
UPSERT_PROMPT_SQL = (
    f"INSERT INTO prompts ({PROMPT_COLUMNS}) VALUES ({', '.join('?' * 13)}) "
    "ON CONFLICT (id) DO UPDATE SET texts = excluded.texts, options = excluded.options, "
    "multi = excluded.multi, scale_max = excluded.scale_max, state = excluded.state, "
    "revealed = excluded.revealed, opened_at = excluded.opened_at, closed_at = excluded.closed_at"
)
PROMPT_ANSWER_COLUMNS = "prompt_id, participant_id, seq, value, created_at, hidden"
UPSERT_PROMPT_ANSWER_SQL = (
    f"INSERT INTO prompt_answers ({PROMPT_ANSWER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (prompt_id, participant_id, seq) DO UPDATE SET value = excluded.value, "
    "created_at = excluded.created_at, hidden = excluded.hidden"
)
QA_ENTRY_COLUMNS = "id, cohort_id, prompt_id, participant_id, text, created_at, answered, hidden"
UPSERT_QA_ENTRY_SQL = (
    f"INSERT INTO qa_entries ({QA_ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET answered = excluded.answered, hidden = excluded.hidden"
)
QA_VOTE_COLUMNS = "entry_id, participant_id, created_at"
# A second upvote by the same person counts once; a vote for an entry gone is dropped.
INSERT_QA_VOTE_SQL = (
    f"INSERT INTO qa_votes ({QA_VOTE_COLUMNS}) SELECT ?, ?, ? "
    "WHERE EXISTS (SELECT 1 FROM qa_entries WHERE id = ?) ON CONFLICT DO NOTHING"
)
UPSERT_SCREEN_SQL = (
    "INSERT INTO live_screens (cohort_id, screen, updated_at) VALUES (?, ?, ?) "
    "ON CONFLICT (cohort_id) DO UPDATE SET screen = excluded.screen, "
    "updated_at = excluded.updated_at"
)
LIVE_LINK_COLUMNS = "token, cohort_id, created_at, revoked_at"
UPSERT_LIVE_LINK_SQL = (
    f"INSERT INTO live_links ({LIVE_LINK_COLUMNS}) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (token) DO UPDATE SET revoked_at = excluded.revoked_at"
)
SCREEN_COLUMNS = "cohort_id, screen, updated_at"


def prompt_statements(prompts: Sequence[Prompt]) -> list[Statement]:
    """Create or update prompts (their state, whether results show, their texts)."""
    return [
        (
            UPSERT_PROMPT_SQL,
            (
                p.id,
                p.cohort_id,
                p.kind,
                dump_json(dict(p.texts)),
                dump_json([dict(o) for o in p.options]),
                int(p.multi),
                p.scale_max,
                p.state,
                int(p.revealed),
                p.created_by,
                dump_time(p.created_at),
                dump_time(p.opened_at),
                dump_time(p.closed_at),
            ),
        )
        for p in prompts
    ]


def prompt_answer_statements(answers: Sequence[PromptAnswer]) -> list[Statement]:
    """Store answers; the same person, prompt and number replaces the earlier answer."""
    return [
        (
            UPSERT_PROMPT_ANSWER_SQL,
            (
                a.prompt_id,
                a.participant_id,
                a.seq,
                dump_json(a.value),
                dump_time(a.created_at),
                int(a.hidden),
            ),
        )
        for a in answers
    ]


def qa_statements(entries: Sequence[QaEntry], votes: Sequence[QaVote]) -> list[Statement]:
    """Store Q&A entries (or their answered/hidden marks), then upvotes."""
    out: list[Statement] = [
        (
            UPSERT_QA_ENTRY_SQL,
            (
                e.id,
                e.cohort_id,
                e.prompt_id,
                e.participant_id,
                e.text,
                dump_time(e.created_at),
                int(e.answered),
                int(e.hidden),
            ),
        )
        for e in entries
    ]
    out += [
        (INSERT_QA_VOTE_SQL, (v.entry_id, v.participant_id, dump_time(v.created_at), v.entry_id))
        for v in votes
    ]
    return out


def screen_statements(
    screens: Sequence[tuple[str, Screen]], links: Sequence[LiveLink], stamp: str | None
) -> list[Statement]:
    """Put screens on projectors and create or revoke projector links."""
    out: list[Statement] = [
        (UPSERT_SCREEN_SQL, (cohort_id, dump_json(dict(screen)), stamp))
        for cohort_id, screen in screens
    ]
    out += [
        (
            UPSERT_LIVE_LINK_SQL,
            (link.token, link.cohort_id, dump_time(link.created_at), dump_time(link.revoked_at)),
        )
        for link in links
    ]
    return out


def prompt_from_row(row: Row) -> Prompt:
    """Decode the prompt columns, in `PROMPT_COLUMNS` order."""
    return Prompt(
        id=row[0],
        cohort_id=row[1],
        kind=row[2],
        texts=load_json(row[3]),
        options=tuple(load_json(row[4]) or ()),
        multi=bool(row[5]),
        scale_max=int(row[6]),
        state=row[7],
        revealed=bool(row[8]),
        created_by=row[9],
        created_at=need_time(row[10]),
        opened_at=load_time(row[11]),
        closed_at=load_time(row[12]),
    )


def prompt_answer_from_row(row: Row) -> PromptAnswer:
    """Decode the prompt answer columns, in `PROMPT_ANSWER_COLUMNS` order."""
    return PromptAnswer(
        row[0], row[1], int(row[2]), load_json(row[3]), need_time(row[4]), bool(row[5])
    )


def qa_entry_from_row(row: Row) -> QaEntry:
    """Decode the Q&A entry columns, in `QA_ENTRY_COLUMNS` order."""
    return QaEntry(
        id=row[0],
        cohort_id=row[1],
        prompt_id=row[2],
        participant_id=row[3],
        text=row[4],
        created_at=need_time(row[5]),
        answered=bool(row[6]),
        hidden=bool(row[7]),
    )


def qa_vote_from_row(row: Row) -> QaVote:
    """Decode the Q&A vote columns, in `QA_VOTE_COLUMNS` order."""
    return QaVote(row[0], row[1], need_time(row[2]))


def live_link_from_row(row: Row) -> LiveLink:
    """Decode the projector link columns, in `LIVE_LINK_COLUMNS` order."""
    return LiveLink(row[0], row[1], need_time(row[2]), load_time(row[3]))


def screen_from_row(row: Row) -> dict[str, Any]:
    """Decode a projector's screen."""
    screen = load_json(row[0])
    return dict(screen) if isinstance(screen, dict) else {"kind": "idle"}
