"""The workshop report of a 120-person workshop with check-ins, through `minga serve`.

    python bench/report.py --people 120 --runs 3

The 30-person workshop of the tests (tests/workshop.py), repeated to N people (results, session
2, barriers, proposals, plans and a check-in round), is written into a fresh SQLite database;
`minga serve` renders /dashboard/CODE/report.pdf (then .html) several times. Prints each
rendering's time, the PDF's size and pages, and serve's RSS (with its sender child) before the
first report and after the last.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import uvloop
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.live import rss_mb
from bench.serve import start_serve
from storage import open_store
from tests.workshop import CODE, seed_workshop

TOKEN = "bench-dashboard-token-0123456789"


async def seed(db: str, people: int) -> None:
    store = await open_store(db, lambda: datetime.now(UTC))
    try:
        await seed_workshop(store, datetime.now(UTC), people)
    finally:
        await store.close()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = f"sqlite:///{folder}/report.db"
        await seed(db, args.people)
        port = 19300 + os.getpid() % 400
        proc, url = await start_serve(
            {"MINGA_DATABASE_URL": db, "MINGA_DASHBOARD_TOKEN": TOKEN}, port
        )
        headers = {"Authorization": f"Bearer {TOKEN}"}
        try:
            before = rss_mb(proc.pid)
            async with aiohttp.ClientSession(headers=headers) as http:
                for kind in ("pdf", "html"):
                    for run in range(args.runs):
                        began = time.perf_counter()
                        async with http.get(f"{url}/dashboard/{CODE}/report.{kind}") as response:
                            body = await response.read()
                            assert response.status == 200, response.status
                        took = time.perf_counter() - began
                        pages = len(PdfReader(io.BytesIO(body)).pages) if kind == "pdf" else "-"
                        print(
                            f"{kind} run {run + 1}: {took:.2f} s, {len(body) / 1024:.0f} KB, "
                            f"{pages} pages; serve RSS {rss_mb(proc.pid):.0f} MB",
                            flush=True,
                        )
            after = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        print(f"people {args.people}; serve RSS (with its sender) {before:.0f} MB → {after:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=120)
    parser.add_argument("--runs", type=int, default=3)
    uvloop.run(main(parser.parse_args()))
