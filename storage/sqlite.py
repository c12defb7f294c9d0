"""The embedded backend: SQLite through aiosqlite, in WAL mode, with group commit.

Reads go through aiosqlite; writes go through a group writer with its own thread (see
`_GroupWriter`). Writes from many participants that arrive while a transaction runs are committed
together in the next one, so a message costs one read hop and a share of one write hop.
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
    Store,
    migration_scripts,
)
from storage.codec import dump_json, dump_time, load_json, load_time, need_time
from storage.locks import KeyedLock
from storage.messages import Outbound
from storage.records import (
    ActionProgress,
    Answer,
    AssessmentResult,
    AuditEntry,
    Broadcast,
    Challenge,
    Changes,
    Checkin,
    Cohort,
    Conversation,
    Delivery,
    DueCheckin,
    DueStart,
    Invite,
    Membership,
    NewOutbound,
    OutboxRow,
    Participant,
    ParticipantKey,
    PlanAction,
    Run,
    Solution,
    StatusReport,
    Vote,
)
from storage.sql import (
    ACTION_COLUMNS,
    ACTION_UPDATE_COLUMNS,
    ANSWER_COLUMNS,
    BROADCAST_COLUMNS,
    CHALLENGE_COLUMNS,
    CHECKIN_COLUMNS,
    COHORT_COLUMNS,
    CONVERSATION_SQL,
    OUTBOX_CLAIM_COLUMNS,
    PARTICIPANT_COLUMNS,
    PLAN_CHECKIN_SQL,
    RESULT_COLUMNS,
    RUN_COLUMNS,
    SOLUTION_COLUMNS,
    VOTE_COLUMNS,
    Statement,
    action_from_row,
    action_update_from_row,
    answer_from_row,
    batch_statements,
    broadcast_from_row,
    challenge_from_row,
    change_statements,
    checkin_from_row,
    checkin_params,
    checkin_statements,
    cohort_from_row,
    cohort_params,
    conversation_rows,
    group_statements,
    membership_from_row,
    outbox_from_row,
    participant_from_row,
    prefixed,
    result_from_row,
    run_from_row,
    solution_from_row,
    vote_from_row,
)

Job = Callable[[sqlite3.Connection], Any]
T = TypeVar("T")
_Queued = tuple[Job | None, list[Statement] | None, "asyncio.Future[Any]"]
_BUSY_TIMEOUT_MS = 10_000
_LEASE_SECONDS = 120
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

    def __init__(self, path: str, uri: bool) -> None:
        self._path = path
        self._uri = uri
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
            for sql, params in batch_statements(units):
                conn.executemany(sql, params)
            results = [None if job is None else job(conn) for job, _, _ in batch]
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
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


class SQLiteStore(Store):
    """SQLite backend: `SQLiteStore.from_url("sqlite:///minga.db")`, then `await open()`."""

    def __init__(self, path: str, now: Callable[[], datetime]) -> None:
        self.path = path
        self._now = now
        self._readers: list[aiosqlite.Connection] = []
        self._next_reader = 0
        self._writer: _GroupWriter | None = None
        self._locks = KeyedLock()
        self._next_release = 0.0

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
        self._writer = _GroupWriter(path, uri)
        await self._writer.start()
        self._readers = [await _connect(path, uri) for _ in range(_READERS)]

    @override
    async def close(self) -> None:
        if self._writer is not None:
            await self._writer.stop()
            self._writer = None
        readers, self._readers = self._readers, []
        for reader in readers:
            await reader.close()

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

    async def _decoded(
        self, decode: Callable[[sqlite3.Row], T], sql: str, params: Sequence[Any] = ()
    ) -> list[T]:
        return [decode(row) for row in await self._fetchall(sql, params)]

    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        # One hop that runs the statement to its end. With execute() then fetchall() a cursor
        # stays open between hops, and every coroutine sharing this connection reads inside that
        # cursor's old snapshot, missing commits that have already returned.
        return list(await self._r.execute_fetchall(sql, params))

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
        def apply(conn: sqlite3.Connection) -> list[int]:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {int(row[0]) for row in conn.execute("SELECT version FROM schema_migrations")}
            applied: list[int] = []
            for number, script in migration_scripts("sqlite"):
                if number in done:
                    continue
                try:
                    for statement in _split_script(script):
                        conn.execute(statement)
                except sqlite3.Error as exc:
                    raise MigrationError(f"sqlite migration {number} failed: {exc}") from exc
                conn.execute(
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
        # Expired claims (a sender that died) go back to pending first, so that the claim itself
        # is an index range scan on status = 'pending' rather than a scan of the whole outbox.
        release = (
            f"UPDATE outbox SET status = 'pending', lease_until = NULL "
            f"WHERE status = 'sending' AND channel IN ({marks}) AND lease_until < ?"
        )
        sql = f"""
            UPDATE outbox SET status = 'sending', lease_until = ?, attempts = attempts + 1
            WHERE id IN (
                SELECT o.id FROM outbox o
                WHERE o.status = 'pending' AND o.channel IN ({marks}) {address_clause}
                  AND o.not_before <= ?
                  AND NOT EXISTS (
                      SELECT 1 FROM outbox f
                      WHERE f.channel = o.channel AND f.address = o.address
                        AND f.status = 'sending')
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
        marks = ", ".join("?" * len(channels))
        sql = (
            f"UPDATE outbox SET status = 'pending', lease_until = NULL "
            f"WHERE status = 'sending' AND channel IN ({marks})"
        )
        params: list[Any] = list(channels)
        if address is not None:
            sql += " AND address = ?"
            params.append(address)

        def release(conn: sqlite3.Connection) -> int:
            return conn.execute(sql, params).rowcount

        count: int = await self._w.job(release)
        return count

    @override
    async def outbox_counts(self) -> dict[str, int]:
        rows = await self._fetchall("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {str(status): int(n) for status, n in rows}

    # -- cohorts --------------------------------------------------------------------------------

    @override
    async def create_cohort(self, cohort: Cohort) -> None:
        def insert(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    f"INSERT INTO cohorts ({COHORT_COLUMNS}) VALUES ({', '.join('?' * 9)})",
                    cohort_params(cohort),
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
        width = len(COHORT_COLUMNS.split(","))
        return [(cohort_from_row(row[:width]), int(row[width])) for row in rows]

    @override
    async def memberships(self, participant_id: str) -> list[Membership]:
        return await self._decoded(
            membership_from_row,
            "SELECT participant_id, cohort_id, joined_at, table_no FROM memberships "
            "WHERE participant_id = ? ORDER BY joined_at",
            (participant_id,),
        )

    # -- participants ---------------------------------------------------------------------------

    @override
    async def participant(self, key: ParticipantKey) -> Participant | None:
        rows = await self._fetchall(
            f"SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE channel = ? AND address = ?",
            (key.channel, key.address),
        )
        return participant_from_row(rows[0]) if rows else None

    @override
    async def set_reachable(self, key: ParticipantKey, reachable: bool) -> bool:
        def update(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "UPDATE participants SET unreachable = ? WHERE channel = ? AND address = ?",
                (int(not reachable), key.channel, key.address),
            )
            return cursor.rowcount == 1

        known: bool = await self._w.job(update)
        return known

    @override
    async def answers(self, participant_id: str) -> list[Answer]:
        return await self._decoded(
            answer_from_row,
            f"SELECT {ANSWER_COLUMNS} FROM answers WHERE participant_id = ? ORDER BY id",
            (participant_id,),
        )

    @override
    async def results(self, participant_id: str, flow_id: str) -> list[AssessmentResult]:
        return await self._decoded(
            result_from_row,
            f"SELECT {RESULT_COLUMNS} FROM assessment_results WHERE participant_id = ? "
            "AND flow_id = ? ORDER BY completed_at",
            (participant_id, flow_id),
        )

    @override
    async def cohort_results(self, cohort_id: str, flow_id: str) -> list[AssessmentResult]:
        results = await self._decoded(
            result_from_row,
            f"SELECT {RESULT_COLUMNS} FROM assessment_results WHERE cohort_id = ? "
            "AND flow_id = ? ORDER BY completed_at",
            (cohort_id, flow_id),
        )
        return _latest_per_participant(results)

    @override
    async def actions(self, participant_id: str) -> list[PlanAction]:
        return await self._decoded(
            action_from_row,
            f"SELECT {ACTION_COLUMNS} FROM actions WHERE participant_id = ? "
            "ORDER BY created_at, position",
            (participant_id,),
        )

    # -- prioritization ---------------------------------------------------------------------------

    @override
    async def round_phase(self, cohort_id: str) -> str | None:
        rows = await self._fetchall("SELECT phase FROM rounds WHERE cohort_id = ?", (cohort_id,))
        return str(rows[0][0]) if rows else None

    @override
    async def set_round_phase(self, cohort_id: str, phase: str, now: datetime) -> None:
        await self._w.statements(
            [
                (
                    "INSERT INTO rounds (cohort_id, phase, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (cohort_id) DO UPDATE SET phase = excluded.phase, "
                    "updated_at = excluded.updated_at",
                    (cohort_id, phase, dump_time(now)),
                )
            ]
        )

    @override
    async def challenges(self, cohort_id: str) -> list[Challenge]:
        return await self._decoded(
            challenge_from_row,
            f"SELECT {CHALLENGE_COLUMNS} FROM challenges WHERE cohort_id = ? "
            "ORDER BY created_at, id",
            (cohort_id,),
        )

    @override
    async def moderate_challenge(
        self, challenge_id: str, *, hidden: bool | None = None, merged_into: str | None = None
    ) -> bool:
        def update(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "UPDATE challenges SET hidden = COALESCE(?, hidden), "
                "merged_into = COALESCE(?, merged_into) WHERE id = ?",
                (None if hidden is None else int(hidden), merged_into, challenge_id),
            )
            return cursor.rowcount == 1

        found: bool = await self._w.job(update)
        return found

    @override
    async def votes(self, cohort_id: str) -> list[Vote]:
        return await self._decoded(
            vote_from_row,
            f"SELECT {VOTE_COLUMNS} FROM votes WHERE cohort_id = ? ORDER BY created_at",
            (cohort_id,),
        )

    @override
    async def solutions(self, cohort_id: str) -> list[Solution]:
        return await self._decoded(
            solution_from_row,
            f"SELECT {SOLUTION_COLUMNS} FROM solutions WHERE cohort_id = ? ORDER BY created_at",
            (cohort_id,),
        )

    @override
    async def cohort_members(self, cohort_id: str) -> list[Participant]:
        columns = prefixed(PARTICIPANT_COLUMNS, "p")
        return await self._decoded(
            participant_from_row,
            f"SELECT {columns} FROM participants p JOIN memberships m "
            "ON m.participant_id = p.id WHERE m.cohort_id = ? ORDER BY m.joined_at",
            (cohort_id,),
        )

    @override
    async def enqueue(self, messages: Sequence[NewOutbound]) -> None:
        await self._w.statements(change_statements(Changes(outbox=list(messages)), self._now()))

    @override
    async def record_status(
        self, channel: str, external_id: str, status: str, error: str | None, at: datetime
    ) -> StatusReport | None:
        def record(conn: sqlite3.Connection) -> StatusReport | None:
            row = conn.execute(
                f"SELECT {OUTBOX_CLAIM_COLUMNS} FROM outbox WHERE channel = ? AND external_id = ?",
                (channel, external_id),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE outbox SET delivery_status = ?, delivery_error = ?, delivery_at = ? "
                "WHERE id = ?",
                (status, error, dump_time(at), row[0]),
            )
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
    async def requeue(self, row_id: int, message: Outbound, at: datetime) -> None:
        await self._w.statements(
            [
                (
                    "UPDATE outbox SET status = 'pending', payload = ?, not_before = ?, "
                    "external_id = NULL, lease_until = NULL WHERE id = ?",
                    (dump_json(message.to_json()), dump_time(at), row_id),
                )
            ]
        )

    @override
    async def audience(self, cohort_id: str) -> list[tuple[Participant, Membership]]:
        columns = prefixed(PARTICIPANT_COLUMNS, "p")
        rows = await self._fetchall(
            f"SELECT {columns}, m.participant_id, m.cohort_id, m.joined_at, m.table_no "
            "FROM participants p JOIN memberships m ON m.participant_id = p.id "
            "WHERE m.cohort_id = ? ORDER BY m.joined_at",
            (cohort_id,),
        )
        width = len(PARTICIPANT_COLUMNS.split(","))
        return [(participant_from_row(r), membership_from_row(r[width:])) for r in rows]

    @override
    async def completed(self, cohort_id: str) -> dict[str, set[str]]:
        rows = await self._fetchall(
            "SELECT DISTINCT r.flow_id, r.participant_id FROM runs r JOIN memberships m "
            "ON m.participant_id = r.participant_id WHERE m.cohort_id = ? "
            "AND r.status = 'completed'",
            (cohort_id,),
        )
        done: dict[str, set[str]] = {}
        for flow_id, participant_id in rows:
            done.setdefault(flow_id, set()).add(participant_id)
        return done

    @override
    async def broadcast_draft(self, author_id: str) -> Broadcast | None:
        found = await self._decoded(
            broadcast_from_row,
            f"SELECT {BROADCAST_COLUMNS} FROM broadcasts WHERE author_id = ? "
            "AND status IN ('draft', 'confirm') ORDER BY created_at DESC LIMIT 1",
            (author_id,),
        )
        return found[0] if found else None

    @override
    async def broadcasts(self, cohort_id: str, limit: int = 5) -> list[Broadcast]:
        return await self._decoded(
            broadcast_from_row,
            f"SELECT {BROADCAST_COLUMNS} FROM broadcasts WHERE cohort_id = ? "
            "AND status = 'queued' ORDER BY confirmed_at DESC LIMIT ?",
            (cohort_id, limit),
        )

    @override
    async def broadcast_progress(self, broadcast_id: str) -> dict[str, int]:
        # A range on the unique dedupe_key index ('broadcast:<id>:' up to ':' + 1 = ';').
        rows = await self._fetchall(
            "SELECT status, COUNT(*) FROM outbox WHERE dedupe_key >= ? AND dedupe_key < ? "
            "GROUP BY status",
            (f"broadcast:{broadcast_id}:", f"broadcast:{broadcast_id};"),
        )
        return {status: count for status, count in rows}

    @override
    async def claim_due(self, now: datetime, limit: int, lease_seconds: float) -> list[DueStart]:
        stamp = dump_time(now)
        lease = dump_time(now + timedelta(seconds=lease_seconds))

        def claim(conn: sqlite3.Connection) -> list[DueStart]:
            conn.execute(
                "UPDATE scheduled SET status = 'due', lease_until = NULL "
                "WHERE status = 'running' AND lease_until < ?",
                (stamp,),
            )
            rows = conn.execute(
                "UPDATE scheduled SET status = 'running', lease_until = ? WHERE id IN ("
                "SELECT id FROM scheduled WHERE status = 'due' AND due_at <= ? "
                "ORDER BY due_at, id LIMIT ?) "
                "RETURNING id, participant_id, flow_id, purpose, due_at",
                (lease, stamp, limit),
            ).fetchall()
            found = []
            for row in rows:
                where = conn.execute(
                    "SELECT channel, address FROM participants WHERE id = ?", (row[1],)
                ).fetchone()
                if where is not None:
                    found.append(
                        DueStart(
                            row[0], row[1], where[0], where[1], row[2], row[3], need_time(row[4])
                        )
                    )
            return sorted(found, key=lambda d: (d.due_at, d.id))

        claimed: list[DueStart] = await self._w.job(claim)
        return claimed

    @override
    async def finish_due(self, ids: Sequence[int], status: str, now: datetime) -> None:
        if ids:
            await self._w.statements(
                [
                    (
                        "UPDATE scheduled SET status = ?, done_at = ?, lease_until = NULL "
                        "WHERE id = ?",
                        (status, dump_time(now), row_id),
                    )
                    for row_id in ids
                ]
            )

    # -- check-ins ------------------------------------------------------------------------------

    @override
    async def save_checkin_plan(self, cohort: Cohort, rows: Sequence[Checkin]) -> None:
        planned = sorted({row.offset_days for row in rows})
        marks = ", ".join("?" * len(planned)) or "NULL"
        plan = None if cohort.checkin_days is None else dump_json(list(cohort.checkin_days))
        ends = cohort.ends.isoformat() if cohort.ends else None
        statements: list[Statement] = [
            ("UPDATE cohorts SET ends = ?, checkin_days = ? WHERE id = ?", (ends, plan, cohort.id)),
            # Rounds dropped from the plan are cancelled where they have not started yet.
            (
                "UPDATE checkins SET status = 'cancelled', next_at = NULL "
                "WHERE cohort_id = ? AND status = 'planned' AND lease_until IS NULL "
                f"AND offset_days NOT IN ({marks})",
                (cohort.id, *planned),
            ),
        ]
        statements += [(PLAN_CHECKIN_SQL, checkin_params(row)) for row in rows]
        await self._w.statements(statements)

    @override
    async def cohorts_to_plan(self) -> list[str]:
        rows = await self._fetchall(
            "SELECT DISTINCT m.cohort_id FROM memberships m JOIN cohorts c ON c.id = m.cohort_id "
            "WHERE c.ends IS NOT NULL AND COALESCE(c.checkin_days, '') != '[]' "
            "AND NOT EXISTS (SELECT 1 FROM checkins k WHERE k.participant_id = m.participant_id "
            "AND k.cohort_id = m.cohort_id)"
        )
        return [str(row[0]) for row in rows]

    @override
    async def claim_checkins(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[DueCheckin]:
        stamp = dump_time(now)
        lease = dump_time(now + timedelta(seconds=lease_seconds))
        columns = prefixed(CHECKIN_COLUMNS, "k")

        def claim(conn: sqlite3.Connection) -> list[DueCheckin]:
            ids = [
                row[0]
                for row in conn.execute(
                    "UPDATE checkins SET lease_until = ? WHERE id IN (SELECT id FROM checkins "
                    "WHERE next_at <= ? AND (lease_until IS NULL OR lease_until < ?) "
                    "ORDER BY next_at, id LIMIT ?) RETURNING id",
                    (lease, stamp, stamp, limit),
                ).fetchall()
            ]
            if not ids:
                return []
            rows = conn.execute(
                f"SELECT {columns}, p.channel, p.address, p.country, c.timezone "
                "FROM checkins k JOIN participants p ON p.id = k.participant_id "
                "JOIN cohorts c ON c.id = k.cohort_id "
                f"WHERE k.id IN ({', '.join('?' * len(ids))}) ORDER BY k.next_at, k.id",
                ids,
            ).fetchall()
            width = len(CHECKIN_COLUMNS.split(","))
            return [
                DueCheckin(
                    checkin_from_row(r[:width]), r[width], r[width + 1], r[width + 2], r[width + 3]
                )
                for r in rows
            ]

        claimed: list[DueCheckin] = await self._w.job(claim)
        return claimed

    @override
    async def checkin(self, checkin_id: str) -> Checkin | None:
        found = await self._decoded(
            checkin_from_row,
            f"SELECT {CHECKIN_COLUMNS} FROM checkins WHERE id = ?",
            (checkin_id,),
        )
        return found[0] if found else None

    @override
    async def update_checkins(self, rows: Sequence[Checkin]) -> None:
        if rows:
            await self._w.statements(checkin_statements(rows))

    @override
    async def checkins(
        self, *, cohort_id: str | None = None, participant_id: str | None = None
    ) -> list[Checkin]:
        column, value = (
            ("cohort_id", cohort_id) if cohort_id else ("participant_id", participant_id)
        )
        return await self._decoded(
            checkin_from_row,
            f"SELECT {CHECKIN_COLUMNS} FROM checkins WHERE {column} = ? "
            "ORDER BY offset_days, due_at, id",
            (value,),
        )

    @override
    async def action_updates(
        self, *, cohort_id: str | None = None, participant_id: str | None = None
    ) -> list[ActionProgress]:
        columns = prefixed(ACTION_UPDATE_COLUMNS, "u")
        where = (
            "u.participant_id IN (SELECT participant_id FROM memberships WHERE cohort_id = ?)"
            if cohort_id is not None
            else "u.participant_id = ?"
        )
        value = cohort_id if cohort_id is not None else participant_id
        rows = await self._fetchall(
            f"SELECT {columns} FROM action_updates u WHERE {where} ORDER BY u.created_at, u.id",
            (value,),
        )
        return [action_update_from_row(r) for r in rows]

    @override
    async def cohort_actions(self, cohort_id: str) -> list[PlanAction]:
        columns = prefixed(ACTION_COLUMNS, "a")
        return await self._decoded(
            action_from_row,
            f"SELECT {columns} FROM actions a JOIN memberships m "
            "ON m.participant_id = a.participant_id WHERE m.cohort_id = ? "
            "ORDER BY m.joined_at, a.participant_id, a.position",
            (cohort_id,),
        )

    @override
    async def put_media(self, token: str, content_type: str, body: bytes, now: datetime) -> None:
        await self._w.statements(
            [
                (
                    "INSERT INTO media (token, content_type, body, created_at) VALUES (?, ?, ?, ?)",
                    (token, content_type, body, dump_time(now)),
                ),
                ("DELETE FROM media WHERE created_at < ?", (dump_time(now - MEDIA_KEPT),)),
            ]
        )

    @override
    async def media(self, token: str) -> tuple[str, bytes] | None:
        rows = await self._fetchall(
            "SELECT content_type, body FROM media WHERE token = ?", (token,)
        )
        return (str(rows[0][0]), bytes(rows[0][1])) if rows else None

    @override
    async def invite(self, code: str) -> Invite | None:
        rows = await self._fetchall(
            "SELECT code, cohort_id, created_by, created_at, used_by, used_at "
            "FROM facilitator_invites WHERE code = upper(?)",
            (code,),
        )
        if not rows:
            return None
        r = rows[0]
        return Invite(r[0], r[1], r[2], need_time(r[3]), r[4], load_time(r[5]))

    @override
    async def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        rows = await self._fetchall(
            "SELECT at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [AuditEntry(need_time(r[0]), r[1], r[2], load_json(r[3])) for r in rows]

    @override
    async def window_closing(
        self, channel: str, since: datetime, until: datetime
    ) -> list[ParticipantKey]:
        rows = await self._fetchall(
            "SELECT DISTINCT p.channel, p.address FROM participants p "
            "JOIN runs r ON r.participant_id = p.id AND r.status = 'active' "
            "WHERE p.channel = ? AND p.last_inbound_at >= ? AND p.last_inbound_at < ? "
            "AND p.consent = 1 AND p.opted_out = 0 AND p.unreachable = 0",
            (channel, dump_time(since), dump_time(until)),
        )
        return [ParticipantKey(row[0], row[1]) for row in rows]

    @override
    async def runs(self, participant_id: str) -> list[Run]:
        return await self._decoded(
            run_from_row,
            f"SELECT {RUN_COLUMNS} FROM runs WHERE participant_id = ? ORDER BY started_at",
            (participant_id,),
        )


def _latest_per_participant(results: list[AssessmentResult]) -> list[AssessmentResult]:
    latest: dict[str, AssessmentResult] = {}
    for result in results:  # oldest first, so the last one of each person wins
        latest[result.participant_id] = result
    return list(latest.values())


def delivery_statements(deliveries: Sequence[Delivery], now: datetime) -> list[Statement]:
    """Statements that record delivery outcomes, equal SQL kept together for `executemany`."""
    stamp = dump_time(now)
    out: list[Statement] = []
    ordered = sorted(deliveries, key=lambda d: (_STATE_ORDER[d.state], d.row_id))
    for d in ordered:
        if d.state == "sent":
            out.append(
                (
                    "UPDATE outbox SET status = 'sent', sent_at = ?, external_id = ?, "
                    "lease_until = NULL WHERE id = ?",
                    (stamp, d.external_id, d.row_id),
                )
            )
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
                    "UPDATE participants SET unreachable = 1 WHERE (channel, address) = "
                    "(SELECT channel, address FROM outbox WHERE id = ?)",
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
        elif d.state == "held":
            out.append(
                (
                    "UPDATE outbox SET status = 'held', external_id = ?, error = ?, "
                    "lease_until = NULL WHERE id = ?",
                    (d.external_id, d.error, d.row_id),
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
    # The goodbye after an erase leaves no trace once it is out. By primary key on purpose: a
    # condition on status makes the planner walk every sent row, slower as the outbox grows.
    out.extend((ERASE_SENT_SQL, (d.row_id,)) for d in ordered if d.state == "sent")
    return out


MEDIA_KEPT = timedelta(days=7)
ERASE_SENT_SQL = "DELETE FROM outbox WHERE id = ? AND erase_after_send = 1"
_STATE_ORDER = {"sent": 0, "held": 1, "retry": 2, "unreachable": 3, "failed": 4}


async def _connect(path: str, uri: bool) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, uri=uri, isolation_level=None)
    for pragma in (f"busy_timeout={_BUSY_TIMEOUT_MS}", "synchronous=NORMAL", "foreign_keys=ON"):
        await _pragma(conn, pragma)
    return conn


def _connect_sync(path: str, uri: bool) -> sqlite3.Connection:
    # Used only from the writer's own thread after this call, hence check_same_thread=False.
    conn = sqlite3.connect(path, uri=uri, isolation_level=None, check_same_thread=False)
    for pragma in (
        "journal_mode=WAL",
        f"busy_timeout={_BUSY_TIMEOUT_MS}",
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
