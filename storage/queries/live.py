"""The live room's reads: prompts and their answers, Q&A, the projector's screen and links."""

from __future__ import annotations

from typing import Any

from typing_extensions import override

from storage.queries.access import SQLAccess
from storage.records.live import LiveLink, Prompt, PromptAnswer, QaEntry, QaVote
from storage.sql.live import (
    LIVE_LINK_COLUMNS,
    PROMPT_ANSWER_COLUMNS,
    PROMPT_COLUMNS,
    QA_ENTRY_COLUMNS,
    QA_VOTE_COLUMNS,
    live_link_from_row,
    prompt_answer_from_row,
    prompt_from_row,
    qa_entry_from_row,
    qa_vote_from_row,
    screen_from_row,
)


class LiveQueries(SQLAccess):
    """Questions to the room, their answers, Q&A and what each projector shows."""

    @override
    async def prompt(self, prompt_id: str) -> Prompt | None:
        found = await self._decoded(
            prompt_from_row, f"SELECT {PROMPT_COLUMNS} FROM prompts WHERE id = ?", (prompt_id,)
        )
        return found[0] if found else None

    @override
    async def prompts(self, cohort_id: str) -> list[Prompt]:
        return await self._decoded(
            prompt_from_row,
            f"SELECT {PROMPT_COLUMNS} FROM prompts WHERE cohort_id = ? ORDER BY created_at, id",
            (cohort_id,),
        )

    @override
    async def prompt_answers(
        self, prompt_id: str, *, participant_id: str | None = None
    ) -> list[PromptAnswer]:
        sql = f"SELECT {PROMPT_ANSWER_COLUMNS} FROM prompt_answers WHERE prompt_id = ?"
        params: tuple[Any, ...] = (prompt_id,)
        if participant_id is not None:
            sql += " AND participant_id = ?"
            params += (participant_id,)
        return await self._decoded(prompt_answer_from_row, sql + " ORDER BY created_at", params)

    @override
    async def qa_entries(self, cohort_id: str) -> list[QaEntry]:
        return await self._decoded(
            qa_entry_from_row,
            f"SELECT {QA_ENTRY_COLUMNS} FROM qa_entries WHERE cohort_id = ? ORDER BY created_at",
            (cohort_id,),
        )

    @override
    async def qa_votes(self, cohort_id: str) -> list[QaVote]:
        columns = ", ".join(f"v.{c.strip()}" for c in QA_VOTE_COLUMNS.split(","))
        return await self._decoded(
            qa_vote_from_row,
            f"SELECT {columns} FROM qa_votes v JOIN qa_entries e ON e.id = v.entry_id "
            "WHERE e.cohort_id = ?",
            (cohort_id,),
        )

    @override
    async def live_screen(self, cohort_id: str) -> dict[str, Any] | None:
        found = await self._decoded(
            screen_from_row, "SELECT screen FROM live_screens WHERE cohort_id = ?", (cohort_id,)
        )
        return found[0] if found else None

    @override
    async def live_links(self, cohort_id: str) -> list[LiveLink]:
        return await self._decoded(
            live_link_from_row,
            f"SELECT {LIVE_LINK_COLUMNS} FROM live_links WHERE cohort_id = ? ORDER BY created_at",
            (cohort_id,),
        )

    @override
    async def live_link(self, token: str) -> LiveLink | None:
        found = await self._decoded(
            live_link_from_row,
            f"SELECT {LIVE_LINK_COLUMNS} FROM live_links WHERE token = ?",
            (token,),
        )
        return found[0] if found else None
