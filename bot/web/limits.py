"""Every request's body is capped and read under a deadline, before any route parses it.

A Bot API update or a Twilio webhook is a few kilobytes, a dashboard form less: 1 MB is
generous. A larger body is refused with 413 before it is held in memory (by its Content-Length,
or as it streams in), and a body that trickles in slower than the deadline is cut with 408, so a
few slow or huge requests cannot exhaust the process that serves everyone.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 1024 * 1024
BODY_SECONDS = 15.0


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: refuse bodies over `max_bytes` (413) and bodies too slow to arrive (408)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = MAX_BODY_BYTES,
        seconds: float = BODY_SECONDS,
        larger: Sequence[tuple[str, int]] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.seconds = seconds
        # Paths (regular expressions) that take more: the dashboard's form upload.
        self.larger = [(re.compile(pattern), size) for pattern, size in larger]

    def limit(self, path: str) -> int:
        """Return how large a body this path takes."""
        return next((size for p, size in self.larger if p.fullmatch(path)), self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse what is declared too large; cap and time what streams in."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.limit(scope.get("path", ""))
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            await _refuse(send, 413, b"request body too large")
            return
        limited = _LimitedReceive(receive, cap, self.seconds)
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watched_send)
        except _TooLarge:
            if not started:
                await _refuse(send, 413, b"request body too large")
        except TimeoutError:
            if not started:
                await _refuse(send, 408, b"request body too slow")


class _LimitedReceive:
    """Count body bytes as they arrive and give up on a body that takes too long in all."""

    def __init__(self, receive: Receive, max_bytes: int, seconds: float) -> None:
        self.receive = receive
        self.max_bytes = max_bytes
        self.seen = 0
        self.deadline = asyncio.get_running_loop().time() + seconds

    async def __call__(self) -> Message:
        if self.deadline == float("inf"):
            return await self.receive()
        left = self.deadline - asyncio.get_running_loop().time()
        message = await asyncio.wait_for(self.receive(), max(left, 0.001))
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.max_bytes:
                raise _TooLarge
            if not message.get("more_body", False):
                self.deadline = float("inf")  # read whole: later receives wait for a disconnect
        return message


async def _refuse(send: Send, status: int, text: bytes) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text})
