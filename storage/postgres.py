"""PostgreSQL through asyncpg: the backend for several `minga serve` workers on one database.

The queries are the shared SQL (`storage/sql/`, `storage/sql_store.py`) with `?` rewritten to
`$n`. What differs from SQLite is how work is kept apart across processes:

- a participant's messages are serialized by a transaction-scoped advisory lock taken before
  their state is read, held until the one commit of what the message changed;
- outbox rows, scheduled starts and check-ins are claimed with `FOR UPDATE SKIP LOCKED`; outbox
  claims of a channel also take a short advisory lock, so two workers never both put a message
  in flight for the same address (replies stay in order);
- migrations run under an advisory lock, so workers starting together apply each one once.

Inside a conversation every store call uses the conversation's own connection (a context
variable), so a handler that reads more (a participant's actions, say) sees its own transaction
and never waits for a second connection from the pool. The claims are in
`storage/postgres_claims.py`.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg
from typing_extensions import override

from storage.base import ConversationSession, MigrationError, migration_scripts
from storage.codec import dump_time
from storage.postgres_claims import PostgresClaims
from storage.postgres_merge import joined
from storage.postgres_sql import Conn, dollar
from storage.records.changes import Changes
from storage.records.people import Conversation, ParticipantKey
from storage.sql.changes import change_statements, group_statements
from storage.sql.common import Row, Statement
from storage.sql.outbox import queues_messages
from storage.sql.people import CONVERSATION_SQL, conversation_rows
from storage.sql.schema import (
    APPLIED_MIGRATIONS_SQL,
    CREATE_MIGRATIONS_SQL,
    RECORD_MIGRATION_SQL,
    SCHEMA_VERSION_SQL,
)

_CURRENT: contextvars.ContextVar[Conn | None] = contextvars.ContextVar(
    "minga_pg_connection", default=None
)


def _waker(wake: Callable[[], None]) -> Callable[..., None]:
    def listener(*_: object) -> None:
        wake()

    return listener


def _told(changed: Callable[[str], None]) -> Callable[..., None]:
    def listener(connection: object, pid: int, channel: str, payload: str) -> None:
        changed(payload)

    return listener


class _PostgresSession(ConversationSession):
    def __init__(self, state: Conversation, conn: Conn, store: PostgresStore) -> None:
        self.state = state
        self._conn = conn
        self._store = store
        self.committed = False

    @override
    async def commit(self, changes: Changes) -> None:
        store = self._store
        groups = (
            [] if changes.is_empty() else group_statements(change_statements(changes, store._now()))
        )
        queued = any(queues_messages(sql) for sql, _ in groups)
        told = [(store._channel, "")] if queued else []
        told += [(store._live_channel, cohort_id) for cohort_id in sorted(changes.live)]
        one = joined(groups, told)
        if one is not None:
            # The usual message: every write and its notifications in one statement.
            await self._conn.execute(one[0], *one[1])
            await self._conn.execute("COMMIT")
        else:
            await _run_groups(self._conn, groups)
            # One round trip; COMMIT also lets go of the participant's advisory lock, and a
            # NOTIFY is delivered only when the transaction commits.
            notify = store._notify + "; " if queued else ""
            notify += "".join(f"{store.live_notify(cohort_id)}; " for cohort_id in changes.live)
            await self._conn.execute(f"{notify}COMMIT")
        self.committed = True
        await store._live_committed(changes.live, rung=True)


async def _run_groups(conn: Conn, groups: Sequence[tuple[str, Sequence[Any]]]) -> bool:
    """Run grouped statements; tell whether they queued a message (the sender must wake)."""
    for sql, many in groups:
        await conn.executemany(dollar(sql), many)
    return any(queues_messages(sql) for sql, _ in groups)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Reset nothing more when a connection goes back to the pool.

    asyncpg rolls back an open transaction first in any case; its default reset then sends
    `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` — a round trip on every
    release, for state our pooled connections never have: they take only transaction-scoped
    locks, open no cursors, never LISTEN (the lease connection, outside the pool, does) and
    never SET.
    """


