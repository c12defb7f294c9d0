"""SQLite's claims and the writes that report what they did, each a job of the group writer.

Each runs on the writer's thread inside the next group transaction (`GroupWriter.job`), so it
reads and changes its rows in one `BEGIN IMMEDIATE` transaction, no other writer in between.
"""

from __future__ import annotations

import sqlite3
from abc import abstractmethod
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from typing_extensions import override

from storage.base import DuplicateError
from storage.codec import dump_time, need_time
from storage.records.followup import DueCheckin
from storage.records.outbox import Delivery, OutboxRow, StatusReport
from storage.records.people import ParticipantKey
from storage.records.workshops import Cohort, DueStart
from storage.sql.changes import group_statements
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
from storage.sqlite_writer import GroupWriter

# Expired outbox claims (a sender that died) are released at most this often.
RELEASE_EVERY_SECONDS = 5.0


class SQLiteJobs(SQLStore):
    """The `Store` methods SQLite runs as jobs of its group writer."""

    _next_release: float  # when claim_outbox next releases expired claims (a timestamp)

    @property
    @abstractmethod
    def _w(self) -> GroupWriter:
        """The open store's group writer."""

    # -- outbox ----------------------------------------------------------------------------------

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
            self._next_release = now.timestamp() + RELEASE_EVERY_SECONDS

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

    # -- scheduled starts and check-ins ----------------------------------------------------------

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

    # -- writes that report what they changed ----------------------------------------------------

    @override
    async def create_cohort(self, cohort: Cohort) -> None:
        def insert(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(INSERT_COHORT_SQL, cohort_params(cohort))
            except sqlite3.IntegrityError as exc:
                raise DuplicateError(f"a cohort with code {cohort.code!r} exists") from exc

        await self._w.job(insert)

    @override
    async def set_reachable(self, key: ParticipantKey, reachable: bool) -> bool:
        def update(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(SET_REACHABLE_SQL, (int(not reachable), key.channel, key.address))
            return cursor.rowcount == 1

        known: bool = await self._w.job(update)
        return known

    @override
    async def moderate_challenge(
        self,
        challenge_id: str,
        *,
        hidden: bool | None = None,
        merged_into: str | None = None,
        wording: str | None = None,
    ) -> bool:
        def update(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                MODERATE_CHALLENGE_SQL,
                (None if hidden is None else int(hidden), merged_into, wording, challenge_id),
            )
            return cursor.rowcount == 1

        found: bool = await self._w.job(update)
        return found
