"""The embedded backend: SQLite through aiosqlite, in WAL mode, with group commit.

One connection writes and one reads, each on its own aiosqlite thread. Writes from many
participants that arrive while a transaction runs are committed together in the next one, which
keeps the number of thread hops per message well below one.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
from typing_extensions import override

from storage.base import (
    ConversationSession,
    DuplicateError,
    MigrationError,
    Store,
    migration_scripts,
)
from storage.codec import dump_time
from storage.locks import KeyedLock
from storage.records import (
    Answer,
    Changes,
    Cohort,
    Conversation,
    Delivery,
    Membership,
    OutboxRow,
    Participant,
    ParticipantKey,
    Run,
)
from storage.sql import (
    ANSWER_COLUMNS,
    COHORT_COLUMNS,
    CONVERSATION_SQL,
    OUTBOX_CLAIM_COLUMNS,
    PARTICIPANT_COLUMNS,
    RUN_COLUMNS,
    Statement,
    answer_from_row,
    batch_statements,
    change_statements,
    cohort_from_row,
    conversation_rows,
    membership_from_row,
    outbox_from_row,
    participant_from_row,
    run_from_row,
)

Job = Callable[[aiosqlite.Connection], Awaitable[Any]]
_Queued = tuple[Job | None, list[Statement] | None, "asyncio.Future[Any]"]
_BUSY_TIMEOUT_MS = 10_000
_LEASE_SECONDS = 120


def sqlite_path(url: str) -> str:
    """Turn `sqlite:///relative.db`, `sqlite:////abs.db` or `sqlite:///:memory:` into a path."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        raise ValueError(f"not a SQLite URL: {url!r} (expected sqlite:///path)")
    path = url[len(prefix) :]
    if not path:
        raise ValueError("the SQLite URL names no file: use sqlite:///minga.db")
    return path


class _GroupWriter:
    """Run every queued write job of a moment in one `BEGIN IMMEDIATE` transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._queue: list[_Queued] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="sqlite-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for _, _, future in self._queue:
            if not future.done():
                future.set_exception(RuntimeError("store closed"))
        self._queue.clear()

    async def statements(self, statements: list[Statement]) -> None:
        """Commit a unit of independent statements with whatever else is queued."""
        await self._submit(None, statements)

    async def job(self, job: Job) -> Any:
        """Run a job (which may read what it writes) inside the next group transaction."""
        return await self._submit(job, None)

    async def _submit(self, job: Job | None, statements: list[Statement] | None) -> Any:
        if self._task is None:
            raise RuntimeError("store is not open")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((job, statements, future))
        self._wake.set()
        return await future

    async def _loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._queue = self._queue, []
            if not batch:
                continue
            if len(batch) == 1:
                await self._settle(batch)
            else:
                try:
                    results = await self._transaction(batch)
                except Exception:
                    # One bad unit must not fail its neighbours: commit each alone.
                    for item in batch:
                        await self._settle([item])
                else:
                    for (_, _, future), result in zip(batch, results, strict=True):
                        if not future.done():
                            future.set_result(result)

    async def _settle(self, batch: list[_Queued]) -> None:
        future = batch[0][2]
        try:
            (result,) = await self._transaction(batch)
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
        else:
            if not future.done():
                future.set_result(result)

    async def _transaction(self, batch: list[_Queued]) -> list[Any]:
        conn = self._conn
        await conn.execute("BEGIN IMMEDIATE")
        try:
            units = [statements for _, statements, _ in batch if statements is not None]
            for sql, params in batch_statements(units):
                if len(params) == 1:
                    await conn.execute(sql, params[0])
                else:
                    await conn.executemany(sql, params)
            results = [None if job is None else await job(conn) for job, _, _ in batch]
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        return results


class _SQLiteSession(ConversationSession):
    def __init__(self, state: Conversation, writer: _GroupWriter, now: Callable[[], datetime]):
        self.state = state
        self._writer = writer
        self._now = now

    @override
    async def commit(self, changes: Changes) -> None:
        if not changes.is_empty():
            await self._writer.statements(change_statements(changes, self._now()))


class SQLiteStore(Store):
    """SQLite backend: `SQLiteStore.from_url("sqlite:///minga.db")`, then `await open()`."""

    def __init__(self, path: str, now: Callable[[], datetime]) -> None:
        self.path = path
        self._now = now
        self._writer_conn: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._writer: _GroupWriter | None = None
        self._locks = KeyedLock()

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
        self._writer_conn = await _connect(path, uri)
        await _pragma(self._writer_conn, "journal_mode=WAL")
        self._reader = await _connect(path, uri)
        self._writer = _GroupWriter(self._writer_conn)
        self._writer.start()

    @override
    async def close(self) -> None:
        if self._writer is not None:
            await self._writer.stop()
            self._writer = None
        for conn in (self._reader, self._writer_conn):
            if conn is not None:
                await conn.close()
        self._reader = self._writer_conn = None

    async def __aenter__(self) -> SQLiteStore:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def _r(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("store is not open")
        return self._reader

    @property
    def _w(self) -> _GroupWriter:
        if self._writer is None:
            raise RuntimeError("store is not open")
        return self._writer

    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._r.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    # -- schema ---------------------------------------------------------------------------------

    @override
    async def schema_version(self) -> int:
        rows = await self._fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        )
        if not rows:
            return 0
        rows = await self._fetchall("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return int(rows[0][0])

    @override
    async def migrate(self) -> list[int]:
        async def apply(conn: aiosqlite.Connection) -> list[int]:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            async with conn.execute("SELECT version FROM schema_migrations") as cur:
                done = {int(row[0]) for row in await cur.fetchall()}
            applied: list[int] = []
            for number, script in migration_scripts("sqlite"):
                if number in done:
                    continue
                try:
                    for statement in _split_script(script):
                        await conn.execute(statement)
                except sqlite3.Error as exc:
                    raise MigrationError(f"sqlite migration {number} failed: {exc}") from exc
                await conn.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    (number, dump_time(self._now())),
                )
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
            rows = await self._fetchall(
                CONVERSATION_SQL, (key.channel, external_id, key.channel, key.address)
            )
            participant, runs, seen = conversation_rows(rows)
            active = next((r for r in runs if r.status == "active"), None)
            paused = tuple(r for r in runs if r.status == "paused")
            state = Conversation(key, participant, active, paused, seen)
            yield _SQLiteSession(state, self._w, self._now)

    # -- outbox ---------------------------------------------------------------------------------

    @override
    async def claim_outbox(
        self, channels: Sequence[str], now: datetime, limit: int, address: str | None = None
    ) -> list[OutboxRow]:
        stamp = dump_time(now)
        lease = dump_time(now + timedelta(seconds=_LEASE_SECONDS))
        marks = ", ".join("?" * len(channels))
        address_clause = "AND o.address = ?" if address is not None else ""
        sql = f"""
            UPDATE outbox SET status = 'sending', lease_until = ?, attempts = attempts + 1
            WHERE id IN (
                SELECT o.id FROM outbox o
                WHERE o.channel IN ({marks}) {address_clause}
                  AND o.not_before <= ?
                  AND (o.status = 'pending' OR (o.status = 'sending' AND o.lease_until < ?))
                  AND NOT EXISTS (
                      SELECT 1 FROM outbox f
                      WHERE f.channel = o.channel AND f.address = o.address
                        AND f.status = 'sending' AND f.lease_until >= ?)
                  AND NOT EXISTS (
                      SELECT 1 FROM outbox e
                      WHERE e.channel = o.channel AND e.address = o.address
                        AND e.status = 'pending' AND e.id < o.id AND e.not_before > ?)
                ORDER BY o.priority, o.id
                LIMIT ?)
            RETURNING {OUTBOX_CLAIM_COLUMNS}
        """
        params: list[Any] = [lease, *channels]
        if address is not None:
            params.append(address)
        params += [stamp, stamp, stamp, stamp, limit]

        async def claim(conn: aiosqlite.Connection) -> list[OutboxRow]:
            async with conn.execute(sql, params) as cur:
                rows = [outbox_from_row(row) for row in await cur.fetchall()]
            rows.sort(key=lambda r: (r.priority, r.id))
            return rows

        claimed: list[OutboxRow] = await self._w.job(claim)
        return claimed

    @override
    async def complete_outbox(self, deliveries: Sequence[Delivery], now: datetime) -> None:
        if not deliveries:
            return
        statements = delivery_statements(deliveries, now)

        async def complete(conn: aiosqlite.Connection) -> None:
            for sql, params in statements:
                await conn.execute(sql, params)

        await self._w.job(complete)

    @override
    async def release_claims(self, channels: Sequence[str], address: str | None = None) -> int:
        marks = ", ".join("?" * len(channels))
        sql = (
            f"UPDATE outbox SET status = 'pending', lease_until = NULL "
            f"WHERE status = 'sending' AND channel IN ({marks})"
        )
        params: list[Any] = list(channels)
        if address is not None:
            sql += " AND address = ?"
            params.append(address)

        async def release(conn: aiosqlite.Connection) -> int:
            cur = await conn.execute(sql, params)
            return cur.rowcount

        count: int = await self._w.job(release)
        return count

    @override
    async def outbox_counts(self) -> dict[str, int]:
        rows = await self._fetchall("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {str(status): int(n) for status, n in rows}

    # -- cohorts --------------------------------------------------------------------------------

    @override
    async def create_cohort(self, cohort: Cohort) -> None:
        async def insert(conn: aiosqlite.Connection) -> None:
            try:
                await conn.execute(
                    f"INSERT INTO cohorts ({COHORT_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                    (
                        cohort.id,
                        cohort.code,
                        cohort.name,
                        cohort.locale,
                        dump_time(cohort.created_at),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise DuplicateError(f"a cohort with code {cohort.code!r} exists") from exc

        await self._w.job(insert)

    @override
    async def cohort_by_code(self, code: str) -> Cohort | None:
        rows = await self._fetchall(
            f"SELECT {COHORT_COLUMNS} FROM cohorts WHERE lower(code) = lower(?)", (code,)
        )
        return cohort_from_row(rows[0]) if rows else None

    @override
    async def cohort_by_id(self, cohort_id: str) -> Cohort | None:
        rows = await self._fetchall(
            f"SELECT {COHORT_COLUMNS} FROM cohorts WHERE id = ?", (cohort_id,)
        )
        return cohort_from_row(rows[0]) if rows else None

    @override
    async def list_cohorts(self) -> list[tuple[Cohort, int]]:
        rows = await self._fetchall(
            f"SELECT {COHORT_COLUMNS}, (SELECT COUNT(*) FROM memberships m "
            "WHERE m.cohort_id = cohorts.id) FROM cohorts ORDER BY created_at DESC"
        )
        return [(cohort_from_row(row[:5]), int(row[5])) for row in rows]

    @override
    async def memberships(self, participant_id: str) -> list[Membership]:
        rows = await self._fetchall(
            "SELECT participant_id, cohort_id, joined_at, table_no FROM memberships "
            "WHERE participant_id = ? ORDER BY joined_at",
            (participant_id,),
        )
        return [membership_from_row(row) for row in rows]

    # -- participants ---------------------------------------------------------------------------

    @override
    async def participant(self, key: ParticipantKey) -> Participant | None:
        rows = await self._fetchall(
            f"SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE channel = ? AND address = ?",
            (key.channel, key.address),
        )
        return participant_from_row(rows[0]) if rows else None

    @override
    async def answers(self, participant_id: str) -> list[Answer]:
        rows = await self._fetchall(
            f"SELECT {ANSWER_COLUMNS} FROM answers WHERE participant_id = ? ORDER BY id",
            (participant_id,),
        )
        return [answer_from_row(row) for row in rows]

    @override
    async def runs(self, participant_id: str) -> list[Run]:
        rows = await self._fetchall(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE participant_id = ? ORDER BY started_at",
            (participant_id,),
        )
        return [run_from_row(row) for row in rows]


def delivery_statements(deliveries: Sequence[Delivery], now: datetime) -> list[Statement]:
    """Statements that record delivery outcomes; shared shape for every SQL backend."""
    stamp = dump_time(now)
    out: list[Statement] = []
    for d in deliveries:
        if d.state == "sent":
            out.append(
                (
                    "UPDATE outbox SET status = 'sent', sent_at = ?, external_id = ?, "
                    "lease_until = NULL WHERE id = ?",
                    (stamp, d.external_id, d.row_id),
                )
            )
            out.append(("DELETE FROM outbox WHERE id = ? AND erase_after_send = 1", (d.row_id,)))
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
                    "UPDATE participants SET unreachable = 1 WHERE id = "
                    "(SELECT participant_id FROM outbox WHERE id = ?)",
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
        else:
            out.append(
                (
                    "UPDATE outbox SET status = 'failed', error = ?, lease_until = NULL "
                    "WHERE id = ?",
                    (d.error, d.row_id),
                )
            )
    return out


async def _connect(path: str, uri: bool) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, uri=uri, isolation_level=None)
    for pragma in (f"busy_timeout={_BUSY_TIMEOUT_MS}", "synchronous=NORMAL", "foreign_keys=ON"):
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
