"""`minga serve` (and `minga poll`) send from a child process (`minga send`): watched, reaped.

The child is killed alone (the parent starts another and replies flow again, with /healthz
saying so meanwhile), and the parent is killed or stopped (the child must not outlive it).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import open_app
from bot.conversation.inbound import Inbound
from storage import ParticipantKey
from tests.fakes.telegram_api import FakeTelegram, serve_asgi
from tests.support import TEST_DASHBOARD_TOKEN, read, seed_members, serve_process

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads children from /proc"),
]
SECRET = "s"


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has stopped; it only waits for its parent to reap it


async def _health(http: httpx.AsyncClient, port: int) -> tuple[int, dict[str, Any]]:
    response = await http.get(f"http://127.0.0.1:{port}/healthz")
    return response.status_code, response.json()


async def _until(check: Any, what: str, seconds: float = 30) -> Any:
    for _ in range(int(seconds * 10)):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"waited {seconds} s for {what}")


async def _start(tmp_path: Path, api: str, port: int, http: httpx.AsyncClient) -> Any:
    server = serve_process(
        tmp_path / "minga.db", f"{api}/bot", port, None, telegram_webhook_secret=SECRET
    )

    async def healthy() -> bool:
        try:
            return (await _health(http, port))[0] == 200
        except httpx.TransportError:
            return False

    try:
        await _until(healthy, "minga serve to be healthy")
    except AssertionError:
        server.kill()
        raise
    return server


async def _say(fake: FakeTelegram, http: httpx.AsyncClient, port: int, chat: int) -> str:
    seen = len(fake.to(chat))
    fake.says(chat, "/start", "es")
    response = await http.post(
        f"http://127.0.0.1:{port}/telegram/webhook",
        json=fake.take_update(),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status_code == 200
    reply = await fake.reply(chat, seen, within=30)
    return str(reply.get("text", ""))


async def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
    await asyncio.to_thread(server.wait, 30)


async def test_a_dead_sender_is_restarted_and_replies_flow_again(tmp_path: Path) -> None:
    fake = FakeTelegram()
    port = 21000 + os.getpid() % 500
    async with serve_asgi(fake.app) as api, httpx.AsyncClient(timeout=30) as http:
        server = await _start(tmp_path, api, port, http)
        try:
            (child,) = _children(server.pid)
            assert "Minga" in await _say(fake, http, port, 1)  # sent by the child

            os.kill(child, signal.SIGKILL)

            async def reported_down() -> bool:
                code, body = await _health(http, port)
                return code == 503 and "outbox sender" in body["stopped"]

            await _until(reported_down, "/healthz to report the sender down", seconds=10)

            async def replaced() -> list[int]:
                code, _ = await _health(http, port)
                return [c for c in _children(server.pid) if c != child] if code == 200 else []

            await _until(replaced, "a new sender process")
            assert "Minga" in await _say(fake, http, port, 2)

            async def counted() -> bool:
                # The child reports every half second; the first one may have died before it did.
                bearer = {"Authorization": f"Bearer {TEST_DASHBOARD_TOKEN}"}
                page = (await http.get(f"http://127.0.0.1:{port}/metrics", headers=bearer)).text
                line = 'minga_outbox_sends_total{channel="telegram",outcome="sent"}'
                return any(row.startswith(line) for row in page.splitlines())

            await _until(counted, "the sender's counts on the parent's /metrics", seconds=10)
        finally:
            await _stop(server)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
async def test_the_sender_does_not_outlive_its_server(tmp_path: Path, signum: int) -> None:
    fake = FakeTelegram()
    port = 21500 + os.getpid() % 500 + signum
    async with serve_asgi(fake.app) as api, httpx.AsyncClient(timeout=30) as http:
        server = await _start(tmp_path, api, port, http)
        (child,) = _children(server.pid)
        server.send_signal(signum)
        # uvicorn re-raises SIGTERM once it has shut down in order.
        assert await asyncio.to_thread(server.wait, 30) in (0, -signum)

        async def gone() -> bool:
            return not _alive(child)

        await _until(gone, "the sender process to stop with its server", seconds=20)


async def test_minga_send_alone_sends_what_is_queued_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/minga.db"
    await seed_members(url, "SOLO", 5, first=500)
    keys = frozenset({ParticipantKey("telegram", "500")})
    async with open_app(url, {}, facilitators=keys) as app:  # a facilitator's broadcast
        for text in ("/broadcast SOLO", "Mañana a las 9:00.", "sí"):
            await app.dispatcher.handle(Inbound("telegram", "500", "text", app.clock.now(), text))
    fake = FakeTelegram()
    async with serve_asgi(fake.app) as api:
        env = {
            **os.environ,
            "MINGA_DATABASE_URL": url,
            "MINGA_TELEGRAM_TOKEN": "1:a",
            "MINGA_TELEGRAM_API_URL": f"{api}/bot",
        }
        sender = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "send", env=env)
        try:

            async def delivered() -> bool:
                return len([m for m in fake.sent if m.get("text") == "Mañana a las 9:00."]) == 5

            await _until(delivered, "the broadcast to reach all five members")
        finally:
            sender.terminate()
            code = await asyncio.wait_for(sender.wait(), 30)
    assert code == 0
    statuses = await read(url, "SELECT status FROM outbox WHERE dedupe_key LIKE 'broadcast:%'")
    assert statuses == [("sent",)] * 5


async def test_minga_poll_sends_from_its_child_which_stops_when_the_poller_is_killed(
    tmp_path: Path,
) -> None:
    fake = FakeTelegram()
    env = {
        **os.environ,
        "MINGA_DATABASE_URL": f"sqlite:///{tmp_path}/minga.db",
        "MINGA_TELEGRAM_TOKEN": "1:a",
        "MINGA_TELEGRAM_RATE": "100000",
    }
    env.pop("MINGA_SENDER", None)  # the default: a child process
    async with serve_asgi(fake.app) as api:
        env["MINGA_TELEGRAM_API_URL"] = f"{api}/bot"
        poller = _poll_process(env)
        try:

            async def one_child() -> list[int]:
                children = _children(poller.pid)
                # Until its exec, a forked child still shows the poller's command line.
                started = len(children) == 1 and _command(children[0])[-1] != "poll"
                return children if started else []

            (child,) = await _until(one_child, "minga poll to start its sender")
            assert _command(child)[-2:] == ["send", "--child"]
            fake.says(7001, "/start", "es")
            reply = await fake.reply(7001, 0, within=30)
            assert "Minga" in str(reply.get("text", ""))
            poller.kill()
            await asyncio.to_thread(poller.wait, 30)

            async def gone() -> bool:
                return not _alive(child)

            await _until(gone, "the sender to stop with its poller", seconds=20)
        finally:
            if poller.poll() is None:
                poller.kill()


def _poll_process(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "poll"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _command(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]