def lock_key(text: str) -> int:
    """Return a participant's advisory-lock key: 64 bits of a hash, as a signed bigint."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresStore(PostgresClaims):
    """PostgreSQL backend: `PostgresStore.from_url("postgresql://…")`, then `await open()`."""

    dialect = "postgres"

    def __init__(self, dsn: str, now: Callable[[], datetime], *, pool_size: int = 20) -> None:
        self.dsn = dsn
        self._now = now
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        # A connection of its own holds the sending leases (session advisory locks, gone the
        # moment this process is) and listens for queued messages.
        self._lease_conn: asyncpg.Connection | None = None
        self._held: set[str] = set()
        self._watchers: list[Callable[[], None]] = []
        self._lease_lock = asyncio.Lock()
        self._scope = ""
        self._channel = "minga_outbox"
        self._notify = f"NOTIFY {self._channel}"
        self._live_channel = "minga_live"
        self._live_watchers = []
        self._next_release = {}

    @classmethod
    def from_url(cls, url: str, now: Callable[[], datetime]) -> PostgresStore:
        """Build a store for a `postgresql://…` URL; nothing is opened yet."""
        if not url.startswith(("postgresql://", "postgres://")):
            raise ValueError(f"not a PostgreSQL URL: {url!r}")
        return cls(url, now)

    async def open(self, **connect: Any) -> None:
        """Open the connection pool (extra arguments go to asyncpg, e.g. `server_settings`)."""
        self._pool = await asyncpg.create_pool(
            self.dsn, min_size=1, max_size=self.pool_size, reset=_keep_session, **connect
        )
        # Advisory locks are shared by a whole database; scoping their keys to the schema too
        # keeps two installs (or two test schemas) in one database from waiting on each other.
        self._scope = str(
            await self._pool.fetchval("SELECT current_database() || '.' || current_schema()")
        )
        # NOTIFY channels are shared by the whole database too: scoped the same way.
        self._channel = f"minga_outbox_{self._lock('outbox') & 0xFFFF_FFFF_FFFF_FFFF:x}"
        self._notify = f"NOTIFY {self._channel}"
        self._live_channel = f"minga_live_{self._lock('live') & 0xFFFF_FFFF_FFFF_FFFF:x}"

    @override
    async def close(self) -> None:
        if self._lease_conn is not None:
            lease_conn, self._lease_conn = self._lease_conn, None
            await lease_conn.close()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    @property
    def pool(self) -> asyncpg.Pool:
        """The connection pool; raises when the store is not open."""
        if self._pool is None:
            raise RuntimeError("store is not open")
        return self._pool

    @override
    @asynccontextmanager
    async def _connection(self, transaction: bool = False) -> AsyncIterator[Conn]:
        """Lend a pooled connection, in a transaction of its own if asked; or the conversation's.

        Inside a conversation its connection and transaction serve every call: it opened the
        transaction with a plain BEGIN (one round trip with its lock), and asyncpg refuses to
        start one of its own inside that; a write made while handling a message belongs to the
        message's transaction anyway.
        """
        current = _CURRENT.get()
        if current is not None:
            yield current
            return
        async with self.pool.acquire() as conn:
            if transaction:
                async with conn.transaction():
                    yield conn
            else:
                yield conn

    @override
    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Row]:
        async with self._connection() as conn:
            return [tuple(record) for record in await conn.fetch(dollar(sql), *params)]

    @override
    async def _write(self, statements: list[Statement]) -> None:
        groups = group_statements(statements)
        if len(groups) == 1 and not queues_messages(groups[0][0]) and _CURRENT.get() is None:
            # One `executemany` is atomic on its own (asyncpg): no BEGIN and COMMIT round
            # trips around it. The outbox sender's outcomes are usually just this.
            async with self._connection() as conn:
                await _run_groups(conn, groups)
            return
        async with self._connection(transaction=True) as conn:
            if await _run_groups(conn, groups):
                # Delivered when the transaction commits: the worker that sends wakes at once.
                await conn.execute(self._notify)

    async def _leases(self) -> asyncpg.Connection:
        if self._lease_conn is None or self._lease_conn.is_closed():
            self._held.clear()  # a lost connection took its locks with it
            self._lease_conn = await asyncpg.connect(self.dsn)
            for wake in self._watchers:
                await self._lease_conn.add_listener(self._channel, _waker(wake))
            for changed in self._live_watchers:
                await self._lease_conn.add_listener(self._live_channel, _told(changed))
        return self._lease_conn

    @override
    async def sending_lease(self, channel: str) -> bool:
        async with self._lease_lock:
            conn = await self._leases()
            if channel not in self._held:
                key = self._lock(f"sender:{channel}")
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                    self._held.add(channel)
            return channel in self._held

    @override
    async def watch_outbox(self, wake: Callable[[], None]) -> None:
        async with self._lease_lock:
            self._watchers.append(wake)
            conn = await self._leases()
            await conn.add_listener(self._channel, _waker(wake))

    def live_notify(self, cohort_id: str) -> str:
        """Return the NOTIFY that tells other workers a workshop's room changed."""
        return f"NOTIFY {self._live_channel}, '{cohort_id.replace(chr(39), chr(39) * 2)}'"

    @override
    async def watch_live(self, changed: Callable[[str], None]) -> None:
        """Hear this worker's commits at once, and the other workers' through LISTEN."""
        async with self._lease_lock:
            await super().watch_live(changed)
            conn = await self._leases()
            if changed not in self._live_watchers[:-1]:
                await conn.add_listener(self._live_channel, _told(changed))

    @override
    async def _ring_live(self, cohort_ids: set[str]) -> None:
        async with self._connection() as conn:
            await conn.execute("; ".join(self.live_notify(c) for c in sorted(cohort_ids)))

    @override
    def _lock(self, name: str) -> int:
        """Return the advisory-lock key of `name` in this database and schema."""
        return lock_key(f"{self._scope}:{name}")

    # -- schema ---------------------------------------------------------------------------------

    @override
    async def schema_version(self) -> int:
        async with self._connection() as conn:
            if await conn.fetchval("SELECT to_regclass('schema_migrations')") is None:
                return 0
            return int(await conn.fetchval(SCHEMA_VERSION_SQL))

    @override
    async def migrate(self) -> list[int]:
        applied: list[int] = []
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", self._lock("migrations"))
            await conn.execute(CREATE_MIGRATIONS_SQL)
            done = {r[0] for r in await conn.fetch(APPLIED_MIGRATIONS_SQL)}
            for number, script in migration_scripts("postgres"):
                if number in done:
                    continue
                try:
                    await conn.execute(script)
                except asyncpg.PostgresError as exc:
                    raise MigrationError(f"postgres migration {number} failed: {exc}") from exc
                await conn.execute(dollar(RECORD_MIGRATION_SQL), number, dump_time(self._now()))
                applied.append(number)
        return applied

    # -- the path of one message ----------------------------------------------------------------

    @override
    @asynccontextmanager
    async def conversation(
        self, key: ParticipantKey, external_id: str | None
    ) -> AsyncIterator[ConversationSession]:
        async with self.pool.acquire() as conn:
            token = _CURRENT.set(conn)
            session: _PostgresSession | None = None
            try:
                # The lock first, then the state: a second message of the same person waits
                # here and then reads what the first one committed. BEGIN and the lock go in
                # one round trip (an integer key, so nothing is quoted into the SQL).
                lock = self._lock(f"participant:{key}")
                await conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock({lock})")
                rows = await conn.fetch(
                    dollar(CONVERSATION_SQL), key.channel, external_id, key.channel, key.address
                )
                participant, runs, seen = conversation_rows([tuple(r) for r in rows])
                active = next((r for r in runs if r.status == "active"), None)
                paused = tuple(r for r in runs if r.status == "paused")
                state = Conversation(key, participant, active, paused, seen)
                session = _PostgresSession(state, conn, self)
                yield session
            finally:
                _CURRENT.reset(token)
                if (session is None or not session.committed) and conn.is_in_transaction():
                    await conn.execute("ROLLBACK")
