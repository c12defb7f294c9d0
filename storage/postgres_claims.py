"""PostgreSQL's claims and the writes that report what they did.

Claims take rows with `FOR UPDATE SKIP LOCKED`, so workers never claim the same row; an outbox
claim also holds its channel's advisory lock while it runs (see `PostgresStore`'s docstring).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from typing_extensions import override

from storage.base import DuplicateError
from storage.codec import dump_time, need_time
from storage.postgres_sql import Conn, dollar
from storage.records.followup import DueCheckin
from storage.records.outbox import Delivery, OutboxRow, StatusReport
from storage.records.people import ParticipantKey
from storage.records.workshops import Cohort, DueStart
from storage.sql.followup import claim_checkins_sql, claimed_checkins_sql, due_checkin_from_row
from storage.sql.outbox import (
    OUTBOX_LEASE_SECONDS,
    RECORD_STATUS_SQL,
    STATUS_ROW_SQL,
    claim_outbox_sql,
    delivery_statements,
    outbox_from_row,
    release_claims_sql,
)
from storage.sql.people import SET_REACHABLE_SQL
from storage.sql.workshops import (
    DUE_PLACE_SQL,
    INSERT_COHORT_SQL,
    MODERATE_CHALLENGE_SQL,
    RELEASE_DUE_SQL,
    claim_due_sql,
    cohort_params,
)
from storage.sql_store import SQLStore

SKIP_LOCKED = "FOR UPDATE SKIP LOCKED"
# How often an outbox claim also returns lapsed claims (a dead sender's) to the queue.
RELEASE_EVERY_SECONDS = 10.0
NEVER = datetime.min.replace(tzinfo=UTC)


def _affected(status: str) -> int:
    """Read the row count from an asyncpg command status ("UPDATE 3")."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdecimal() else 0


