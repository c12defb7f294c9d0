"""The two primitives every SQL query of the store runs on, and a decoding read built on them."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from storage.base import Store
from storage.records.changes import Changes
from storage.sql.changes import change_statements
from storage.sql.common import Row, Statement

T = TypeVar("T")


class SQLAccess(Store):
    """A store that reads with `_fetchall` and writes with `_write`; the backends supply both."""

    _now: Callable[[], datetime]

    @abstractmethod
    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Row]:
        """Run one read to its end and return its rows."""

    @abstractmethod
    async def _write(self, statements: list[Statement]) -> None:
        """Commit independent statements together (with whatever else is queued)."""

    async def commit(self, changes: Changes) -> None:
        """Commit changes made outside a conversation (the facilitator's console, the CLI)."""
        if not changes.is_empty():
            await self._write(change_statements(changes, self._now()))
        await self._live_committed(changes.live)

    async def _fetch_few(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Row]:
        """Run a read of a few indexed rows on the path of a message (a backend may shortcut)."""
        return await self._fetchall(sql, params)

    async def _decoded(
        self, decode: Callable[[Row], T], sql: str, params: Sequence[Any] = (), few: bool = False
    ) -> list[T]:
        """Read and decode rows; `few`: a few indexed rows on a message's path (`_fetch_few`)."""
        rows = await (self._fetch_few if few else self._fetchall)(sql, params)
        return [decode(row) for row in rows]
