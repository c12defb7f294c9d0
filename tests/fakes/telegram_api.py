"""A fake Telegram Bot API: a real HTTP server on 127.0.0.1 that PTB talks to.

It implements the methods Minga calls, records what was sent, feeds updates to getUpdates,
and answers 403 for chats that blocked the bot.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BOT_USER = {"id": 42, "is_bot": True, "first_name": "Minga", "username": "minga_bot"}


class FakeTelegram:
    """State of the fake: queued updates, sent messages, blocked chats."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.sent_at: list[float] = []  # time.monotonic() of each accepted send, for load tests
        self.answered: list[str] = []
        self.blocked: set[int] = set()
        self.by_chat: dict[int, list[dict[str, Any]]] = {}
        self.commands: dict[str, list[dict[str, str]]] = {}
        # Telegram's limits, enforced when `limits` is on: 30 a second, 3 a second per chat.
        self.limits = False
        self.rejected = 0
        self._times: list[float] = []
        self._chat_times: dict[int, list[float]] = {}
        self.webhook: dict[str, str] = {}
        self.next_update = 1
        self.next_message = 1
        self._arrived = asyncio.Event()
        self._inbox: dict[int, asyncio.Event] = {}
        self.app = Starlette(
            routes=[Route("/bot{token}/{method}", self.endpoint, methods=["POST", "GET"])]
        )

    # -- what tests do ----------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> int:
        update_id = self.next_update
        self.next_update += 1
        self.updates.append({"update_id": update_id, **update})
        self._arrived.set()
        return update_id

    def take_update(self) -> dict[str, Any]:
        """Remove and return the newest queued update (to deliver it by webhook instead)."""
        return self.updates.pop()

    def says(
        self,
        chat: int,
        text: str | None,
        language: str = "es",
        photo: bool = False,
        sender: int | None = None,
    ) -> int:
        """Queue a message from a person; a negative chat id is a group, as on Telegram."""
        message: dict[str, Any] = {
            "message_id": self.next_message,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private" if chat > 0 else "supergroup"},
            "from": {
                "id": sender or chat,
                "is_bot": False,
                "first_name": "Ana",
                "language_code": language,
            },
        }
        self.next_message += 1
        if photo:
            message["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
        else:
            message["text"] = text
            if text and text.startswith("/"):
                # As Telegram marks a command (python-telegram-bot's CommandHandler needs it).
                length = len(text.split()[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.push({"message": message})

    def taps(self, chat: int, data: str, language: str = "es") -> int:
        return self.push(
            {
                "callback_query": {
                    "id": f"cq{self.next_update}",
                    "chat_instance": "ci",
                    "data": data,
                    "from": {
                        "id": chat,
                        "is_bot": False,
                        "first_name": "Ana",
                        "language_code": language,
                    },
                    "message": {
                        "message_id": 1,
                        "date": int(time.time()),
                        "chat": {"id": chat, "type": "private"},
                    },
                }
            }
        )

    def member_status(self, chat: int, status: str) -> int:
        """Queue a `my_chat_member` update: "kicked" when a person blocks the bot."""
        person = {"id": chat, "is_bot": False, "first_name": "Ana"}
        old = "member" if status == "kicked" else "kicked"
        return self.push(
            {
                "my_chat_member": {
                    "chat": {"id": chat, "type": "private"},
                    "from": person,
                    "date": int(time.time()),
                    "old_chat_member": {
                        "status": old,
                        "user": BOT_USER,
                        **({"until_date": 0} if old == "kicked" else {}),
                    },
                    "new_chat_member": {
                        "status": status,
                        "user": BOT_USER,
                        **({"until_date": 0} if status == "kicked" else {}),
                    },
                }
            }
        )

    async def webhook_answered(self, body: dict[str, Any]) -> None:
        """Run the method a webhook answer carries, as Telegram does (e.g. answerCallbackQuery)."""
        method = body.get("method")
        if method is not None:
            params = {k: str(v) for k, v in body.items() if k != "method"}
            await getattr(self, f"api_{method}")(params)

    def to(self, chat: int) -> list[dict[str, Any]]:
        return list(self.by_chat.get(chat, []))

    async def message_for(self, chat: int, after: int) -> dict[str, Any]:
        """Wait, without polling, for message number `after` to `chat` (for load tests)."""
        while len(self.by_chat.get(chat, [])) <= after:
            event = self._inbox.setdefault(chat, asyncio.Event())
            event.clear()
            await event.wait()
        return self.by_chat[chat][after]

    async def reply(self, chat: int, after: int, within: float = 10) -> dict[str, Any]:
        """Wait for the first message to `chat` beyond the `after` already seen."""
        try:
            return await asyncio.wait_for(self.message_for(chat, after), within)
        except TimeoutError:
            raise AssertionError(f"no reply to {chat}; sent: {self.sent[-3:]}") from None

    # -- the Bot API ------------------------------------------------------------------------

    async def endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        form = await request.form()
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return JSONResponse(
                {"ok": False, "error_code": 404, "description": f"Not Found: {method}"},
                status_code=404,
            )
        return await handler(params)

    async def api_getMe(self, params: dict[str, str]) -> JSONResponse:
        return JSONResponse({"ok": True, "result": BOT_USER})

    async def api_getUpdates(self, params: dict[str, str]) -> JSONResponse:
        offset = int(params.get("offset", 0) or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self._arrived.clear()
            timeout = min(float(params.get("timeout", 0) or 0), 0.5)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout)
        return JSONResponse({"ok": True, "result": self.updates[:100]})

    async def _send(self, params: dict[str, str], kind: str) -> JSONResponse:
        chat = int(params["chat_id"])
        if chat in self.blocked:
            return JSONResponse(
                {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                },
                status_code=403,
            )
        if self.limits and self._over_limit(chat):
            self.rejected += 1
            return JSONResponse(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                },
                status_code=429,
            )
        record = {"method": kind, **params}
        if "reply_markup" in params:
            record["reply_markup"] = json.loads(params["reply_markup"])
        self.sent.append(record)
        self.sent_at.append(time.monotonic())
        self.by_chat.setdefault(chat, []).append(record)
        waiter = self._inbox.get(chat)
        if waiter is not None:
            waiter.set()
        message = {
            "message_id": self.next_message,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "text": params.get("text", ""),
        }
        self.next_message += 1
        return JSONResponse({"ok": True, "result": message})

    def _over_limit(self, chat: int) -> bool:
        now = time.monotonic()
        self._times = [t for t in self._times if t > now - 1.0]
        mine = [t for t in self._chat_times.get(chat, []) if t > now - 1.0]
        if len(self._times) >= 30 or len(mine) >= 3:
            return True
        self._times.append(now)
        self._chat_times[chat] = [*mine, now]
        return False

    async def api_sendMessage(self, params: dict[str, str]) -> JSONResponse:
        return await self._send(params, "sendMessage")

    async def api_sendPhoto(self, params: dict[str, str]) -> JSONResponse:
        return await self._send(params, "sendPhoto")

    async def api_sendDocument(self, params: dict[str, str]) -> JSONResponse:
        return await self._send(params, "sendDocument")

    async def api_setMyCommands(self, params: dict[str, str]) -> JSONResponse:
        self.commands[params.get("language_code", "")] = json.loads(params["commands"])
        return JSONResponse({"ok": True, "result": True})

    async def api_setWebhook(self, params: dict[str, str]) -> JSONResponse:
        self.webhook = params
        return JSONResponse({"ok": True, "result": True})

    async def api_deleteWebhook(self, params: dict[str, str]) -> JSONResponse:
        self.webhook = {}
        return JSONResponse({"ok": True, "result": True})

    async def api_answerCallbackQuery(self, params: dict[str, str]) -> JSONResponse:
        self.answered.append(params["callback_query_id"])
        return JSONResponse({"ok": True, "result": True})


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """Map each button label of a sent message to its callback data."""
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


@asynccontextmanager
async def serve_asgi(app: Any, lifespan: str = "off") -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on a free port of 127.0.0.1; yield its base URL."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP,
    # and without it every response waited 40 ms for a delayed ACK (uvloop sets it anyway).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
        assert not task.done(), "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def serve_fake() -> AsyncIterator[tuple[FakeTelegram, str]]:
    """Run the fake on a free port of 127.0.0.1; yield it with the base URL for PTB."""
    fake = FakeTelegram()
    async with serve_asgi(fake.app) as url:
        yield fake, f"{url}/bot"
