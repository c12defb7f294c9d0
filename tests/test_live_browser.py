"""The projector view in a real headless Chromium against a real `minga serve`: answers sent over
Telegram appear within a second without a reload, and after serve restarts the page reconnects
by itself and shows the current state. Its screenshots illustrate the README (docs/)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.telegram_api import FakeTelegram, serve_fake
from tests.support import TEST_DASHBOARD_TOKEN, screenshots, seed_cohort, serve_process

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SECRET = "s"
MEMBERS = 6
FIRST = 100_000


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed(db: Path) -> tuple[str, str]:
    """A workshop of six Telegram members, a projector link, and an open word-cloud question."""
    cohort = seed_cohort(db, "SALA1", MEMBERS, first_address=FIRST)
    token, prompt = uuid.uuid4().hex, uuid.uuid4().hex[:10]
    now = datetime.now(UTC).isoformat()
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO live_links (token, cohort_id, created_at) VALUES (?, ?, ?)",
            (token, cohort, now),
        )
        conn.execute(
            "INSERT INTO prompts (id, cohort_id, kind, texts, options, state, revealed, "
            "created_at, opened_at) VALUES (?, ?, 'open', ?, '[]', 'open', 1, ?, ?)",
            (prompt, cohort, '{"es": "En una palabra: ¿cuál es el mayor reto de su municipio?"}',
             now, now),
        )  # fmt: skip
        conn.execute(
            "INSERT INTO live_screens (cohort_id, screen, updated_at) VALUES (?, ?, ?)",
            (cohort, f'{{"kind": "prompt", "id": "{prompt}"}}', now),
        )
        conn.executemany(
            "INSERT INTO scheduled (participant_id, flow_id, purpose, due_at, dedupe_key, "
            "created_at) SELECT id, ?, 'prompt', ?, 'prompt:' || id, ? FROM participants",
            [(prompt, now, now)],
        )
    return token, prompt


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[FakeTelegram, str]]:
    async with serve_fake() as running:
        yield running


async def _serve(db: Path, api: str, port: int, http: httpx.AsyncClient) -> Any:
    server = serve_process(
        db, api, port, None, telegram_webhook_secret=SECRET, telegram_bot_username="minga_bot"
    )
    for _ in range(300):
        try:
            if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    server.kill()
    raise AssertionError("minga serve did not start")


async def _answer(
    fake: FakeTelegram, http: httpx.AsyncClient, port: int, n: int, text: str
) -> None:
    fake.says(FIRST + n, text, "es")
    response = await http.post(
        f"http://127.0.0.1:{port}/telegram/webhook",
        json=fake.take_update(),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status_code == 200


async def _stop(server: Any) -> None:
    server.terminate()
    for _ in range(100):
        if server.poll() is not None:
            return
        await asyncio.sleep(0.1)
    server.kill()


async def test_the_projector_updates_live_and_survives_a_restart(
    tmp_path: Path, telegram: tuple[FakeTelegram, str]
) -> None:
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Chromium for the projector test (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    fake, api = telegram
    db = tmp_path / "minga.db"
    DOCS = screenshots(tmp_path)
    port = _port()
    async with httpx.AsyncClient(timeout=10) as http:
        server = await _serve(db, api, port, http)  # migrates the database, then we seed it
        await _stop(server)
        token, _ = _seed(db)
        server = await _serve(db, api, port, http)
        for _ in range(100):  # the question reaches every member before they answer it
            if all(fake.to(FIRST + n) for n in range(MEMBERS)):
                break
            await asyncio.sleep(0.1)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            try:
                page = await browser.new_page(viewport={"width": 1920, "height": 1080})
                await page.goto(f"http://127.0.0.1:{port}/live/SALA1?key={token}")
                await page.wait_for_selector("#count b")
                assert await page.inner_text("#count b") == "0"
                size = await page.eval_on_selector(
                    "#question", "e => parseFloat(getComputedStyle(e).fontSize)"
                )
                assert size >= 48  # readable from the back of the room
                began = time.perf_counter()
                await _answer(fake, http, port, 0, "Presupuesto")
                await page.wait_for_selector("#count b >> text='1'", timeout=1000)
                assert time.perf_counter() - began < 1.0
                for n, word in enumerate(
                    ["presupuesto", "Corrupción", "Personal capacitado", "presupuesto"], start=1
                ):
                    await _answer(fake, http, port, n, word)
                await page.wait_for_selector("#count b >> text='5'", timeout=2000)
                await page.wait_for_selector("#cloud span")
                assert "presupuesto" in await page.inner_text("#cloud")
                await page.screenshot(path=str(DOCS / "projector.png"))
                # serve restarts: the page reconnects by itself and shows what happened meanwhile.
                await _stop(server)
                server = await _serve(db, api, port, http)
                await _answer(fake, http, port, 5, "Datos abiertos")
                await page.wait_for_selector("#count b >> text='6'", timeout=15000)
                console = await browser.new_context(
                    viewport={"width": 1366, "height": 900},
                    extra_http_headers={"Authorization": f"Bearer {TEST_DASHBOARD_TOKEN}"},
                )
                room = await console.new_page()
                await room.goto(f"http://127.0.0.1:{port}/dashboard/SALA1/room")
                assert "En una palabra" in await room.inner_text("#prompt-list")
                await room.screenshot(path=str(DOCS / "room-console.png"))
                phone = await browser.new_page(viewport={"width": 390, "height": 844})
                await phone.goto(f"http://127.0.0.1:{port}/live/SALA1?key={token}")
                await phone.wait_for_selector("#cloud span")
                await phone.screenshot(path=str(DOCS / "projector-phone.png"))
            finally:
                await browser.close()
                await _stop(server)
