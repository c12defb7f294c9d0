"""`minga export CODE --out DIR`: a workshop's data as an XLSX workbook and a zip of CSV files."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.groups import Subparsers, fail
from bot.config import Settings
from bot.plumbing.clock import SystemClock
from bot.plumbing.loop import run
from flows.registry import FlowRegistry
from storage import open_store


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add `minga export`."""
    export = sub.add_parser(
        "export", parents=[common], help="a workshop's data as CSV (zip) and XLSX"
    )
    export.add_argument("code")
    export.add_argument("--out", type=Path, default=Path("."), help="folder to write to")
    export.set_defaults(run=lambda args, settings, url: run(_export(args, url, settings)))


async def _export(args: argparse.Namespace, url: str, settings: Settings) -> int:
    from bot.facilitation.export import export_cohort

    store = await open_store(url, SystemClock().now)
    try:
        cohort = await store.cohort_by_code(args.code)
        if cohort is None:
            return fail(f"no workshop with code {args.code!r}")
        data = await export_cohort(
            store, FlowRegistry.load(extra_folder=settings.flows_dir), cohort
        )
    finally:
        await store.close()
    args.out.mkdir(parents=True, exist_ok=True)
    for suffix, blob in (("xlsx", data.xlsx), ("zip", data.csv_zip)):
        path = args.out / f"minga-{cohort.code}.{suffix}"
        path.write_bytes(blob)
        print(f"wrote {path}")
    print(", ".join(f"{name} {count}" for name, count in data.rows.items()))
    return 0
