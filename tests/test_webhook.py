"""`minga serve`: the Telegram webhook (secret token, dedupe) and health, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bot.config import ConfigError, Settings
from bot.web.app import create_app
from bot.web.telegram import SECRET_HEADER
from tests.fakes.telegram_api import FakeTelegram, buttons, serve_asgi, serve_fake
from tests.support import TEST_DASHBOARD_TOKEN

SECRET = "s3cr3t-token"


@dataclass
class Served:
    fake: FakeTelegram
    url: str
    web: Any
    http: httpx.AsyncClient


@pytest.fixture
async def served(database_url: str) -> AsyncIterator[Served]:
    async with serve_fake() as (fake, api_url):
        settings = Settings(
            telegram_token="123:abc", telegram_api_url=api_url, telegram_webhook_secret=SECRET
        )
        web = create_app(settings, database_url)
        async with (
            serve_asgi(web, lifespan="on") as url,
            httpx.AsyncClient(base_url=url, timeout=10) as http,
        ):
            yield Served(fake, url, web, http)


async def _deliver(s: Served, update: dict, secret: str | None = SECRET) -> httpx.Response:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    response = await s.http.post("/telegram/webhook", json=update, headers=headers)
    if response.status_code == 200:
        await s.fake.webhook_answered(response.json())
    return response


async def _participants(s: Served) -> int:
    rows = await s.web.state.app.store._fetchall("SELECT COUNT(*) FROM participants")
    return int(rows[0][0])


@pytest.mark.parametrize("secret", [None, "", "wrong"])
async def test_missing_or_wrong_secret_is_refused(served: Served, secret: str | None) -> None:
    served.fake.says(7001, "/start")
    response = await _deliver(served, served.fake.take_update(), secret)
    assert response.status_code == 403
    assert await _participants(served) == 0
    assert served.fake.to(7001) == []


async def test_onboarding_through_the_webhook(served: Served) -> None:
    served.fake.says(7002, "/start")
    assert (await _deliver(served, served.fake.take_update())).status_code == 200
    first = await served.fake.reply(7002, 0)
    assert "Soy Minga" in first["text"]
    served.fake.taps(7002, buttons(first)["Español"])
    update = served.fake.take_update()
    answer = await _deliver(served, update)
    assert answer.status_code == 200
    # The tap is acknowledged in the webhook's answer, not by a request of its own.
    assert answer.json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": update["callback_query"]["id"],
    }
    assert served.fake.answered == [update["callback_query"]["id"]]
    consent = await served.fake.reply(7002, 1)
    assert "Privacidad" in consent["text"]
    # Telegram redelivers: the same update changes nothing.
    assert (await _deliver(served, update)).status_code == 200
    served.fake.says(7002, "sí")
    await _deliver(served, served.fake.take_update())
    name = await served.fake.reply(7002, 2)
    assert "¿Cómo se llama?" in name["text"]
    assert len(served.fake.to(7002)) == 3


async def test_a_redelivered_text_answer_is_handled_once(served: Served) -> None:
    served.fake.says(7003, "/start")
    await _deliver(served, served.fake.take_update())
    first = await served.fake.reply(7003, 0)
    served.fake.taps(7003, buttons(first)["Español"])
    await _deliver(served, served.fake.take_update())
    consent = await served.fake.reply(7003, 1)
    served.fake.taps(7003, buttons(consent)["Sí"])
    await _deliver(served, served.fake.take_update())
    await served.fake.reply(7003, 2)  # "¿Cómo se llama?"
    served.fake.says(7003, "Ana")
    update = served.fake.take_update()
    assert (await _deliver(served, update)).status_code == 200
    await served.fake.reply(7003, 3)
    # A text answer, not a tap (the double-tap guard would drop that anyway): handled twice,
    # "Ana" would become the answer to the next question and a fifth message would go out.
    assert (await _deliver(served, update)).status_code == 200
    app = served.web.state.app
    app.sender.wake()
    for _ in range(200):  # until the outbox has nothing left to send
        counts = await app.store.outbox_counts()
        if not counts.get("pending") and not counts.get("sending"):
            break
        await asyncio.sleep(0.02)
    assert len(served.fake.to(7003)) == 4
    rows = await app.store._fetchall("SELECT municipality FROM participants")
    assert [tuple(r) for r in rows] == [(None,)]


async def test_not_an_update_is_a_400(served: Served) -> None:
    response = await served.http.post(
        "/telegram/webhook", content=b"{not json", headers={SECRET_HEADER: SECRET}
    )
    assert response.status_code == 400


async def test_health(served: Served) -> None:
    response = await served.http.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_a_telegram_token_without_a_webhook_secret_is_refused() -> None:
    with pytest.raises(ConfigError, match="MINGA_TELEGRAM_WEBHOOK_SECRET"):
        create_app(Settings(telegram_token="123:abc"), "sqlite:///:memory:")


def test_twilio_credentials_without_a_sender_number_are_refused_at_start() -> None:
    # Refused by serve itself, before a sender process could die over it again and again.
    settings = Settings(twilio_account_sid="AC1", twilio_auth_token="t", public_url="https://x")
    with pytest.raises(ConfigError, match="MINGA_WHATSAPP_FROM"):
        create_app(settings, "sqlite:///:memory:", sender_process=True)


async def test_metrics_count_handled_updates(served: Served) -> None:
    served.fake.says(7050, "/start")
    assert (await _deliver(served, served.fake.take_update())).status_code == 200
    bearer = {"Authorization": f"Bearer {TEST_DASHBOARD_TOKEN}"}
    text = (await served.http.get("/metrics", headers=bearer)).text
    handled = [
        line
        for line in text.splitlines()
        if line.startswith('minga_inbound_handled_total{channel="telegram",kind="text"}')
    ]
    assert handled
    assert float(handled[0].split()[-1]) >= 1
    # /start began onboarding: a run started, counted by flow.
    assert 'minga_flow_runs_total{event="started",flow="onboarding"}' in text
    assert "minga_scheduler_lag_seconds 0.0" in text  # nothing is due
    assert 'minga_outbox_rows{status="pending"}' in text
