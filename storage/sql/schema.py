"""The bookkeeping of migrations (the migrations themselves are in `storage/migrations/`)."""

from __future__ import annotations

CREATE_MIGRATIONS_SQL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
)

APPLIED_MIGRATIONS_SQL = "SELECT version FROM schema_migrations"

SCHEMA_VERSION_SQL = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"

RECORD_MIGRATION_SQL = "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"