class PostgresClaims(SQLStore):
    """The `Store` methods PostgreSQL runs with row or advisory locks, or reading a row count."""

    # When each set of channels (and address) claimed looks for lapsed claims again.
    _next_release: dict[tuple[tuple[str, ...], str | None], datetime]

    @abstractmethod
    def _connection(self, transaction: bool = False) -> AbstractAsyncContextManager[Conn]:
        """Lend a connection (in a transaction of its own if asked), or the conversation's."""

    @abstractmethod
    def _lock(self, name: str) -> int:
        """Return the advisory-lock key of `name` in this database and schema."""

    async def _execute(self, sql: str, *params: Any) -> int:
        async with self._connection() as conn:
            return _affected(await conn.execute(dollar(sql), *params))

    # -- outbox ----------------------------------------------------------------------------------

    @override
    async def claim_outbox(
        self, channels: Sequence[str], now: datetime, limit: int, address: str | None = None
    ) -> list[OutboxRow]:
        stamp = dump_time(now)
        lease = dump_time(now + timedelta(seconds=OUTBOX_LEASE_SECONDS))
        release, claim = claim_outbox_sql(len(channels), address is not None, SKIP_LOCKED)
        params: list[Any] = [lease, *channels]
        if address is not None:
            params.append(address)
        params += [stamp, stamp, limit]
        # One claimer per channel at a time: "nothing in flight for this address" must hold
        # across workers, which row locks alone cannot promise for rows not yet claimed. BEGIN
        # and the locks go in one round trip (integer keys: nothing is quoted into the SQL).
        locks = "".join(
            f"; SELECT pg_advisory_xact_lock({self._lock(f'outbox:{channel}')})"
            for channel in sorted(channels)
        )
        # Claims last OUTBOX_LEASE_SECONDS: looking for lapsed ones on every claim (a walk of
        # every row in flight, several hundred times a second under load) finds nothing new.
        scope = (tuple(sorted(channels)), address)
        due = now >= self._next_release.get(scope, NEVER)
        async with self._connection() as conn:
            try:
                await conn.execute(f"BEGIN{locks}")
                if due:
                    await conn.execute(dollar(release), *channels, stamp)
                found = await conn.fetch(dollar(claim), *params)
                await conn.execute("COMMIT")
                if due:
                    self._next_release[scope] = now + timedelta(seconds=RELEASE_EVERY_SECONDS)
            finally:
                if conn.is_in_transaction():
                    # Interrupted (a shutdown's cancel, say): nothing was claimed. A connection
                    # still busy with the cancelled query is rolled back by the pool instead.
                    with suppress(asyncpg.InterfaceError):
                        await conn.execute("ROLLBACK")
        rows = [outbox_from_row(tuple(r)) for r in found]
        return sorted(rows, key=lambda r: (r.priority, r.id))

    @override
    async def complete_outbox(self, deliveries: Sequence[Delivery], now: datetime) -> None:
        if deliveries:
            await self._write(delivery_statements(deliveries, now))

    @override
    async def release_claims(self, channels: Sequence[str], address: str | None = None) -> int:
        params = [*channels, *([address] if address is not None else [])]
        return await self._execute(release_claims_sql(len(channels), address is not None), *params)

    @override
    async def record_status(
        self, channel: str, external_id: str, status: str, error: str | None, at: datetime
    ) -> StatusReport | None:
        async with self._connection(transaction=True) as conn:
            row = await conn.fetchrow(dollar(STATUS_ROW_SQL), channel, external_id)
            if row is None:
                return None
            claimed = outbox_from_row(tuple(row))
            await conn.execute(dollar(RECORD_STATUS_SQL), status, error, dump_time(at), claimed.id)
        return StatusReport(
            claimed.id,
            claimed.channel,
            claimed.address,
            claimed.participant_id,
            claimed.message,
            claimed.priority,
        )

    # -- scheduled starts and check-ins ----------------------------------------------------------

    @override
    async def claim_due(self, now: datetime, limit: int, lease_seconds: float) -> list[DueStart]:
        stamp = dump_time(now)
        lease = dump_time(now + timedelta(seconds=lease_seconds))
        found: list[DueStart] = []
        async with self._connection(transaction=True) as conn:
            await conn.execute(dollar(RELEASE_DUE_SQL), stamp)
            for row in await conn.fetch(dollar(claim_due_sql(SKIP_LOCKED)), lease, stamp, limit):
                where = await conn.fetchrow(dollar(DUE_PLACE_SQL), row[1])
                if where is not None:
                    found.append(
                        DueStart(
                            row[0], row[1], where[0], where[1], row[2], row[3], need_time(row[4])
                        )
                    )
        return sorted(found, key=lambda d: (d.due_at, d.id))

    @override
    async def claim_checkins(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[DueCheckin]:
        stamp = dump_time(now)
        lease = dump_time(now + timedelta(seconds=lease_seconds))
        async with self._connection(transaction=True) as conn:
            ids = [
                r[0]
                for r in await conn.fetch(
                    dollar(claim_checkins_sql(SKIP_LOCKED)), lease, stamp, stamp, limit
                )
            ]
            if not ids:
                return []
            rows = await conn.fetch(dollar(claimed_checkins_sql(len(ids))), *ids)
        return [due_checkin_from_row(tuple(r)) for r in rows]

    # -- writes that report what they changed ----------------------------------------------------

    @override
    async def create_cohort(self, cohort: Cohort) -> None:
        try:
            await self._execute(INSERT_COHORT_SQL, *cohort_params(cohort))
        except asyncpg.UniqueViolationError as exc:
            raise DuplicateError(f"a cohort with code {cohort.code!r} exists") from exc

    @override
    async def set_reachable(self, key: ParticipantKey, reachable: bool) -> bool:
        return (
            await self._execute(SET_REACHABLE_SQL, int(not reachable), key.channel, key.address)
            == 1
        )

    @override
    async def moderate_challenge(
        self,
        challenge_id: str,
        *,
        hidden: bool | None = None,
        merged_into: str | None = None,
        wording: str | None = None,
    ) -> bool:
        flag = None if hidden is None else int(hidden)
        changed = await self._execute(
            MODERATE_CHALLENGE_SQL, flag, merged_into, wording, challenge_id
        )
        return changed == 1
