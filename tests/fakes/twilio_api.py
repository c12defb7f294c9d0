"""A fake Twilio REST API: a real HTTP server on 127.0.0.1 that the twilio client talks to.

It implements the Messages resource Minga calls, checks the account's credentials, records
what was sent, and answers with the errors Twilio gives (63016 outside the window, 21610
unsubscribed, 429, 500) when a test asks for them.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.telegram_api import serve_asgi

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-auth-token"


class FakeTwilio:
    """State of the fake: messages created, errors to answer, limits."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        self.by_recipient: dict[str, list[dict[str, str]]] = {}
        self.sent_at: list[float] = []
        # Errors to answer, per recipient ("whatsapp:+…"): (HTTP status, Twilio code), in order.
        self.errors: dict[str, list[tuple[int, int]]] = {}
        # Twilio's sender limit, when set: more than this many a second answers 429 (20429).
        self.per_second: int | None = None
        self.rejected = 0
        self._recent: list[float] = []
        self._inbox: dict[str, asyncio.Event] = {}
        self.next_sid = 1
        self.app = Starlette(
            routes=[
                Route(
                    "/2010-04-01/Accounts/{account}/Messages.json",
                    self.create_message,
                    methods=["POST"],
                )
            ]
        )

    def to(self, address: str) -> list[dict[str, str]]:
        """Messages created for one recipient (an E.164 number, with or without the prefix)."""
        wanted = address if address.startswith("whatsapp:") else f"whatsapp:{address}"
        return list(self.by_recipient.get(wanted, ()))

    async def message_for(self, address: str, after: int, within: float = 10) -> dict[str, str]:
        """Wait for message number `after` to `address`."""

        async def wait() -> dict[str, str]:
            wanted = address if address.startswith("whatsapp:") else f"whatsapp:{address}"
            while len(self.by_recipient.get(wanted, ())) <= after:
                event = self._inbox.setdefault(address.removeprefix("whatsapp:"), asyncio.Event())
                event.clear()
                await event.wait()
            return self.to(address)[after]

        try:
            return await asyncio.wait_for(wait(), within)
        except TimeoutError:
            raise AssertionError(f"no message {after} to {address}: {self.sent[-3:]}") from None

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    def _over_limit(self) -> bool:
        if self.per_second is None:
            return False
        now = time.monotonic()
        self._recent = [t for t in self._recent if t > now - 1.0]
        if len(self._recent) >= self.per_second:
            return True
        self._recent.append(now)
        return False

    async def create_message(self, request: Request) -> JSONResponse:
        if request.path_params["account"] != ACCOUNT_SID or not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        queued = self.errors.get(form.get("To", ""))
        if queued:
            status, code = queued.pop(0)
            return _error(status, code, f"fake error {code}")
        if self._over_limit():
            self.rejected += 1
            return _error(429, 20429, "Too Many Requests")
        sid = f"SM{self.next_sid:032d}"
        self.next_sid += 1
        record = {**form, "sid": sid}
        self.sent.append(record)
        self.by_recipient.setdefault(form.get("To", ""), []).append(record)
        self.sent_at.append(time.monotonic())
        event = self._inbox.get(form.get("To", "").removeprefix("whatsapp:"))
        if event is not None:
            event.set()
        body: dict[str, Any] = {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "to": form.get("To"),
            "from": form.get("From"),
            "body": form.get("Body", ""),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
        }
        return JSONResponse(body, status_code=201)


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status_code=status,
    )


@asynccontextmanager
async def serve_twilio() -> AsyncIterator[tuple[FakeTwilio, str]]:
    """Run the fake on a free port of 127.0.0.1; yield it with its base URL."""
    fake = FakeTwilio()
    async with serve_asgi(fake.app) as url:
        yield fake, url
