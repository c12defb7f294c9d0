"""Broadcast load: 10,000 recipients through the fake Telegram Bot API enforcing 30/s.

    python bench/broadcast.py --recipients 10000

A workshop of N Telegram members is written straight into a fresh database; a facilitator
writes and confirms a broadcast through the real dispatcher (one keyed outbox row per member);
then `minga serve` (paced as in production) sends it to the fake, which answers 429 beyond 30
messages a second or 3 a second per chat. Meanwhile a member writes to the bot through the
webhook every few seconds, and we time their reply. Prints the achieved send rate, 429s,
duplicates and the reply latencies.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.serve import start_serve
from bot.app import open_app
from bot.conversation.inbound import Inbound
from storage import ParticipantKey
from tests.fakes.telegram_api import FakeTelegram, serve_asgi
from tests.support import seed_cohort

TEXT = "Mañana empezamos a las 9:00 en el salón principal."
SECRET = "bench-secret"
FACILITATOR = "1"
TALKER = 100_000  # the first member: writes during the broadcast


async def queue_broadcast(db: str) -> None:
    keys = frozenset({ParticipantKey("telegram", FACILITATOR)})
    async with open_app(db, {}, facilitators=keys) as app:
        for text in ("/broadcast BIG", TEXT, "sí"):
            inbound = Inbound("telegram", FACILITATOR, "text", app.clock.now(), text=text)
            await app.dispatcher.handle(inbound)


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = f"sqlite:///{folder}/broadcast.db"
        async with open_app(db, {}):
            pass  # migrate
        seed_cohort(Path(folder, "broadcast.db"), "BIG", args.recipients, first_address=TALKER)
        await queue_broadcast(db)
        fake = FakeTelegram()
        fake.limits = True
        port = 18500 + os.getpid() % 400
        async with serve_asgi(fake.app) as api:
            env = {
                "MINGA_DATABASE_URL": db,
                "MINGA_TELEGRAM_TOKEN": "1:bench",
                "MINGA_TELEGRAM_API_URL": f"{api}/bot",
                "MINGA_TELEGRAM_WEBHOOK_SECRET": SECRET,
            }
            began = time.monotonic()
            proc, url = await start_serve(env, port)
            replies: list[float] = []
            try:
                async with aiohttp.ClientSession() as http:
                    while True:
                        await asyncio.sleep(args.talk_every)
                        seen = len(fake.to(TALKER))
                        fake.says(TALKER, "/help")
                        asked = time.monotonic()
                        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                        async with http.post(
                            f"{url}/telegram/webhook", json=fake.take_update(), headers=headers
                        ):
                            pass
                        while len(fake.to(TALKER)) <= seen or "/menu" not in str(
                            fake.to(TALKER)[-1].get("text", "")
                        ):
                            await fake.message_for(TALKER, len(fake.to(TALKER)))
                        replies.append(time.monotonic() - asked)
                        delivered = sum(1 for m in fake.sent if m.get("text") == TEXT)
                        print(
                            f"  {time.monotonic() - began:6.1f} s: {delivered} delivered, "
                            f"reply in {replies[-1]:.2f} s",
                            flush=True,
                        )
                        if delivered >= args.recipients:
                            break
            finally:
                proc.terminate()
                proc.wait(timeout=10)
        times = [t for m, t in zip(fake.sent, fake.sent_at, strict=True) if m.get("text") == TEXT]
        per_chat = Counter(int(m["chat_id"]) for m in fake.sent if m.get("text") == TEXT)
        rate = (len(times) - 1) / (max(times) - min(times))
        print(f"recipients {args.recipients}: delivered to {len(per_chat)} chats")
        print(f"achieved rate {rate:.2f} messages/s ({rate / 30:.1%} of 30/s)")
        print(f"429 answers {fake.rejected}; duplicates {sum(n - 1 for n in per_chat.values())}")
        print(
            f"replies to a member talking during the broadcast: {len(replies)}, "
            f"max {max(replies):.2f} s, mean {sum(replies) / len(replies):.2f} s"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--talk-every", type=float, default=5.0)
    uvloop.run(main(parser.parse_args()))
