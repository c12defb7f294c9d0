"""The live room's part of the `Store` interface: prompts, Q&A, the projector, its wake-ups."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from storage.records.live import LiveLink, Prompt, PromptAnswer, QaEntry, QaVote


class LiveStore(ABC):
    """Reads of the live room; writes go through `Changes` like everything else."""

    @abstractmethod
    async def prompt(self, prompt_id: str) -> Prompt | None:
        """Return a question to the room by id."""

    @abstractmethod
    async def prompts(self, cohort_id: str) -> list[Prompt]:
        """Return a workshop's questions to the room, oldest first."""

    @abstractmethod
    async def prompt_answers(
        self, prompt_id: str, *, participant_id: str | None = None
    ) -> list[PromptAnswer]:
        """Return a prompt's answers (one person's, if named), oldest first, hidden ones too."""

    @abstractmethod
    async def qa_entries(self, cohort_id: str) -> list[QaEntry]:
        """Return the questions a workshop's members sent to the stage, oldest first."""

    @abstractmethod
    async def qa_votes(self, cohort_id: str) -> list[QaVote]:
        """Return the upvotes of a workshop's Q&A questions."""

    @abstractmethod
    async def live_screen(self, cohort_id: str) -> dict[str, Any] | None:
        """Return what the workshop's projector shows now (None: the join screen)."""

    @abstractmethod
    async def live_links(self, cohort_id: str) -> list[LiveLink]:
        """Return a workshop's projector links, revoked ones too."""

    @abstractmethod
    async def live_link(self, token: str) -> LiveLink | None:
        """Return the projector link with this token."""

    _live_watchers: list[Callable[[str], None]]  # set up by each backend's __init__

    async def watch_live(self, changed: Callable[[str], None]) -> None:
        """Call `changed(cohort_id)` whenever a commit, in any process, changed a workshop's room.

        Commits of this process call it at once; other processes' commits reach it through
        the backend (PostgreSQL's LISTEN, SQLite's bell) when it can listen.
        """
        self._live_watchers.append(changed)

    async def _live_committed(self, cohort_ids: set[str], *, rung: bool = False) -> None:
        """After a commit: tell this process's watchers, and other processes unless `rung`."""
        if not cohort_ids:
            return
        for cohort_id in cohort_ids:
            for changed in self._live_watchers:
                changed(cohort_id)
        if not rung:
            await self._ring_live(cohort_ids)

    async def _ring_live(self, cohort_ids: set[str]) -> None:
        """Tell other processes which workshops changed (nothing to do in one process)."""
        del cohort_ids
