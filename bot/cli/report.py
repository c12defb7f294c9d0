"""`minga report CODE [--lang es|pt|en] [--out DIR]`: the workshop report, as PDF and HTML."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.groups import Subparsers, fail
from bot.config import Settings
from bot.plumbing.clock import SystemClock
from bot.plumbing.loop import run
from flows.registry import FlowRegistry
from i18n import SHIPPED_LOCALES
from storage import open_store


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add `minga report`."""
    report = sub.add_parser(
        "report", parents=[common], help="the workshop report (PDF and the same page as HTML)"
    )
    report.add_argument("code")
    report.add_argument("--lang", choices=SHIPPED_LOCALES, help="default: the workshop's")
    report.add_argument("--out", type=Path, default=Path("."), help="folder to write to")
    report.set_defaults(run=lambda args, settings, url: run(_report(args, url, settings)))


async def _report(args: argparse.Namespace, url: str, settings: Settings) -> int:
    from bot.reporting.render import build_report

    clock = SystemClock()
    store = await open_store(url, clock.now)
    try:
        cohort = await store.cohort_by_code(args.code)
        if cohort is None:
            return fail(f"no workshop with code {args.code!r}")
        registry = FlowRegistry.load(extra_folder=settings.flows_dir)
        report = await build_report(
            store, registry, cohort, args.lang or cohort.locale, clock.now()
        )
    finally:
        await store.close()
    args.out.mkdir(parents=True, exist_ok=True)
    for suffix, body in (("pdf", report.pdf), ("html", report.html.encode("utf-8"))):
        path = args.out / f"{report.name}.{suffix}"
        path.write_bytes(body)
        print(f"wrote {path}")
    return 0
