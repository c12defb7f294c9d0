"""What probing a running `minga serve` as an attacker found; each test failed before its fix."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.config import Settings
from bot.web.app import create_app
from bot.web.limits import BodyLimit
from tests.fakes.telegram_api import serve_asgi
from tests.support import TEST_DASHBOARD_TOKEN

BEARER = {"Authorization": f"Bearer {TEST_DASHBOARD_TOKEN}"}


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    settings = Settings(
        telegram_token="1:a",
        telegram_api_url="http://127.0.0.1:9/bot",
        telegram_webhook_secret="s",
        twilio_account_sid="AC1",
        twilio_auth_token="t",
        whatsapp_from="whatsapp:+1",
        public_url="https://minga.example.org",
    )
    web = create_app(settings, f"sqlite:///{tmp_path}/h.db")
    async with serve_asgi(web, lifespan="off") as url, httpx.AsyncClient(base_url=url) as http:
        yield url, http


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/whatsapp/webhook", {"X-Twilio-Signature": "anything"}),
        ("/whatsapp/status", {"X-Twilio-Signature": "anything"}),
        ("/dashboard/login", {}),
        ("/telegram/webhook", {"X-Telegram-Bot-Api-Secret-Token": "s"}),
    ],
)
async def test_a_body_over_a_megabyte_is_refused_before_it_is_read(
    served: tuple[str, httpx.AsyncClient], path: str, headers: dict[str, str]
) -> None:
    _, http = served
    big = {"Body": "x" * (1024 * 1024 + 10)}
    response = await http.post(path, data=big, headers=headers)
    assert response.status_code == 413

    if path.startswith("/telegram"):
        return  # without a running bot (no lifespan here) the webhook reads nothing
    # No Content-Length: the body is counted as it streams in, and refused past the cap.
    url, _ = served
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    kind = (
        "application/json" if path.startswith("/telegram") else "application/x-www-form-urlencoded"
    )
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {kind}\r\n{head}"
        "Transfer-Encoding: chunked\r\n\r\n".encode()
    )
    chunk = b"y" * 100_000
    for _ in range(12):
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 10)
    assert b" 413 " in status
    writer.close()


async def test_a_body_that_trickles_in_is_cut() -> None:
    async def echo(request: Request) -> Response:
        return Response(await request.body())

    routes = [Route("/", echo, methods=["POST"])]
    app = Starlette(routes=routes, middleware=[Middleware(BodyLimit, seconds=0.5)])
    async with serve_asgi(app) as url:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nstart")
        await writer.drain()
        # The rest never comes: the server answers 408 within its deadline and closes.
        status = await asyncio.wait_for(reader.readline(), 10)
        assert b" 408 " in status
        writer.close()


async def test_browser_pages_carry_security_headers(tmp_path: Path) -> None:
    web = create_app(Settings(), f"sqlite:///{tmp_path}/s.db")
    async with serve_asgi(web, lifespan="on") as url, httpx.AsyncClient(base_url=url) as http:
        await _headers_are_set(http)


async def _headers_are_set(http: httpx.AsyncClient) -> None:
    page = await http.get("/dashboard/", headers=BEARER)
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["cache-control"] == "no-store"
    health = await http.get("/healthz")
    assert "content-security-policy" not in health.headers
