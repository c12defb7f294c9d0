"""The embedded backend: SQLite through aiosqlite, in WAL mode, with group commit.

Reads go through aiosqlite; writes go through a group writer with its own thread (see
`_GroupWriter`). Writes from many participants that arrive while a transaction runs are committed
together in the next one. A message's own rows (its state; results and memberships when an
assessment ends) are read in place, on the event loop (see `SQLiteStore._fetch_few`), so a
message costs no read hop and a share of one write hop.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
from typing_extensions import override

from storage.base import (
    ConversationSession,
    DuplicateError,
    MigrationError,
    migration_scripts,
)
from storage.codec import dump_time, need_time
from storage.locks import KeyedLock
from storage.outbox_bell import OutboxBell
from storage.records.changes import Changes
from storage.records.followup import DueCheckin
from storage.records.outbox import Delivery, OutboxRow, StatusReport
from storage.records.people import Conversation, ParticipantKey
from storage.records.workshops import Cohort, DueStart
from storage.sql.changes import batch_statements, change_statements, group_statements
from storage.sql.common import Statement
from storage.sql.followup import claim_checkins_sql, claimed_checkins_sql, due_checkin_from_row
from storage.sql.outbox import (
    OUTBOX_LEASE_SECONDS,
    RECORD_STATUS_SQL,
    STATUS_ROW_SQL,
    claim_outbox_sql,
    delivery_statements,
    outbox_from_row,
    queues_messages,
    release_claims_sql,
)
from storage.sql.people import CONVERSATION_SQL, SET_REACHABLE_SQL, conversation_rows
from storage.sql.schema import (
    APPLIED_MIGRATIONS_SQL,
    CREATE_MIGRATIONS_SQL,
    RECORD_MIGRATION_SQL,
    SCHEMA_VERSION_SQL,
)
from storage.sql.workshops import (
    DUE_PLACE_SQL,
    INSERT_COHORT_SQL,
    MODERATE_CHALLENGE_SQL,
    RELEASE_DUE_SQL,
    claim_due_sql,
    cohort_params,
)
from storage.sql_store import SQLStore

Job = Callable[[sqlite3.Connection], Any]
T = TypeVar("T")
_Queued = tuple[Job | None, list[Statement] | None, "asyncio.Future[Any]"]
_BUSY_TIMEOUT_MS = 10_000
_RELEASE_EVERY_SECONDS = 5.0
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


class _GroupWriter:
    """Run every write queued at a moment in one `BEGIN IMMEDIATE` transaction, in one hop.

    aiosqlite makes each call a cross-thread hop (~250 µs here, mostly waking the event loop),
    and a transaction of a handled message needs about eight calls; it has no public way to run
    several statements in one hop. So writes get their own thread and stdlib connection, and a
    whole batch — dozens of participants' units — costs one hop. Reads stay on aiosqlite.
    """

    def __init__(self, path: str, uri: bool, bell: OutboxBell) -> None:
        self._path = path
        self._uri = uri
        self._bell = bell
        self._conn: sqlite3.Connection | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="minga-sqlite-writer")
        self._queue: list[_Queued] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._conn = await loop.run_in_executor(self._thread, _connect_sync, self._path, self._uri)
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
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await asyncio.get_running_loop().run_in_executor(self._thread, conn.close)
        self._thread.shutdown(wait=True)

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
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            # One more turn of the loop lets every unit that is ready now join this transaction.
            await asyncio.sleep(0)
            self._wake.clear()
            batch, self._queue = self._queue, []
            if not batch:
                continue
            outcomes = await loop.run_in_executor(self._thread, self._run_batch, batch)
            for (_, _, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _run_batch(self, batch: list[_Queued]) -> list[tuple[bool, Any]]:
        """Commit the batch together; if that fails, commit each unit alone (in this thread)."""
        try:
            return [(True, value) for value in self._transaction(batch)]
        except Exception:
            if len(batch) == 1:
                return [(False, _last_error())]
        # One bad unit must not fail its neighbours.
        outcomes: list[tuple[bool, Any]] = []
        for item in batch:
            try:
                (value,) = self._transaction([item])
                outcomes.append((True, value))
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes

    def _transaction(self, batch: list[_Queued]) -> list[Any]:
        conn = self._conn
        assert conn is not None
        conn.execute("BEGIN IMMEDIATE")
        try:
            units = [statements for _, statements, _ in batch if statements is not None]
            queued = False
            for sql, params in batch_statements(units):
                conn.executemany(sql, params)
                queued = queued or queues_messages(sql)
            results = [None if job is None else job(conn) for job, _, _ in batch]
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if queued:
            self._bell.ring()  # after COMMIT: the woken sender must find the rows
        return results


def _last_error() -> BaseException:
    error = sys.exc_info()[1]
    return error if error is not None else RuntimeError("unknown write failure")


class _SQLiteSession(ConversationSession):
    def __init__(self, state: Conversation, writer: _GroupWriter, now: Callable[[], datetime]):
        self.state = state
        self._writer = writer
        self._now = now

    @override
    async def commit(self, changes: Changes) -> None:
        if not changes.is_empty():
            await self._writer.statements(change_statements(changes, self._now()))


class SQLiteStore(SQLStore):
    """SQLite backend: `SQLiteStore.from_url("sqlite:///minga.db")`, then `await open()`."""

    dialect = "sqlite"

    def __init__(self, path: str, now: Callable[[], datetime]) -> None:
        self.path = path
        self._now = now
        self._readers: list[aiosqlite.Connection] = []
        self._next_reader = 0
        self._inline: sqlite3.Connection | None = None
        self._writer: _GroupWriter | None = None
        self._locks = KeyedLock()
        self._next_release = 0.0
        self._bell = OutboxBell(path)

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
        self._writer = _GroupWriter(path, uri, self._bell)
        await self._writer.start()
        self._readers = [await _connect(path, uri) for _ in range(_READERS)]
        self._inline = _connect_sync(path, uri, busy_timeout_ms=0)

    @override
    async def close(self) -> None:
        self._bell.close()
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
    def _w(self) -> _GroupWriter:
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
            yield _SQLiteSession(state, self._w, self._now)

    # -- outbox ---------------------------------------------------------------------------------

    @override
    async def claim_outbox(
        self, channels: Sequence[str], now: datetime, limit: int, address: str | None = None
    ) -> list[OutboxRow]:
        stamp = dump_time(now)
        lease = dump_time(now + timedelta(seconds=OUTBOX_LEASE_SECONDS))
        release, sql = claim_outbox_sql(len(channels), address is not None, lock="")
        params: list[Any] = [lease, *channels]
        if address is not None:
            params.append(address)
        params += [stamp, stamp, limit]

        release_due = now.timestamp() >= self._next_release
        if release_due:
            self._next_release = now.timestamp() + _RELEASE_EVERY_SECONDS

        def claim(conn: sqlite3.Connection) -> list[OutboxRow]:
            if release_due:
                conn.execute(release, [*channels, stamp])
            rows = [outbox_from_row(row) for row in conn.execute(sql, params).fetchall()]
            rows.sort(key=lambda r: (r.priority, r.id))
            return rows

        claimed: list[OutboxRow] = await self._w.job(claim)
        return claimed

    @override
    async def complete_outbox(self, deliveries: Sequence[Delivery], now: datetime) -> None:
        if not deliveries:
            return
        statements = delivery_statements(deliveries, now)

        def complete(conn: sqlite3.Connection) -> None:
            for sql, many in group_statements(statements):
                conn.executemany(sql, many)

        await self._w.job(complete)

    @override
    async def release_claims(self, channels: Sequence[str], address: str | None = None) -> int:
        sql = release_claims_sql(len(channels), address is not None)
        params = [*channels, *([address] if address is not None else [])]

        def release(conn: sqlite3.Connection) -> int:
            return conn.execute(sql, params).rowcount

        count: int = await self._w.job(release)
        return count

    # -- cohorts --------------------------------------------------------------------------------

    @override
    async def create_cohort(self, cohort: Cohort) -> None:
        def insert(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(INSERT_COHORT_SQL, cohort_params(cohort))
            except sqlite3.IntegrityError as exc:
                raise DuplicateError(f"a cohort with code {cohort.code!r} exists") from exc

        await self._w.job(insert)

    # -- participants ---------------------------------------------------------------------------

    @override
    async def set_reachable(self, key: ParticipantKey, reachable: bool) -> bool:
        def update(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(SET_REACHABLE_SQL, (int(not reachable), key.channel, key.address))
            return cursor.rowcount == 1

        known: bool = await self._w.job(update)
        return known

    # -- prioritization ---------------------------------------------------------------------------

    @override
    async def moderate_challenge(
        self, challenge_id: str, *, hidden: bool | None = None, merged_into: str | None = None
    ) -> bool:
        def update(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                MODERATE_CHALLENGE_SQL,
                (None if hidden is None else int(hidden), merged_into, challenge_id),
            )
            return cursor.rowcount == 1

        found: bool = await self._w.job(update)
        return found

    @override
    async def record_status(
        self, channel: str, external_id: str, status: str, error: str | None, at: datetime
    ) -> StatusReport | None:
        def record(conn: sqlite3.Connection) -> StatusReport | None:
            row = conn.execute(STATUS_ROW_SQL, (channel, external_id)).fetchone()
            if row is None:
                return None
            conn.execute(RECORD_STATUS_SQL, (status, error, dump_time(at), row[0]))
            claimed = outbox_from_row(row)
            return StatusReport(
                claimed.id,
                claimed.channel,
                claimed.address,
                claimed.participant_id,
                claimed.message,
                claimed.priority,
            )

        report: StatusReport | None = await self._w.job(record)
        return report

    @override
    async def claim_due(self, now: datetime, limit: int, lease_seconds: float) -> list[DueStart]:
        stamp = dump_time(now)
        lease = dump_time(now + timedelta(seconds=lease_seconds))

        def claim(conn: sqlite3.Connection) -> list[DueStart]:
            conn.execute(RELEASE_DUE_SQL, (stamp,))
            rows = conn.execute(claim_due_sql(lock=""), (lease, stamp, limit)).fetchall()
            found = []
            for row in rows:
                where = conn.execute(DUE_PLACE_SQL, (row[1],)).fetchone()
                if where is not None:
                    found.append(
                        DueStart(
                            row[0], row[1], where[0], where[1], row[2], row[3], need_time(row[4])
                        )
                    )
            return sorted(found, key=lambda d: (d.due_at, d.id))

        claimed: list[DueStart] = await self._w.job(claim)
        return claimed

    # -- check-ins ------------------------------------------------------------------------------

    @override
    async def claim_checkins(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[DueCheckin]:
        stamp = dump_time(now)
        lease = dump_time(now + timedelta(seconds=lease_seconds))

        def claim(conn: sqlite3.Connection) -> list[DueCheckin]:
            claim = claim_checkins_sql(lock="")
            ids = [row[0] for row in conn.execute(claim, (lease, stamp, stamp, limit)).fetchall()]
            if not ids:
                return []
            rows = conn.execute(claimed_checkins_sql(len(ids)), ids).fetchall()
            return [due_checkin_from_row(r) for r in rows]

        claimed: list[DueCheckin] = await self._w.job(claim)
        return claimed


async def _connect(path: str, uri: bool) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, uri=uri, isolation_level=None)
    for pragma in (f"busy_timeout={_BUSY_TIMEOUT_MS}", "synchronous=NORMAL", "foreign_keys=ON"):
        await _pragma(conn, pragma)
    return conn


def _connect_sync(
    path: str, uri: bool, busy_timeout_ms: int = _BUSY_TIMEOUT_MS
) -> sqlite3.Connection:
    # The writer's connection is opened on its thread and used only there afterwards, hence
    # check_same_thread=False; the in-place reader is used only on the event loop's thread.
    conn = sqlite3.connect(path, uri=uri, isolation_level=None, check_same_thread=False)
    for pragma in (
        "journal_mode=WAL",
        f"busy_timeout={busy_timeout_ms}",
        "synchronous=NORMAL",
        "foreign_keys=ON",
    ):
        conn.execute(f"PRAGMA {pragma}").fetchall()
    return conn


async def _pragma(conn: aiosqlite.Connection, pragma: str) -> None:
    # A pragma that returns a row keeps its statement (and a lock) open until the row is read.
    async with conn.execute(f"PRAGMA {pragma}") as cursor:
        await cursor.fetchall()


def _split_script(script: str) -> list[str]:
    """Split a migration into statements; migrations keep `;` out of string literals."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
