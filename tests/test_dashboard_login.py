"""Who gets into the dashboard: wrong tokens are throttled, cookies expire, forms need CSRF."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.web.app import create_app
from bot.web.auth import COOKIE, SESSION_HOURS, cookie_value
from tests.fakes.telegram_api import serve_asgi
from tests.support import harness

TOKEN = "login-token-0123456789-abcdefghij"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


async def _served(tmp_path: Path, **settings: object) -> AsyncIterator[httpx.AsyncClient]:
    url = f"sqlite:///{tmp_path}/d.db"
    async with harness(tmp_path / "d.db", url=url) as h:
        await h.create_cohort("ODS2026", "Taller ODS")
    app = create_app(Settings(dashboard_token=TOKEN, **settings), url)
    async with (
        serve_asgi(app, lifespan="on") as base,
        httpx.AsyncClient(base_url=base, timeout=20) as http,
    ):
        yield http


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _served(tmp_path):
        yield client


def _from(address: str) -> dict[str, str]:
    # uvicorn trusts X-Forwarded-For from 127.0.0.1, as it would from the proxy in deploy/.
    return {"X-Forwarded-For": address}


async def test_ten_wrong_tokens_make_that_address_wait_but_not_others(
    http: httpx.AsyncClient,
) -> None:
    attacker, colleague = _from("203.0.113.7"), _from("198.51.100.4")
    for n in range(10):
        wrong = await http.post("/dashboard/login", data={"token": f"guess-{n}"}, headers=attacker)
        assert wrong.status_code == 401
    right = await http.post("/dashboard/login", data={"token": TOKEN}, headers=attacker)
    assert right.status_code == 429
    assert COOKIE not in right.cookies
    assert "15" in right.text  # says how long to wait
    assert (await http.get("/dashboard/", headers=BEARER | attacker)).status_code == 401
    elsewhere = await http.post("/dashboard/login", data={"token": TOKEN}, headers=colleague)
    assert elsewhere.status_code == 303


async def test_wrong_bearer_tokens_count_too(http: httpx.AsyncClient) -> None:
    script = _from("192.0.2.10")
    for n in range(10):
        headers = {"Authorization": f"Bearer guess-{n}"} | script
        assert (await http.get("/dashboard/", headers=headers)).status_code == 401
    assert (await http.get("/dashboard/", headers=BEARER | script)).status_code == 401
    assert (await http.get("/dashboard/", headers=BEARER | _from("192.0.2.11"))).status_code == 200


async def test_a_cookie_stops_working_after_its_hours(http: httpx.AsyncClient) -> None:
    now = int(time.time())
    fresh = cookie_value(TOKEN, now - 60)
    stale = cookie_value(TOKEN, now - SESSION_HOURS * 3600 - 60)
    future = cookie_value(TOKEN, now + 3600)  # not issued by us: a forged time
    forged = f"{now}.{'0' * 64}"
    for value, status in ((fresh, 200), (stale, 401), (future, 401), (forged, 401)):
        response = await http.get("/dashboard/", headers={"Cookie": f"{COOKIE}={value}"})
        assert response.status_code == status, value


async def test_signing_out_clears_the_cookie(http: httpx.AsyncClient) -> None:
    signed_in = await http.post("/dashboard/login", data={"token": TOKEN})
    assert signed_in.status_code == 303
    cookie = {"Cookie": f"{COOKIE}={signed_in.cookies[COOKIE]}"}
    listing = await http.get("/dashboard/", headers=cookie)
    assert 'action="/dashboard/logout"' in listing.text
    out = await http.post("/dashboard/logout")
    assert out.status_code == 303
    assert f'{COOKIE}=""' in out.headers["set-cookie"]
    assert "Max-Age=0" in out.headers["set-cookie"]


async def test_the_cookie_is_https_only_behind_an_https_public_url(tmp_path: Path) -> None:
    async for http in _served(tmp_path, public_url="https://minga.example.org"):
        response = await http.post("/dashboard/login", data={"token": TOKEN})
        cookie = response.headers["set-cookie"]
        for attribute in ("Secure", "HttpOnly", "SameSite=strict"):
            assert attribute in cookie


async def test_a_plain_http_cookie_is_not_marked_secure(http: httpx.AsyncClient) -> None:
    response = await http.post("/dashboard/login", data={"token": TOKEN})
    assert "Secure" not in response.headers["set-cookie"]


async def test_another_sites_form_cannot_change_the_checkin_plan(
    http: httpx.AsyncClient,
) -> None:
    signed_in = await http.post("/dashboard/login", data={"token": TOKEN})
    cookie = f"{COOKIE}={signed_in.cookies[COOKIE]}"
    form = await http.get("/dashboard/ODS2026/checkins", headers={"Cookie": cookie})
    assert form.status_code == 200  # the cookie does open the page
    # What a hostile page's <form enctype="text/plain"> or fetch(no-cors) can send: the
    # cookie rides along (if the browser ignored SameSite), the CSRF token cannot.
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = await http.post(
            "/dashboard/ODS2026/checkins",
            content=b"days=1&ends=2027-01-01",
            headers={
                "Content-Type": content_type,
                "Origin": "https://evil.example",
                "Cookie": cookie,
            },
        )
        assert response.status_code == 403, content_type
    # The same request with the bearer token is a script's, not a browser's: it may.
    scripted = await http.post(
        "/dashboard/ODS2026/checkins", data={"days": "30", "ends": "2027-01-01"}, headers=BEARER
    )
    assert scripted.status_code == 303
