"""`minga migrate`, `minga backup`, `minga retention` and `minga db copy`: the database."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.groups import Subparsers, fail
from bot.config import Settings, database_url
from bot.plumbing.clock import SystemClock
from bot.plumbing.loop import run
from storage import open_store


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the database commands."""
    migrate = sub.add_parser("migrate", parents=[common], help="apply database migrations")
    migrate.set_defaults(run=lambda args, settings, url: run(_migrate(url)))
    backup = sub.add_parser(
        "backup", parents=[common], help="a consistent copy of the SQLite database, while it runs"
    )
    backup.add_argument("path", type=Path, help="the file to write (it must not exist)")
    backup.set_defaults(run=_backup_command)
    retention = sub.add_parser(
        "retention",
        parents=[common],
        help="erase the people of workshops that ended more than N months ago",
    )
    retention.add_argument("--months", type=int, help="default: MINGA_RETENTION_MONTHS")
    retention.set_defaults(run=_retention_command)
    db = sub.add_parser("db", help="move data between databases")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    copy = db_sub.add_parser("copy", help="copy everything into an empty database")
    copy.add_argument("--from", dest="source", required=True, help="e.g. sqlite:///minga.db")
    copy.add_argument("--to", dest="target", required=True, help="e.g. postgresql://…")
    copy.set_defaults(
        run=lambda args, settings, url: run(
            _copy(database_url(args.source), database_url(args.target))
        )
    )


def _backup_command(args: argparse.Namespace, settings: Settings, url: str) -> int:
    if args.path.exists():
        return fail(f"{args.path} exists; back up to a new file")
    return run(_backup(url, args.path))


def _retention_command(args: argparse.Namespace, settings: Settings, url: str) -> int:
    months = args.months if args.months is not None else settings.retention_months
    if months is None or months < 1:
        return fail("give --months N or set MINGA_RETENTION_MONTHS", 2)
    return run(_retention(url, months, settings))


async def _retention(url: str, months: int, settings: Settings) -> int:
    from bot.app import open_app
    from bot.participants.retention import apply_retention

    async with open_app(url, {}, flows_dir=settings.flows_dir) as app:
        erased = await apply_retention(app, months)
    print(f"erased {erased} people of workshops that ended more than {months} months ago")
    return 0


async def _backup(url: str, path: Path) -> int:
    from storage.sqlite import SQLiteStore

    if not url.startswith("sqlite:"):
        return fail("back up PostgreSQL with pg_dump (see deploy/RUNBOOK.md, Backups)", 2)
    store = await open_store(url, SystemClock().now, migrate=False)
    try:
        assert isinstance(store, SQLiteStore)
        await store.backup(str(path))
    finally:
        await store.close()
    print(f"backed up {url} to {path}")
    return 0


async def _copy(source_url: str, target_url: str) -> int:
    from storage.copy import CopyError, copy_store
    from storage.sql_store import SQLStore

    clock = SystemClock()
    source = await open_store(source_url, clock.now)
    try:
        target = await open_store(target_url, clock.now)
        try:
            assert isinstance(source, SQLStore)
            assert isinstance(target, SQLStore)
            copied = await copy_store(source, target)
        except CopyError as exc:
            return fail(str(exc))
        finally:
            await target.close()
    finally:
        await source.close()
    print(", ".join(f"{table} {n}" for table, n in copied.items() if n) or "nothing to copy")
    return 0


async def _migrate(url: str) -> int:
    clock = SystemClock()
    store = await open_store(url, clock.now, migrate=False)
    try:
        applied = await store.migrate()
        version = await store.schema_version()
    finally:
        await store.close()
    shown = ", ".join(map(str, applied)) or "none"
    print(f"migrations applied: {shown}; schema version {version}")
    return 0
