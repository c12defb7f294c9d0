"""`minga prioritization phase|show|hide|merge CODE`: a workshop's challenge round."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.groups import Subparsers, fail
from bot.plumbing.clock import SystemClock
from bot.plumbing.loop import run
from i18n import translator
from storage import Cohort, Store, open_store


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add `minga prioritization …`."""
    rounds = sub.add_parser("prioritization", help="a workshop's challenge prioritization round")
    rounds.set_defaults(run=lambda args, settings, url: run(_prioritization(args, url)))
    round_sub = rounds.add_subparsers(dest="round_command", required=True)
    phase = round_sub.add_parser(
        "phase", parents=[common], help="move the round to its next phase and tell every member"
    )
    phase.add_argument("code")
    phase.add_argument("phase", choices=("voting", "discussing", "closed"))
    show = round_sub.add_parser("show", parents=[common], help="challenges, ranking, proposals")
    show.add_argument("code")
    show.add_argument("--chart", type=Path, help="write the impact/effort chart (PNG) here")
    show.add_argument(
        "--size",
        choices=("large", "phone"),
        default="large",
        help="the chart's size: large 1600x900 (report, projector) or phone 720x1280",
    )
    hide = round_sub.add_parser("hide", parents=[common], help="hide an off-topic challenge")
    hide.add_argument("code")
    hide.add_argument("challenge")
    merge = round_sub.add_parser("merge", parents=[common], help="merge a duplicate challenge")
    merge.add_argument("code")
    merge.add_argument("challenge")
    merge.add_argument("--into", required=True)


async def _prioritization(args: argparse.Namespace, url: str) -> int:
    store = await open_store(url, SystemClock().now)
    try:
        cohort = await store.cohort_by_code(args.code)
        if cohort is None:
            return fail(f"no workshop with code {args.code!r}")
        match args.round_command:
            case "phase":
                return await _phase(store, cohort, args.phase)
            case "show":
                return await _show(store, cohort, args.chart, args.size)
            case _:
                return await _moderate(store, cohort, args)
    finally:
        await store.close()


async def _phase(store: Store, cohort: Cohort, target: str) -> int:
    from bot.rounds.round import RoundError, move_phase

    try:
        change = await move_phase(store, cohort, target, SystemClock())
    except RoundError as exc:
        return fail(str(exc))
    print(f"{cohort.code}: {change.before} → {change.after}; {change.announced} members told")
    return 0


async def _show(store: Store, cohort: Cohort, chart: Path | None, size: str) -> int:
    from bot.drawing.charts import draw
    from bot.rounds.results import matrix_recipe
    from bot.rounds.round import summary

    tr = translator(cohort.locale)
    print(await summary(store, cohort, tr))
    if chart:
        drawing = matrix_recipe(await store.solutions(cohort.id), tr, size)
        png = await asyncio.to_thread(draw, drawing)
        await asyncio.to_thread(chart.write_bytes, png)
    return 0


async def _moderate(store: Store, cohort: Cohort, args: argparse.Namespace) -> int:
    ids = {c.id for c in await store.challenges(cohort.id)}
    target = getattr(args, "into", None)
    if args.challenge not in ids or (target is not None and target not in ids):
        return fail("no such challenge in this workshop")
    await store.moderate_challenge(
        args.challenge,
        hidden=True if args.round_command == "hide" else None,
        merged_into=target,
    )
    print(f"{args.challenge}: {args.round_command} done")
    return 0
