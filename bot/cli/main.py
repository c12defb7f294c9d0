"""The `minga` command line: the parser built from each command group, and the error policy."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import (
    chat,
    cohort,
    db,
    export,
    flows,
    platforms,
    prioritization,
    prompt,
    report,
    serving,
)
from bot.config import ConfigError, Settings, database_url
from flows.errors import FlowErrors
from i18n import CatalogError

# The order `minga --help` lists them in.
GROUPS = (chat, serving, platforms, db, flows, cohort, export, report, prioritization, prompt)


def build_parser() -> argparse.ArgumentParser:
    """Describe every subcommand and its options."""
    db_help = "database URL or SQLite file (default: MINGA_DATABASE_URL)"
    parser = argparse.ArgumentParser(prog="minga", description="Minga workshop bot")
    parser.add_argument("--db", help=db_help)
    # Accept --db after the subcommand too, without overriding one given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help=db_help)
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValueError as exc:
        print(f"minga: invalid settings: {exc}", file=sys.stderr)
        return 2
    url = database_url(args.db or settings.database_url)
    try:
        status: int = args.run(args, settings, url)
        return status
    except (ConfigError, CatalogError) as exc:
        print(f"minga: {exc}", file=sys.stderr)
        return 2
    except FlowErrors as exc:  # a broken file in MINGA_FLOWS_DIR: say which, not a traceback
        print(f"minga: the flows cannot start:\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
