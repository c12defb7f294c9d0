"""WhatsApp load: the fake Twilio REST API in this process, `minga serve` in another, N
simulated participants writing at once through signed webhooks. Each answers the newest
question by its number (a text otherwise).

    python bench/whatsapp_load.py lifted --participants 500
    python bench/whatsapp_load.py limited --participants 400

`lifted`: no limit in the fake and Minga's sender rate raised; onboarding and a 20-statement
assessment (a flow file in MINGA_FLOWS_DIR); prints exchanges/s and reply latency.
`limited`: Minga's sender at its default 80 messages/s and the fake answering 429 (20429)
beyond 80 a second; every participant writes at the same moment; prints the achieved send
rate and the 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path

import aiohttp
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.delivery import FifoDelivery
from bench.serve import cpu_seconds, start_serve
from bench.telegram_load import ITEMS, pct, write_flows
from tests.fakes.telegram_api import serve_asgi
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

PUBLIC = "https://minga.bench.invalid"
# Language, consent, name, municipality, country, role, no code, the assessment (by name).
ONBOARDING = ["Hola", "1", "sí", "Ana", "Rosario", "Argentina", "3", "1", "Benchmark"]


async def start_minga(api: str, folder: str, lifted: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = 19000 + os.getpid() % 1000
    env = {
        "MINGA_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "MINGA_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "MINGA_WHATSAPP_FROM": "whatsapp:+14155238886",
        "MINGA_TWILIO_API_URL": api,
        "MINGA_PUBLIC_URL": PUBLIC,
        "MINGA_DATABASE_URL": f"sqlite:///{folder}/load.db",
        "MINGA_FLOWS_DIR": str(write_flows(folder)),
    }
    if lifted:
        env["MINGA_WHATSAPP_RATE"] = "1000000"
    return await start_serve(env, port)


class Twilio:
    """Deliver inbound messages as Twilio does: a signed form POST to the public URL."""

    def __init__(self, session: aiohttp.ClientSession, url: str, connections: int) -> None:
        self.session = session
        self.url = url
        self.validator = RequestValidator(AUTH_TOKEN)
        self.sids = itertools.count(1)
        self.delivery = FifoDelivery(connections)

    async def says(self, number: str, body: str) -> None:
        await self.delivery.call(lambda: self._post(number, body))

    async def _post(self, number: str, body: str) -> None:
        params = {
            "MessageSid": f"SMin{next(self.sids):030d}",
            "From": f"whatsapp:{number}",
            "To": "whatsapp:+14155238886",
            "Body": body,
            "NumMedia": "0",
            "WaId": number.lstrip("+"),
        }
        signature = self.validator.compute_signature(PUBLIC + "/whatsapp/webhook", params)
        async with self.session.post(
            f"{self.url}/whatsapp/webhook", data=params, headers={"X-Twilio-Signature": signature}
        ) as response:
            response.raise_for_status()
            await response.read()


async def lifted(fake: FakeTwilio, twilio: Twilio, people: int) -> None:
    latencies = array("d")

    async def participant(n: int) -> None:
        number = f"+549115{n:07d}"
        for body in [*ONBOARDING, *["4"] * ITEMS]:
            seen = len(fake.to(number))
            began = time.perf_counter()
            await twilio.says(number, body)
            await fake.message_for(number, seen, within=120)
            latencies.append(time.perf_counter() - began)
        while not any("Benchmark" in m.get("Body", "") for m in fake.to(number)[-3:]):
            await fake.message_for(number, len(fake.to(number)), within=120)

    began = time.perf_counter()
    await asyncio.gather(*(participant(n) for n in range(people)))
    elapsed = time.perf_counter() - began
    print(f"participants {people}, exchanges {len(latencies)} in {elapsed:.1f} s")
    print(f"throughput     {len(latencies) / elapsed:,.0f} exchanges/s")
    print(
        f"reply latency  p50 {pct(latencies, 0.5) * 1000:.0f} ms   "
        f"p99 {pct(latencies, 0.99) * 1000:.0f} ms   max {max(latencies) * 1000:.0f} ms"
    )


async def limited(fake: FakeTwilio, twilio: Twilio, people: int) -> None:
    fake.per_second = 80
    numbers = [f"+549116{n:07d}" for n in range(people)]
    began = time.monotonic()
    await asyncio.gather(*(twilio.says(number, "Hola") for number in numbers))
    for number in numbers:
        await fake.message_for(number, 0, within=120)
    arrivals = sorted(at - began for at in fake.sent_at)
    first, last = arrivals[0], arrivals[-1]
    rate = (len(arrivals) - 1) / (last - first)
    print(f"participants {people} writing at the same moment; {len(arrivals)} replies")
    per_second = [sum(1 for a in arrivals if s <= a < s + 1) for s in range(int(last) + 1)]
    print(f"replies per second: {per_second}")
    print(f"send rate {rate:.1f} messages/s = {rate / 80:.0%} of 80/s; 429s: {fake.rejected}")


async def main(args: argparse.Namespace) -> None:
    fake = FakeTwilio()
    with tempfile.TemporaryDirectory() as folder:
        async with serve_asgi(fake.app) as api:
            proc, url = await start_minga(api, folder, args.mode == "lifted")
            try:
                connector = aiohttp.TCPConnector(limit=args.connections)
                async with aiohttp.ClientSession(connector=connector) as session:
                    run = lifted if args.mode == "lifted" else limited
                    twilio = Twilio(session, url, args.connections)
                    serve_cpu, own_cpu = cpu_seconds(proc.pid), time.process_time()
                    try:
                        await run(fake, twilio, args.participants)
                    finally:
                        twilio.delivery.close()
                    print(
                        f"CPU used       minga serve {cpu_seconds(proc.pid) - serve_cpu:.1f} s, "
                        f"fake + load generator {time.process_time() - own_cpu:.1f} s"
                    )
            finally:
                proc.terminate()
                proc.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("lifted", "limited"))
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--connections", type=int, default=40)
    asyncio.run(main(parser.parse_args()))
