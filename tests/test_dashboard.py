"""The dashboard over real HTTP, and rendered in a real headless Chromium."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request

from bot.config import ConfigError, Settings
from bot.web.app import create_app
from bot.web.auth import authorised, cookie_value
from tests.conftest import require_postgres
from tests.fakes.telegram_api import serve_asgi
from tests.support import harness, postgres_schema

TOKEN = "dash-token-123-long-enough-for-it"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Served:
    url: str
    http: httpx.AsyncClient


async def _seed(url: str, db: Path) -> None:
    async with harness(db, url=url) as h:
        await h.create_cohort("ODS2026", "Taller <b>ODS</b>")
        for n in range(6):
            person = h.person(f"p{n}")
            await person.onboard("ODS2026", name=f"Persona {n}")
            if n < 5:
                await person.send("Cambio de mentalidad para los ODS")
                for _ in range(12):
                    if "Sus resultados" in await person.send(str(1 + n % 5)):
                        break


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Six members and five assessments, written once per backend for the whole module.

    SQLite tests each get a copy of the file; PostgreSQL tests share the schema (they only
    read it). Rebuilding it for every test took 14 s of the module's time.
    """
    folder = tmp_path_factory.mktemp("dashboard")
    if request.param == "sqlite":
        asyncio.run(_seed(f"sqlite:///{folder}/seed.db", folder / "seed.db"))
        yield str(folder / "seed.db")
        return
    require_postgres()
    context = postgres_schema()
    loop = asyncio.new_event_loop()
    url = loop.run_until_complete(context.__aenter__())
    try:
        loop.run_until_complete(_seed(url, folder / "unused.db"))
        yield url
    finally:
        loop.run_until_complete(context.__aexit__(None, None, None))
        loop.close()


@pytest.fixture
async def served(tmp_path: Path, seeded: str) -> AsyncIterator[Served]:
    url = seeded
    if "://" not in seeded:
        shutil.copy(seeded, tmp_path / "d.db")
        url = f"sqlite:///{tmp_path}/d.db"
    settings = Settings(dashboard_token=TOKEN, telegram_bot_username="minga_bot")
    async with (
        serve_asgi(create_app(settings, url), lifespan="on") as base,
        httpx.AsyncClient(base_url=base, timeout=20) as http,
    ):
        yield Served(base, http)


ROUTES = [
    "/dashboard/",
    "/dashboard/ODS2026",
    "/dashboard/ODS2026/poster.png",
    "/dashboard/ODS2026/export.xlsx",
    "/dashboard/ODS2026/export.zip",
    "/dashboard/ODS2026/checkins.png",
    "/dashboard/ODS2026/checkins",
    "/dashboard/ODS2026/matrix.png",
    "/dashboard/ODS2026/averages/mindsets.png",
    "/dashboard/ODS2026/report.pdf",
    "/dashboard/ODS2026/report.html",
    "/dashboard/ODS2026/room",
]


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("auth", [None, "Bearer wrong", f"Basic {TOKEN}"])
async def test_without_the_token_nothing_is_shown(
    served: Served, path: str, auth: str | None
) -> None:
    headers = {"Authorization": auth} if auth else {}
    response = await served.http.get(path, headers=headers)
    assert response.status_code == 401
    assert "Persona" not in response.text
    assert "token" in response.text  # the login form


async def test_with_the_token_the_numbers_are_right_and_escaped(served: Served) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    listing = await served.http.get("/dashboard/", headers=auth)
    assert listing.status_code == 200
    assert "Taller &lt;b&gt;ODS&lt;/b&gt;" in listing.text
    page = await served.http.get("/dashboard/ODS2026", headers=auth)
    assert page.status_code == 200
    assert '<div class="big" id="members">6</div>' in page.text
    assert "Average of" not in page.text  # translated: the workshop is in Spanish
    assert "Promedio de 5 personas" in page.text
    assert "5 / 6" in page.text  # finished the mindsets assessment
    assert "<b>ODS</b>" not in page.text
    poster = await served.http.get("/dashboard/ODS2026/poster.png", headers=auth)
    assert poster.headers["content-type"] == "image/png"
    export = await served.http.get("/dashboard/ODS2026/export.zip", headers=auth)
    assert export.content.startswith(b"PK")


