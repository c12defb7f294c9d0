"""The embedded backend: SQLite through aiosqlite, in WAL mode, with group commit.

Reads go through aiosqlite; writes go through a group writer with its own thread (see
`storage/sqlite_writer.py`). Writes from many participants that arrive while a transaction runs
are committed together in the next one. A message's own rows (its state; results and memberships
when an assessment ends) are read in place, on the event loop (see `SQLiteStore._fetch_few`), so
a message costs no read hop and a share of one write hop. Claims run as jobs of the writer
(`storage/sqlite_jobs.py`).
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite
from typing_extensions import override

from storage.base import ConversationSession, MigrationError, migration_scripts
from storage.codec import dump_time
from storage.locks import KeyedLock
from storage.outbox_bell import LiveBell, OutboxBell
from storage.records.changes import Changes
from storage.records.people import Conversation, ParticipantKey
from storage.sql.changes import change_statements
from storage.sql.common import Statement
from storage.sql.people import CONVERSATION_SQL, conversation_rows
from storage.sql.schema import (
    APPLIED_MIGRATIONS_SQL,
    CREATE_MIGRATIONS_SQL,
    RECORD_MIGRATION_SQL,
    SCHEMA_VERSION_SQL,
)
from storage.sqlite_jobs import SQLiteJobs
from storage.sqlite_writer import BUSY_TIMEOUT_MS, GroupWriter, connect_sync

_READERS = 2


def sqlite_path(url: str) -> str:
    """Turn `sqlite:///relative.db`, `sqlite:////abs.db` or `sqlite:///:memory:` into a path."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        raise ValueError(f"not a SQLite URL: {url!r} (expected sqlite:///path)")
    path = url[len(prefix) :]
    if not path:
        raise ValueError("the SQLite URL names no file: use sqlite:///minga.db")
    return path


class _SQLiteSession(ConversationSession):
    def __init__(
        self,
        state: Conversation,
        writer: GroupWriter,
        now: Callable[[], datetime],
        announce: Callable[[set[str]], Awaitable[None]],
    ):
        self.state = state
        self._writer = writer
        self._now = now
        self._announce = announce

    @override
    async def commit(self, changes: Changes) -> None:
        if not changes.is_empty():
            await self._writer.statements(change_statements(changes, self._now()))
        if changes.erase_participant_id is not None:
            await self._writer.checkpoint()
        if changes.live:
            await self._announce(changes.live)


class SQLiteStore(SQLiteJobs):
    """SQLite backend: `SQLiteStore.from_url("sqlite:///minga.db")`, then `await open()`."""

    dialect = "sqlite"

    def __init__(self, path: str, now: Callable[[], datetime]) -> None:
        self.path = path
        self._now = now
        self._readers: list[aiosqlite.Connection] = []
        self._next_reader = 0
        self._inline: sqlite3.Connection | None = None
        self._writer: GroupWriter | None = None
        self._locks = KeyedLock()
        self._next_release = 0.0
        self._bell = OutboxBell(path)
        self._live_bell = LiveBell(path)
        self._live_watchers = []

    @classmethod
    def from_url(cls, url: str, now: Callable[[], datetime]) -> SQLiteStore:
        """Build a store for a `sqlite:///…` URL; nothing is opened yet."""
        return cls(sqlite_path(url), now)

    async def open(self) -> None:
        """Open both connections, switch to WAL and start the group writer."""
        path = self.path
        uri = False
        if path == ":memory:":
            # Two connections must see one database: a named shared-cache memory database.
            path, uri = f"file:minga-{uuid.uuid4().hex}?mode=memory&cache=shared", True
        elif Path(path).parent != Path(""):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = GroupWriter(path, uri, self._bell)
        await self._writer.start()
        self._readers = [await _connect(path, uri) for _ in range(_READERS)]
        self._inline = connect_sync(path, uri, busy_timeout_ms=0)

    @override
    async def close(self) -> None:
        self._bell.close()
        self._live_bell.close()
        if self._writer is not None:
            await self._writer.stop()
            self._writer = None
        readers, self._readers = self._readers, []
        for reader in readers:
            await reader.close()
        if self._inline is not None:
            self._inline.close()
            self._inline = None

    @override
    async def watch_outbox(self, wake: Callable[[], None]) -> None:
        """Wake on every commit that queued messages, in any process using this file."""
        self._bell.listen(wake)

    @override
    async def watch_live(self, changed: Callable[[str], None]) -> None:
        """Hear this process's commits, and other processes' through the bell (one listens)."""
        await super().watch_live(changed)
        self._live_bell.listen(changed)

    @override
    async def _ring_live(self, cohort_ids: set[str]) -> None:
        if not self._live_bell.listening:  # this process heard its own commit already
            self._live_bell.ring(cohort_ids)

    async def backup(self, target: str) -> None:
        """Write a consistent copy of the database to `target` while it is in use."""

        def copy() -> None:
            with sqlite3.connect(self.path) as source, sqlite3.connect(target) as dest:
                source.backup(dest)  # SQLite's online backup: pages copied under a read lock

        await asyncio.to_thread(copy)

    async def __aenter__(self) -> SQLiteStore:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def _r(self) -> aiosqlite.Connection:
        # Round robin: SQLite releases the GIL while it steps, so reads overlap across threads.
        if not self._readers:
            raise RuntimeError("store is not open")
        self._next_reader = (self._next_reader + 1) % len(self._readers)
        return self._readers[self._next_reader]

    @property
    @override
    def _w(self) -> GroupWriter:
        if self._writer is None:
            raise RuntimeError("store is not open")
        return self._writer

    @override
    async def _write(self, statements: list[Statement]) -> None:
        await self._w.statements(statements)

    @override
    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        # One hop that runs the statement to its end. With execute() then fetchall() a cursor
        # stays open between hops, and every coroutine sharing this connection reads inside that
        # cursor's old snapshot, missing commits that have already returned.
        return list(await self._r.execute_fetchall(sql, params))

    @override
    async def _fetch_few(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Run a small indexed read in place, on the event loop's own connection.

        A thread hop costs more than such a read (~250 µs of wake-ups against tens of µs of
        SQLite): 7-15 % of `minga serve`'s CPU per message. In WAL mode a reader never waits for
        the writer; should the file be locked anyway (a checkpoint, a backup), the read takes
        the hop instead of blocking the loop (busy timeout 0).
        """
        if self._inline is None:
            raise RuntimeError("store is not open")
        try:
            rows: list[sqlite3.Row] = self._inline.execute(sql, params).fetchall()
        except sqlite3.OperationalError:
            return await self._fetchall(sql, params)
        return rows

    # -- schema ---------------------------------------------------------------------------------

    @override
    async def schema_version(self) -> int:
        rows = await self._fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        )
        if not rows:
            return 0
        rows = await self._fetchall(SCHEMA_VERSION_SQL)
        return int(rows[0][0])

    @override
    async def migrate(self) -> list[int]:
        def apply(conn: sqlite3.Connection) -> list[int]:
            conn.execute(CREATE_MIGRATIONS_SQL)
            done = {int(row[0]) for row in conn.execute(APPLIED_MIGRATIONS_SQL)}
            applied: list[int] = []
            for number, script in migration_scripts("sqlite"):
                if number in done:
                    continue
                try:
                    for statement in _split_script(script):
                        conn.execute(statement)
                except sqlite3.Error as exc:
                    raise MigrationError(f"sqlite migration {number} failed: {exc}") from exc
                conn.execute(RECORD_MIGRATION_SQL, (number, dump_time(self._now())))
                applied.append(number)
            return applied

        result: list[int] = await self._w.job(apply)
        return result

    # -- the path of one message ----------------------------------------------------------------

    @override
    @asynccontextmanager
    async def conversation(
        self, key: ParticipantKey, external_id: str | None
    ) -> AsyncIterator[ConversationSession]:
        async with self._locks.hold(str(key)):
            params = (key.channel, external_id, key.channel, key.address)
            rows = await self._fetch_few(CONVERSATION_SQL, params)
            participant, runs, seen = conversation_rows(rows)
            active = next((r for r in runs if r.status == "active"), None)
            paused = tuple(r for r in runs if r.status == "paused")
            state = Conversation(key, participant, active, paused, seen)
            yield _SQLiteSession(state, self._w, self._now, self._live_committed)


async def _connect(path: str, uri: bool) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, uri=uri, isolation_level=None)
    pragmas = (f"busy_timeout={BUSY_TIMEOUT_MS}", "synchronous=NORMAL", "foreign_keys=ON")
    for pragma in (*pragmas, "secure_delete=ON"):
        await _pragma(conn, pragma)
    return conn


async def _pragma(conn: aiosqlite.Connection, pragma: str) -> None:
    # A pragma that returns a row keeps its statement (and a lock) open until the row is read.
    async with conn.execute(f"PRAGMA {pragma}") as cursor:
        await cursor.fetchall()


def _split_script(script: str) -> list[str]:
    """Split a migration into statements; migrations keep `;` out of string literals."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
