"""The outbox through plain statements: queueing, requeueing, counts; and media to send."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from typing_extensions import override

from storage.codec import dump_json, dump_time
from storage.messages import Outbound
from storage.queries.access import SQLAccess
from storage.records.changes import Changes
from storage.records.outbox import NewOutbound
from storage.sql.changes import change_statements

MEDIA_KEPT = timedelta(days=7)


class OutboxQueries(SQLAccess):
    """Queueing and requeueing messages, outbox counts, and the media messages link to."""

    @override
    async def enqueue(self, messages: Sequence[NewOutbound]) -> None:
        await self._write(change_statements(Changes(outbox=list(messages)), self._now()))

    @override
    async def requeue(self, row_id: int, message: Outbound, at: datetime) -> None:
        await self._write(
            [
                (
                    "UPDATE outbox SET status = 'pending', payload = ?, not_before = ?, "
                    "external_id = NULL, lease_until = NULL WHERE id = ?",
                    (dump_json(message.to_json()), dump_time(at), row_id),
                )
            ]
        )

    @override
    async def outbox_counts(self) -> dict[str, int]:
        rows = await self._fetchall("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {str(status): int(n) for status, n in rows}

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
    async def put_media(
        self, token: str, content_type: str, body: bytes, now: datetime, owner: str | None = None
    ) -> None:
        await self._write(
            [
                (
                    "INSERT INTO media (token, content_type, body, created_at, owner) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (token, content_type, body, dump_time(now), owner),
                ),
                ("DELETE FROM media WHERE created_at < ?", (dump_time(now - MEDIA_KEPT),)),
            ]
        )

    @override
    async def media(self, token: str, now: datetime) -> tuple[str, bytes] | None:
        # Expired images are deleted only when a new one is stored: never serve one past its week.
        rows = await self._fetchall(
            "SELECT content_type, body FROM media WHERE token = ? AND created_at >= ?",
            (token, dump_time(now - MEDIA_KEPT)),
        )
        return (str(rows[0][0]), bytes(rows[0][1])) if rows else None