async def test_the_login_form_sets_a_cookie_without_the_token(served: Served) -> None:
    wrong = await served.http.post("/dashboard/login", data={"token": "nope"})
    assert wrong.status_code == 401
    good = await served.http.post("/dashboard/login", data={"token": TOKEN})
    assert good.status_code == 303
    cookie = good.cookies["minga_dashboard"]
    assert TOKEN not in cookie
    served.http.cookies.set("minga_dashboard", cookie)
    page = await served.http.get("/dashboard/ODS2026")
    assert page.status_code == 200


async def test_the_page_renders_in_headless_chromium(served: Served, tmp_path: Path) -> None:
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Chromium for the dashboard test (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(f"{served.url}/dashboard/")
            await page.fill("input[name=token]", TOKEN)
            await page.click("button[type=submit]")
            await page.click("text=Taller <b>ODS</b>")
            await page.wait_for_selector("#members")
            assert await page.inner_text("#members") == "6"
            rows = await page.locator("table.averages tr").count()
            assert rows == 6  # the six dimensions of the mindsets assessment
            shot = tmp_path / "dashboard.png"
            await page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000
            await page.set_viewport_size({"width": 390, "height": 844})
            await page.screenshot(path=str(tmp_path / "dashboard-phone.png"))
            await page.click("button.signout")
            await page.wait_for_selector("input[name=token]")  # signed out: the login form
            await page.goto(f"{served.url}/dashboard/ODS2026")
            assert await page.locator("#members").count() == 0
            if os.environ.get("MINGA_SHOTS"):
                for name in ("dashboard.png", "dashboard-phone.png"):
                    shutil.copy(tmp_path / name, Path(os.environ["MINGA_SHOTS"]) / name)
        finally:
            await browser.close()


async def test_metrics_need_the_token_and_count_what_happened(served: Served) -> None:
    assert (await served.http.get("/metrics")).status_code == 401
    page = await served.http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    lines = page.text.splitlines()
    # The seeded conversations were handled by another process; the backlog is the store's.
    sent = next(line for line in lines if line.startswith('minga_outbox_rows{status="sent"}'))
    assert float(sent.split()[-1]) > 0
    assert any(line.startswith("minga_inbound_handling_seconds_bucket") for line in lines)


@pytest.mark.parametrize("token", [None, "", "short-token", "x" * 23])
def test_serve_refuses_to_start_without_a_long_dashboard_token(token: str | None) -> None:
    # A blank line in the env file used to open the dashboard, exports and /metrics to anyone.
    with pytest.raises(ConfigError, match=r"MINGA_DASHBOARD_TOKEN .*openssl rand -hex 24"):
        create_app(Settings(dashboard_token=token), "sqlite:///:memory:")


async def test_a_dashboard_turned_off_is_not_served_and_needs_no_token(
    tmp_path: Path,
) -> None:
    settings = Settings(dashboard=False, dashboard_token=None)
    async with (
        serve_asgi(create_app(settings, f"sqlite:///{tmp_path}/off.db"), lifespan="on") as url,
        httpx.AsyncClient(base_url=url, timeout=20) as http,
    ):
        assert (await http.get("/dashboard/")).status_code == 404
        assert (await http.post("/dashboard/login", data={"token": ""})).status_code == 404


@pytest.mark.parametrize("token", [None, "", "short"])
async def test_an_empty_or_short_token_never_authorises(served: Served, token: str | None) -> None:
    # Even if the start-up check were bypassed: an empty key must not sign a valid cookie.
    settings = Settings(dashboard_token=token)
    forged = cookie_value(token or "", int(time.time()))  # signed with the empty/short key
    request = Request(
        {
            "type": "http",
            "headers": [
                (b"authorization", f"Bearer {token}".encode()),
                (b"cookie", f"minga_dashboard={forged}".encode()),
            ],
        }
    )
    assert not authorised(request, settings)


async def test_the_login_form_refuses_an_empty_token(served: Served) -> None:
    response = await served.http.post("/dashboard/login", data={"token": ""})
    assert response.status_code == 401
    assert "minga_dashboard" not in response.cookies
