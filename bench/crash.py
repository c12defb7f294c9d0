"""Kill `minga poll` with SIGKILL under load and count what the crashes cost.

    python bench/crash.py --participants 500 --kills 6 --every 2

The fake Bot API runs in this process, `minga poll` in another (limits lifted, SQLite). Each
participant goes through onboarding and a 20-statement assessment, answering the newest
question; meanwhile the poller is killed `--kills` times, `--every` seconds apart, and started
again at once (its sender child stops in order when it sees its parent gone; `--with-sender`
kills it at the same instant too). At the end it prints the answers lost and duplicated (from
the database: every participant must have each question answered exactly once) and the replies
sent twice (a message identical to the one just before it in the same chat), in all and per
kill.
Run it with `--kills 0` first: the same load without crashes must show zero of each.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.serve import children
from bench.telegram_load import ITEMS, ONBOARDING, write_flows
from tests.fakes.telegram_api import FakeTelegram, buttons, serve_asgi

KILLS: list[float] = []  # time.monotonic() of each SIGKILL
PLAN = [*ONBOARDING, "Benchmark", *["De acuerdo"] * ITEMS]


def start_poll(api: str, folder: str, flows: Path) -> subprocess.Popen[bytes]:
    """Start `minga poll` against the fake, limits lifted."""
    env = {
        **os.environ,
        "MINGA_TELEGRAM_TOKEN": "1:bench",
        "MINGA_TELEGRAM_API_URL": api,
        "MINGA_DATABASE_URL": f"sqlite:///{folder}/crash.db",
        "MINGA_FLOWS_DIR": str(flows),
        "MINGA_TELEGRAM_RATE": "1000000",
        "MINGA_TELEGRAM_CHAT_RATE": "1000000",
        "MINGA_BURST_MESSAGES": "0",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "poll"], env=env, stdout=subprocess.DEVNULL
    )


async def participant(fake: FakeTelegram, chat: int) -> None:
    """Answer each newest question in turn, waiting for the reply like a person would."""
    message: dict[str, Any] | None = None
    for step in PLAN:
        seen = len(fake.to(chat))
        if message is not None and step in buttons(message):
            fake.taps(chat, buttons(message)[step])
        else:
            fake.says(chat, step)
        reply = await fake.message_for(chat, seen)
        while message is not None and _shown(reply) == _shown(message):
            # A reply resent after a crash: the question after it is still to come.
            seen += 1
            reply = await fake.message_for(chat, seen)
        message = reply
    while not any("Benchmark" in m.get("text", "") for m in fake.to(chat)[-3:]):
        await fake.message_for(chat, len(fake.to(chat)))


def _shown(message: dict[str, Any]) -> tuple[object, str]:
    return message.get("text"), str(message.get("reply_markup"))


def resent(fake: FakeTelegram, chats: list[int]) -> list[float]:
    """Find messages identical to the one just before them in their chat.

    Returns, for each, how long before the kill that preceded the copy the first one was
    accepted: the window in which a send is done but not yet recorded.
    """
    at = {id(message): when for message, when in zip(fake.sent, fake.sent_at, strict=True)}
    windows = []
    for chat in chats:
        previous: dict[str, Any] | None = None
        for message in fake.to(chat):
            if previous is not None and _shown(message) == _shown(previous):
                first, copy = at[id(previous)], at[id(message)]
                kill = max((k for k in KILLS if k <= copy), default=copy)
                windows.append(kill - first)
            previous = message
    return windows


def answers(db: Path) -> tuple[int, int, int]:
    """Return (answers stored, answers lost, answers stored more than once)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT participant_id, flow_id, step_id FROM answers "
            "WHERE flow_id = 'bench_assessment'"
        ).fetchall()
        people = conn.execute("SELECT count(*) FROM participants").fetchone()[0]
    per_step = Counter(rows)
    expected = people * ITEMS
    duplicated = sum(n - 1 for n in per_step.values())
    return len(rows), expected - len(per_step), duplicated


async def main(args: argparse.Namespace) -> None:
    fake = FakeTelegram()
    chats = [30_000 + n for n in range(args.participants)]
    with tempfile.TemporaryDirectory() as folder:
        flows = write_flows(folder)
        async with serve_asgi(fake.app) as api:
            proc = start_poll(f"{api}/bot", folder, flows)
            work = asyncio.gather(*(participant(fake, chat) for chat in chats))
            began = time.perf_counter()
            try:
                await asyncio.sleep(args.warmup)
                for _ in range(args.kills):
                    # `--with-sender`: the sender child dies at the same instant (a power cut,
                    # the OOM killer taking both); otherwise it finishes and records its sends.
                    doomed = children(proc.pid) if args.with_sender else []
                    proc.send_signal(signal.SIGKILL)
                    for child in doomed:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(child, signal.SIGKILL)
                    KILLS.append(time.monotonic())
                    proc.wait()
                    proc = start_poll(f"{api}/bot", folder, flows)
                    await asyncio.sleep(args.every)
                try:
                    await asyncio.wait_for(work, args.timeout)
                except TimeoutError:
                    stuck = [c for c in chats if "Benchmark" not in str(fake.to(c)[-3:])]
                    print(
                        f"{len(stuck)} participants never finished, e.g. {fake.to(stuck[0])[-2:]}"
                    )
            finally:
                elapsed = time.perf_counter() - began
                proc.terminate()
                proc.wait(timeout=20)
        stored, lost, duplicated = answers(Path(folder, "crash.db"))
    windows = sorted(resent(fake, chats))
    twice = len(windows)
    kills = max(args.kills, 1)
    print(f"participants {args.participants}, SIGKILLs {args.kills}, run {elapsed:.1f} s")
    print(f"assessment answers stored {stored}: lost {lost}, duplicated {duplicated}")
    print(
        f"messages sent {len(fake.sent)}; replies sent twice {twice} ({twice / kills:.1f} per kill)"
    )
    if windows:
        median, longest = windows[len(windows) // 2], windows[-1]
        print(
            f"the first copy had been accepted {median * 1000:.0f} ms (median), "
            f"{longest * 1000:.0f} ms (longest) before its kill"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between kills")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before the first")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument(
        "--with-sender", action="store_true", help="SIGKILL the sender child at the same time"
    )
    asyncio.run(main(parser.parse_args()))
