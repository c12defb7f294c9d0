"""What the SQL backends share: every query that is plain SQL, on two primitives.

A backend supplies `_fetchall` (one read, run to its end) and `_write` (independent statements
committed together), plus what differs between engines: connections, the per-participant lock,
migrations and the claims that need engine-specific locking. Statements are written with `?`
placeholders (PostgreSQL rewrites them to `$n`). The queries live in `storage/queries/`, one
mixin per family of records.
"""

from __future__ import annotations

from typing import ClassVar

from typing_extensions import override

from storage.base import migration_scripts
from storage.queries.followup import FollowupQueries
from storage.queries.forms import FormQueries
from storage.queries.live import LiveQueries
from storage.queries.outbox import OutboxQueries
from storage.queries.people import PeopleQueries
from storage.queries.workshops import WorkshopQueries


class SQLStore(
    PeopleQueries, WorkshopQueries, FollowupQueries, OutboxQueries, LiveQueries, FormQueries
):
    """The queries both SQL backends run the same way."""

    dialect: ClassVar[str]  # the folder of its migrations: "sqlite" or "postgres"

    @override
    async def pending_migrations(self) -> int:
        """Count the migrations this code has that the database has not applied."""
        return len(migration_scripts(self.dialect)) - await self.schema_version()
