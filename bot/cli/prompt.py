"""`minga prompt create|open|close|reveal|show`: questions to the room from the command line."""

from __future__ import annotations

import argparse
import json

from bot.cli.groups import Subparsers, fail
from bot.config import Settings
from bot.live.operations import (
    PromptError,
    close_prompt,
    new_prompt,
    open_prompt,
    project,
    reveal_prompt,
)
from bot.live.screens import prompt_summary
from bot.plumbing.clock import SystemClock
from bot.plumbing.loop import run
from storage import Changes, Store, open_store
from storage.records.live import PROMPT_KINDS


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add `minga prompt …`."""
    prompt = sub.add_parser("prompt", help="questions to the room (word cloud, poll, Q&A)")
    prompt.set_defaults(run=lambda args, settings, url: run(_prompt(args, url, settings)))
    prompt_sub = prompt.add_subparsers(dest="prompt_command", required=True)
    create = prompt_sub.add_parser(
        "create", parents=[common], help="write a question; prints its id"
    )
    create.add_argument("code", help="the workshop's code")
    create.add_argument("--kind", choices=PROMPT_KINDS, required=True)
    create.add_argument(
        "--text",
        action="append",
        required=True,
        help="the question; LANG:TEXT for a language (repeat)",
    )
    create.add_argument(
        "--option", action="append", default=[], help="an option (repeat, in order)"
    )
    create.add_argument(
        "--multi", action="store_true", help="choice: several options may be chosen"
    )
    create.add_argument(
        "--scale", type=int, choices=(5, 10), default=5, help="scale: 1 to 5 or 1 to 10"
    )
    shown = create.add_mutually_exclusive_group()
    shown.add_argument("--hidden", action="store_true", help="results hidden until revealed")
    shown.add_argument("--shown", action="store_true", help="results shown from the start")
    create.add_argument("--open", action="store_true", help="open it now: send it to every member")
    for name, what in (
        ("open", "send it to every member"),
        ("close", "stop taking answers"),
        ("reveal", "show its results on the projector"),
    ):
        sub_command = prompt_sub.add_parser(name, parents=[common], help=what)
        sub_command.add_argument("id")
    show = prompt_sub.add_parser("show", parents=[common], help="its results")
    show.add_argument("id")
    show.add_argument("--json", action="store_true", help="as JSON, like GET /api/prompts/ID")


async def _prompt(args: argparse.Namespace, url: str, settings: Settings) -> int:
    store = await open_store(url, SystemClock().now)
    try:
        if args.prompt_command == "create":
            return await _create(store, args, settings)
        prompt = await store.prompt(args.id)
        if prompt is None:
            return fail(f"no prompt with id {args.id!r}")
        cohort = await store.cohort_by_id(prompt.cohort_id)
        locale = cohort.locale if cohort else settings.locale
        if args.prompt_command == "show":
            summary = await prompt_summary(store, prompt, locale)
            print(
                json.dumps(summary, ensure_ascii=False, indent=2) if args.json else _text(summary)
            )
            return 0
        changes = Changes()
        now = SystemClock().now()
        if args.prompt_command == "open":
            members = [p for p, _ in await store.audience(prompt.cohort_id)]
            sent = open_prompt(prompt, members, now, changes)
            print(f"{prompt.id}: open, sent to {sent} members")
        elif args.prompt_command == "close":
            close_prompt(prompt, now, changes)
            print(f"{prompt.id}: closed")
        else:
            reveal_prompt(prompt, changes)
            project(prompt.cohort_id, {"kind": "prompt", "id": prompt.id}, changes)
            print(f"{prompt.id}: results shown on the projector")
        await store.commit(changes)
        return 0
    finally:
        await store.close()


async def _create(store: Store, args: argparse.Namespace, settings: Settings) -> int:
    cohort = await store.cohort_by_code(args.code)
    if cohort is None:
        return fail(f"no workshop with code {args.code!r}")
    texts = _texts(args.text, cohort.locale)
    options = [{cohort.locale: option} for option in args.option]
    revealed = False if args.hidden else True if args.shown else None
    now = SystemClock().now()
    try:
        prompt = new_prompt(
            cohort.id,
            args.kind,
            texts,
            options,
            now,
            multi=args.multi,
            scale_max=args.scale,
            revealed=revealed,
        )
    except PromptError as exc:
        return fail(str(exc), 2)
    changes = Changes()
    if args.open:
        open_prompt(prompt, [p for p, _ in await store.audience(cohort.id)], now, changes)
    else:
        changes.prompts.append(prompt)
    await store.commit(changes)
    print(prompt.id)
    return 0


def _texts(given: list[str], default: str) -> dict[str, str]:
    """Read `--text "es:¿…?"` per language; a text without a known prefix is the workshop's."""
    texts: dict[str, str] = {}
    for item in given:
        head, sep, rest = item.partition(":")
        if sep and head in ("es", "pt", "en"):
            texts[head] = rest.strip()
        else:
            texts[default] = item.strip()
    return texts


def _text(summary: dict[str, object]) -> str:
    head = f"{summary['id']} ({summary['kind']}, {summary['state']})"
    lines = [f"{head}: {summary['respondents']} answered"]
    tallies = summary.get("tallies")
    assert isinstance(tallies, list)
    lines += [f"  {row['count']:>4}  {row['label']}" for row in tallies]
    return "\n".join(lines)
