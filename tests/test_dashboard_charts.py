"""Every chart on the dashboard as a PNG to download, and the whole ranking (issue 17).

Served over real HTTP with the 30-person workshop of workshop.py on both storage backends.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image

from bot.config import Settings
from bot.web.app import create_app
from storage import Challenge, Changes, open_store
from tests.fakes.telegram_api import serve_asgi
from tests.workshop import BARRIERS, CODE, seed_workshop

TOKEN = "dash-token-for-charts-long-enough"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MORE = 8  # barriers beyond the fixture's five: 13 in all, more than the old top 10


@pytest.fixture
async def http(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    now = datetime.now(UTC)
    store = await open_store(database_url, lambda: now)
    try:
        workshop = await seed_workshop(store, now)
        extra = [
            Challenge(uuid.uuid4().hex[:8], workshop.cohort.id, f"Barrera extra {n}",
                      now + timedelta(minutes=n))
            for n in range(MORE)
        ]  # fmt: skip
        await store.commit(Changes(challenges=extra))
    finally:
        await store.close()
    settings = Settings(dashboard_token=TOKEN)
    async with (
        serve_asgi(create_app(settings, database_url), lifespan="on") as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        yield client


def _size(response: httpx.Response) -> tuple[int, int]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return Image.open(io.BytesIO(response.content)).size


async def test_the_charts_download_as_png_and_follow_the_rules(http: httpx.AsyncClient) -> None:
    base = f"/dashboard/{CODE}"
    large = await http.get(f"{base}/matrix.png", headers=AUTH)
    assert _size(large) == (1600, 900)
    assert f"minga-{CODE}-matrix-large.png" in large.headers["content-disposition"]
    assert _size(await http.get(f"{base}/matrix.png?size=phone", headers=AUTH)) == (720, 1280)
    assert (await http.get(f"{base}/matrix.png?size=huge", headers=AUTH)).status_code == 400
    assert _size(await http.get(f"{base}/averages/mindsets.png", headers=AUTH))[0] == 770
    # Three people finished this one: no average, so no chart.
    few = await http.get(f"{base}/averages/digital_government.png", headers=AUTH)
    assert few.status_code == 404
    assert (await http.get(f"{base}/averages/onboarding.png", headers=AUTH)).status_code == 404
    assert (await http.get(f"{base}/averages/nope.png", headers=AUTH)).status_code == 404
    for path in ("matrix.png", "averages/mindsets.png"):
        refused = await http.get(f"{base}/{path}")
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("text/html")


async def test_the_page_links_every_chart_and_shows_the_whole_ranking(
    http: httpx.AsyncClient,
) -> None:
    page = (await http.get(f"/dashboard/{CODE}", headers=AUTH)).text
    assert f'href="/dashboard/{CODE}/averages/mindsets.png" download' in page
    assert "/averages/digital_government.png" not in page
    assert f'href="/dashboard/{CODE}/matrix.png" download' in page
    assert f'href="/dashboard/{CODE}/matrix.png?size=phone" download' in page
    assert f'href="/dashboard/{CODE}/checkins.png" download' in page
    ranking = page.split('<table id="ranking">')[1].split("</table>")[0]
    assert ranking.count("<tr>") == len(BARRIERS) + MORE
    assert f"Barrera extra {MORE - 1}" in ranking
