"""The edge where platforms' text enters Minga: malformed updates, control characters, bugs.

Each test failed before its fix: null or a list as an update answered 500 with a traceback, a
chat id "abc" became a participant, a NUL in a name broke the workshop's export (and the
webhook answered 500, so Telegram redelivered it), and a handler's exception logged the
person's words.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from bot.channels.pacing import SendPacer
from bot.config import Settings
from bot.conversation.normalize import clean_text
from bot.conversation.router import Router
from bot.web.app import create_app
from bot.web.telegram import SECRET_HEADER
from storage import ParticipantKey
from tests.fakes.telegram_api import FakeTelegram, serve_asgi, serve_fake
from tests.support import CHANNEL, TEST_DASHBOARD_TOKEN, Harness

SECRET = "s3cr3t"


class Webhook:
    """`minga serve` with the fake Bot API; posts raw bodies to its webhook."""

    def __init__(self, fake: FakeTelegram, http: httpx.AsyncClient, web: Any) -> None:
        self.fake, self.http, self.web = fake, http, web

    async def post(self, body: Any) -> httpx.Response:
        raw = body if isinstance(body, str) else json.dumps(body)
        headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
        return await self.http.post("/telegram/webhook", content=raw, headers=headers)

    async def says(self, chat: int, text: str) -> httpx.Response:
        self.fake.says(chat, text, "es")
        return await self.post(self.fake.take_update())

    async def participants(self) -> int:
        rows = await self.web.state.app.store._fetchall("SELECT COUNT(*) FROM participants", ())
        return int(rows[0][0])


@pytest.fixture
async def hook(tmp_path: Path) -> AsyncIterator[Webhook]:
    async with serve_fake() as (fake, api):
        settings = Settings(
            telegram_token="1:a",
            telegram_api_url=api,
            telegram_webhook_secret=SECRET,
            facilitators="telegram:900",
            burst_messages=0,
        )
        fast = SendPacer(per_second=1000, per_address=1000, burst=100)
        web = create_app(settings, f"sqlite:///{tmp_path}/e.db", pacer=fast)
        async with (
            serve_asgi(web, lifespan="on") as url,
            httpx.AsyncClient(base_url=url, timeout=20) as http,
        ):
            yield Webhook(fake, http, web)


def _message(**message: Any) -> dict[str, Any]:
    base = {
        "message_id": 1,
        "date": 1,
        "chat": {"id": 77, "type": "private"},
        "from": {"id": 77, "is_bot": False, "first_name": "Ana"},
        "text": "hola",
    }
    return {"update_id": 5, "message": {**base, **message}}


MALFORMED = {
    "null": "null",
    "a list": "[1, 2]",
    "a number": "7",
    "not JSON": "{update_id: 1",
    "10k-deep nesting": "[" * 10_000 + "]" * 10_000,
    "text as a number": _message(text=12),
    "text as a list": _message(text=["hola"]),
    "chat id as a word": _message(chat={"id": "abc", "type": "private"}),
    "no update_id": {"message": _message()["message"]},
    "update_id as text": {**_message(), "update_id": "5"},
    "sender id as a word": _message(**{"from": {"id": "x", "is_bot": False, "first_name": "A"}}),
    "button data as a number": {
        "update_id": 9,
        "callback_query": {"id": "q", "from": {"id": 1, "is_bot": False}, "data": 3},
    },
}


@pytest.mark.parametrize("name", list(MALFORMED))
async def test_a_malformed_update_is_refused_and_nothing_is_stored(
    hook: Webhook, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = await hook.post(MALFORMED[name])
    assert response.status_code == 400
    assert await hook.participants() == 0
    assert "Traceback" not in caplog.text


async def test_control_characters_are_stripped_and_the_export_still_works(
    hook: Webhook,
) -> None:
    # Onboard someone whose name and municipality carry NUL, ESC, a C1 control and a
    # decomposed accent, the way a broken keyboard app or an attacker would send them.
    await hook.web.state.app.store.create_cohort(_cohort())
    replies = []
    for text in ("/start", "1", "sí", "An\x00a\x1b[31m", "Cuenca\u0301\x85", "Ecuador", "3"):
        replies.append((await hook.says(77, text)).status_code)
    replies.append((await hook.says(77, "ODS2026")).status_code)
    assert set(replies) == {200}
    store = hook.web.state.app.store
    person = await store.participant(ParticipantKey("telegram", "77"))
    assert person is not None
    assert person.name == "Ana[31m"
    assert person.municipality == "Cuencá"  # one code point, NFC
    # The facilitator's /export is a file, not a 500 (Telegram would redeliver it forever).
    assert (await hook.says(900, "/export ODS2026")).status_code == 200
    bearer = {"Authorization": f"Bearer {TEST_DASHBOARD_TOKEN}"}
    got = await hook.http.get("/dashboard/ODS2026/export.xlsx", headers=bearer)
    assert got.status_code == 200
    names = [
        cell
        for sheet in load_workbook(io.BytesIO(got.content))
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    ]
    assert "Ana[31m" in names


def test_clean_text_keeps_newlines_and_drops_controls() -> None:
    assert clean_text("a\r\nb\tc\x00d\x7f\x9fe\ufffe") == "a\nb cde"
    assert clean_text("Sa\u0303o Paulo") == "São Paulo"
    assert clean_text("\ud800x") == "x"  # a lone surrogate JSON can carry
    assert clean_text("Plain text, 100%.") == "Plain text, 100%."


async def test_a_handlers_bug_is_answered_and_its_words_never_logged(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    broken = Router("broken")

    @broken.message()
    async def explode(call: Any) -> None:
        raise ValueError(f"could not parse {call.inbound.text!r}")

    h.app.dispatcher.router = broken
    ana = h.person("ana")
    with caplog.at_level(logging.ERROR):
        reply = await ana.send("mi secreto", external_id="u1")
    assert "algo falló de nuestro lado" in reply
    assert "mi secreto" not in caplog.text
    assert "ValueError at test_edge.py" in caplog.text
    # Committed like any message: a redelivery is dropped, not failed again.
    assert not await h.app.dispatcher.handle(_inbound(h, "mi secreto", "u1"))
    assert await h.app.store.participant(ParticipantKey(CHANNEL, "ana")) is not None


def _inbound(h: Harness, text: str, external_id: str) -> Any:
    from bot.conversation.inbound import Inbound

    return Inbound(CHANNEL, "ana", "text", h.clock.now(), text=text, external_id=external_id)


def _cohort() -> Any:
    from datetime import UTC, date, datetime

    from storage import Cohort

    return Cohort("c1", "ODS2026", "Taller", "es", datetime.now(UTC), ends=date(2027, 3, 6))
