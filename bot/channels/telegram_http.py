"""PTB's HTTP transport on aiohttp, and the one place a `telegram.Bot` is built.

PTB's default transport is httpx. Under a room's worth of replies its connection pool checked
every pooled connection on each request (a `getpeername` and a readability poll per connection):
sending took 70 % of `minga serve`'s CPU. aiohttp (already installed with twilio) keeps the same
PTB API — `BaseRequest` is PTB's documented extension point — at a fraction of the cost.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from typing_extensions import override

from bot.channels.telegram_shape import drop_tapped_message
from bot.config import Settings

log = logging.getLogger(__name__)

CONNECT_SECONDS = 5.0
READ_SECONDS = 5.0
MEDIA_SECONDS = 30.0
POOL_SECONDS = 1.0


def _or_default(value: object, default: float | None) -> float | None:
    """PTB passes DEFAULT_NONE for "use the transport's default" and None for "no limit"."""
    if value is BaseRequest.DEFAULT_NONE:
        return default
    return value if isinstance(value, int | float) else None


class AiohttpRequest(BaseRequest):
    """A PTB `BaseRequest` on one aiohttp session with at most `pool_size` connections."""

    def __init__(self, pool_size: int) -> None:
        self.pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None

    @property
    @override
    def read_timeout(self) -> float | None:
        """Return the default read timeout, in seconds."""
        return READ_SECONDS

    @override
    async def initialize(self) -> None:
        """Open the session (inside the running event loop, as aiohttp requires)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.pool_size)
            )

    @override
    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    @override
    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request and return its status and body; map failures to PTB's errors."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        headers = {"User-Agent": self.USER_AGENT}
        data: aiohttp.FormData | str
        if files:
            assert request_data is not None
            data = aiohttp.FormData(request_data.json_parameters)
            for name, (filename, content, *_) in request_data.multipart_data.items():
                data.add_field(name, content, filename=filename)
        else:
            # The same urlencoded body FormData would build, without its multipart writer (a
            # uuid4 boundary per request: 5 % of serve's CPU at a room's pace).
            data = request_data.url_encoded_parameters() if request_data else ""
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        timeout = aiohttp.ClientTimeout(
            total=MEDIA_SECONDS if files else None,
            connect=_or_default(pool_timeout, POOL_SECONDS + CONNECT_SECONDS),
            sock_connect=_or_default(connect_timeout, CONNECT_SECONDS),
            sock_read=_or_default(read_timeout, READ_SECONDS),
        )
        try:
            async with self._session.request(
                method, url, data=data, timeout=timeout, headers=headers
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except (aiohttp.ClientError, asyncio.IncompleteReadError) as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


async def start_bot(bot: Bot) -> None:
    """Initialise the bot; if Telegram is unreachable (hotel Wi-Fi), start anyway.

    `Bot.initialize` asks Telegram who the bot is. Without an answer the app must still come up:
    webhooks are accepted and stored, and replies wait in the outbox until Telegram answers.
    """
    try:
        await bot.initialize()
    except (NetworkError, TimedOut):
        log.warning("Telegram is unreachable at start-up; replies wait until it answers")
        await bot.request.initialize()


class UpdatesRequest(AiohttpRequest):
    """The transport of `getUpdates`, without each tapped button's message.

    See `drop_tapped_message`; `parse_json_payload` is PTB's documented hook.
    """

    @staticmethod
    @override
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """Parse as PTB does, then drop each callback query's `message`."""
        parsed: dict[str, Any] = BaseRequest.parse_json_payload(payload)
        updates = parsed.get("result")
        if isinstance(updates, list):
            for update in updates:
                drop_tapped_message(update)
        return parsed


def bot_link(bot: Bot) -> str:
    """Return the bot's t.me link (bare if Telegram has not told us its name yet)."""
    try:
        username: str = bot.username
    except RuntimeError:  # not initialised: Telegram did not answer at start-up
        username = ""
    return f"https://t.me/{username}"


def telegram_bot(settings: Settings, pool_size: int = 32) -> Bot:
    """Build the `Bot` for MINGA_TELEGRAM_TOKEN and MINGA_TELEGRAM_API_URL on aiohttp."""
    settings.require("telegram_token")
    assert settings.telegram_token is not None
    return Bot(
        settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        request=AiohttpRequest(pool_size),
        get_updates_request=UpdatesRequest(1),
    )
