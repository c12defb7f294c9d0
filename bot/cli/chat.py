"""`minga chat`: talk to the engine in a terminal or through a pipe, on SQLite, no account."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import threading
from contextlib import suppress
from pathlib import Path
from typing import TextIO

from bot.app import App, open_app
from bot.channels.console import CHANNEL, ConsoleSender
from bot.cli.groups import Subparsers
from bot.config import Settings
from bot.conversation.inbound import Inbound
from bot.plumbing.clock import SystemClock
from bot.plumbing.loop import run
from storage import ParticipantKey


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add `minga chat`."""
    chat = sub.add_parser(
        "chat", parents=[common], help="talk to the bot in this terminal (console channel)"
    )
    chat.add_argument("--as", dest="name", default=None, help="which participant you are")
    chat.add_argument("--lang", default=None, help="language offered first: es, pt or en")
    chat.add_argument(
        "--facilitator", action="store_true", help="may use facilitator commands (/broadcast …)"
    )
    chat.set_defaults(run=_chat)


def _chat(args: argparse.Namespace, settings: Settings, url: str) -> int:
    name = args.name or getpass.getuser()
    facilitators = settings.facilitator_keys()
    if args.facilitator:
        facilitators |= {ParticipantKey(CHANNEL, name)}
    return run(
        run_chat(
            url,
            name,
            language=args.lang,
            default_locale=settings.locale,
            flows_dir=settings.flows_dir,
            facilitators=facilitators,
        )
    )


async def _catch_up(app: App, interactive: bool) -> None:
    """Start what came due (piped input has no scheduler running), then print the replies."""
    if not interactive:
        await app.scheduler.run_once()
    await app.sender.drain()


def _read_lines(
    stream: TextIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]
) -> None:
    # A daemon thread, so Ctrl-C never waits for a line that will not come.
    for line in stream:
        loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\r\n"))
    loop.call_soon_threadsafe(queue.put_nowait, None)


async def run_chat(
    database_url: str,
    name: str,
    *,
    language: str | None = None,
    default_locale: str = "es",
    flows_dir: Path | None = None,
    facilitators: frozenset[ParticipantKey] = frozenset(),
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Hold a conversation as participant `name`; return the exit status."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    clock = SystemClock()
    console = ConsoleSender(stdout, folder=Path.cwd())
    async with open_app(
        database_url,
        {CHANNEL: console},
        clock=clock,
        default_locale=default_locale,
        address=name,
        flows_dir=flows_dir,
        facilitators=facilitators,
    ) as app:
        # Replies a previous run committed but never printed go out first, exactly once.
        await app.sender.recover()
        await app.sender.drain()
        # Launches and questions to the room come due through the scheduler: a console
        # workshop needs no server for them (piped, a pass before each line is enough).
        loops = [app.sender.run(), app.scheduler.run()] if interactive else []
        background = [asyncio.create_task(loop) for loop in loops]
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        reader = threading.Thread(
            target=_read_lines, args=(stdin, asyncio.get_running_loop(), queue), daemon=True
        )
        reader.start()
        try:
            await app.dispatcher.handle(
                Inbound(CHANNEL, name, "open", clock.now(), language_hint=language)
            )
            await _catch_up(app, interactive)
            while True:
                if interactive:
                    stdout.write("> ")
                    stdout.flush()
                line = await queue.get()
                if line is None:
                    break
                if not interactive:
                    # Echo piped input so a transcript reads as a dialogue.
                    stdout.write(f"> {line}\n")
                await app.dispatcher.handle(
                    Inbound(CHANNEL, name, "text", clock.now(), text=line, language_hint=language)
                )
                await _catch_up(app, interactive)
        finally:
            for task in background:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
    return 0
