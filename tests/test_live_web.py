"""The projector view, its events, the JSON API and the facilitator's room console, over HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bot.app import App
from bot.config import Settings
from bot.conversation.inbound import Inbound
from bot.web.app import create_app
from bot.web.csrf import csrf_token
from tests.fakes.telegram_api import serve_asgi
from tests.support import harness

TOKEN = "room-token-0123456789-abcdefgh"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class Room:
    url: str
    http: httpx.AsyncClient
    web: Starlette
    settings: Settings

    @property
    def app(self) -> App:
        app: App = self.web.state.app
        return app

    async def say(self, address: str, text: str | None = None, choice: str | None = None) -> None:
        kind: Any = "choice" if choice else "text"
        now = self.app.clock.now()
        await self.app.dispatcher.handle(
            Inbound("test", address, kind, now, text=text, choice=choice, language_hint="es")
        )


@pytest.fixture
async def room(tmp_path: Path, database_url: str) -> AsyncIterator[Room]:
    async with harness(tmp_path / "r.db", url=database_url) as h:
        await h.create_cohort("ODS2026", "Taller ODS")
        for n in range(3):
            await h.person(f"p{n}").onboard("ODS2026", name=f"Persona {n}")
    settings = Settings(dashboard_token=TOKEN, telegram_bot_username="minga_bot")
    web = create_app(settings, database_url)
    async with (
        serve_asgi(web, lifespan="on") as url,
        httpx.AsyncClient(base_url=url, timeout=20) as http,
    ):
        yield Room(url, http, web, settings)


async def _post(room: Room, data: dict[str, str], **headers: str) -> httpx.Response:
    form = {"csrf": csrf_token(room.settings), **data}
    return await room.http.post("/dashboard/ODS2026/room", data=form, headers={**BEARER, **headers})


async def _create(room: Room, **fields: str) -> str:
    response = await _post(room, {"do": "create", "open_now": "1", **fields})
    assert response.status_code == 303, response.text
    cohort = await room.app.store.cohort_by_code("ODS2026")
    assert cohort is not None
    return (await room.app.store.prompts(cohort.id))[-1].id


async def _events(room: Room, path: str, want: int, seconds: float = 5) -> list[dict[str, Any]]:
    """Read `want` events from an event stream (or fail after `seconds`)."""
    found: list[dict[str, Any]] = []

    async def read() -> None:
        async with room.http.stream("GET", path, headers=BEARER) as response:
            assert response.status_code == 200
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    found.append(json.loads(line.removeprefix("data:").strip()))
                    if len(found) >= want:
                        return

    await asyncio.wait_for(read(), seconds)
    return found


async def test_the_projector_needs_its_link_or_the_dashboard_token(room: Room) -> None:
    assert (await room.http.get("/live/ODS2026")).status_code == 401
    assert (await room.http.get("/live/ODS2026?key=guess")).status_code == 401
    assert (await room.http.get("/live/ODS2026/events")).status_code == 401
    page = await room.http.get("/live/ODS2026", headers=BEARER)
    assert page.status_code == 200
    assert 'src="/static/live.js"' in page.text
    assert "<svg" in page.text  # the join QR code, drawn here: nothing from outside
    assert "https://" not in page.text.replace("https://t.me/", "")
    assert (await _post(room, {"do": "link_new"})).status_code == 303
    cohort = await room.app.store.cohort_by_code("ODS2026")
    assert cohort is not None
    (link,) = await room.app.store.live_links(cohort.id)
    viewer = await room.http.get(f"/live/ODS2026?key={link.token}")
    assert viewer.status_code == 200
    assert f"/live/ODS2026/events?key={link.token}" in viewer.text
    await _post(room, {"do": "link_revoke", "token": link.token})
    assert (await room.http.get(f"/live/ODS2026?key={link.token}")).status_code == 401


async def test_the_projector_link_cannot_change_anything(room: Room) -> None:
    await _post(room, {"do": "link_new"})
    cohort = await room.app.store.cohort_by_code("ODS2026")
    assert cohort is not None
    (link,) = await room.app.store.live_links(cohort.id)
    form = {"csrf": csrf_token(room.settings), "do": "create", "kind": "open", "text_es": "¿?"}
    forged = await room.http.post(f"/dashboard/ODS2026/room?key={link.token}", data=form)
    assert forged.status_code == 401
    prompt_id = await _create(room, kind="open", text_es="¿Una palabra?")
    assert (await room.http.get(f"/api/prompts/{prompt_id}?key={link.token}")).status_code == 401
    assert (await room.http.get(f"/dashboard/ODS2026?key={link.token}")).status_code == 401
    assert len(await room.app.store.prompts(cohort.id)) == 1


async def test_forms_without_their_token_or_from_another_site_change_nothing(room: Room) -> None:
    base = {"do": "create", "kind": "open", "text_es": "¿Algo?", "open_now": "1"}
    missing = await room.http.post("/dashboard/ODS2026/room", data=base, headers=BEARER)
    assert missing.status_code == 403
    foreign = await _post(room, base, Origin="https://evil.example")
    assert foreign.status_code == 403
    cohort = await room.app.store.cohort_by_code("ODS2026")
    assert cohort is not None
    assert await room.app.store.prompts(cohort.id) == []


async def test_an_answer_reaches_the_projector_as_an_event(room: Room) -> None:
    prompt_id = await _create(room, kind="choice", text_es="¿A o B?", options="A\nB")
    await room.app.scheduler.run_once()
    events: list[dict[str, Any]] = []

    async def watch() -> None:
        events.extend(await _events(room, "/live/ODS2026/events", want=2))

    watching = asyncio.create_task(watch())
    await asyncio.sleep(0.3)
    began = time.perf_counter()
    await room.say("p0", "1")
    await asyncio.wait_for(watching, 5)
    assert time.perf_counter() - began < 1.0
    first, second = events
    assert first["screen"]["heading"] == "¿A o B?"
    assert first["screen"]["count"] == 0
    assert second["screen"]["count"] == 1
    assert "bars" not in second["screen"]  # a choice starts with its results hidden
    api = await room.http.get(f"/api/prompts/{prompt_id}", headers=BEARER)
    body = api.json()
    assert {k: body[k] for k in ("id", "kind", "state", "respondents")} == {
        "id": prompt_id,
        "kind": "choice",
        "state": "open",
        "respondents": 1,
    }
    assert body["tallies"] == [{"label": "A", "count": 1}, {"label": "B", "count": 0}]


async def test_the_console_opens_closes_reveals_and_projects(room: Room) -> None:
    prompt_id = await _create(room, kind="scale10", text_es="Del 1 al 10, ¿cuánto?")
    page = await room.http.get("/dashboard/ODS2026/room", headers=BEARER)
    assert "Del 1 al 10, ¿cuánto?" in page.text
    assert "escala 1–10" in page.text
    await room.app.scheduler.run_once()
    await room.say("p1", "8")
    await _post(room, {"do": "close", "prompt": prompt_id})
    await _post(room, {"do": "reveal", "prompt": prompt_id})
    (event,) = await _events(room, "/live/ODS2026/events", want=1)
    bars = event["screen"]["bars"]
    assert [b["value"] for b in bars] == [0] * 7 + [1, 0, 0]
    assert "cerrada" in event["screen"]["count_label"]
    await _post(room, {"do": "show", "screen": "ranking"})
    (ranking,) = await _events(room, "/live/ODS2026/events", want=1)
    assert ranking["screen"]["heading"] == "Barreras para la implementación"
    done = await room.http.get("/dashboard/ODS2026/room", headers=BEARER)
    assert re.search(r'id="on-screen">Ranking de barreras<', done.text)


@pytest.mark.postgres
async def test_an_answer_on_one_worker_reaches_viewers_of_another(postgres_url: str) -> None:
    async with harness(Path("unused.db"), url=postgres_url) as h:
        await h.create_cohort("ODS2026", "Taller ODS")
        await h.person("p0").onboard("ODS2026", name="Persona 0")
    settings = Settings(dashboard_token=TOKEN)
    one, two = create_app(settings, postgres_url), create_app(settings, postgres_url)
    async with (
        serve_asgi(one, lifespan="on") as url_one,
        serve_asgi(two, lifespan="on") as url_two,
        httpx.AsyncClient(base_url=url_one, timeout=20) as http_one,
        httpx.AsyncClient(base_url=url_two, timeout=20) as http_two,
    ):
        first = Room(url_one, http_one, one, settings)
        second = Room(url_two, http_two, two, settings)
        await _create(first, kind="open", text_es="¿Una palabra?")
        await first.app.scheduler.run_once()
        watching = asyncio.create_task(_events(second, "/live/ODS2026/events", want=2))
        await asyncio.sleep(0.3)
        began = time.perf_counter()
        await first.say("p0", "Transparencia")  # handled by the first worker
        events = await asyncio.wait_for(watching, 5)
        assert time.perf_counter() - began < 1.0
        assert events[-1]["screen"]["words"] == [{"text": "transparencia", "count": 1}]
