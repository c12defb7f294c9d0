"""`minga poll` through the real python-telegram-bot client against a fake Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.cli.poll import run_poll
from bot.config import Settings
from storage import ParticipantKey, open_store
from tests.fakes.telegram_api import FakeTelegram, buttons, serve_fake
from tests.support import FakeClock


@dataclass
class Polling:
    fake: FakeTelegram
    db: str


@pytest.fixture
async def polling(database_url: str) -> AsyncIterator[Polling]:
    async with serve_fake() as (fake, base_url):
        settings = Settings(telegram_token="123:abc", telegram_api_url=base_url)
        stop = asyncio.Event()
        task = asyncio.create_task(run_poll(settings, database_url, stop=stop, poll_timeout=1))
        yield Polling(fake, database_url)
        stop.set()
        await asyncio.wait_for(task, 15)


async def _say(p: Polling, chat: int, text: str, language: str = "es") -> dict:
    seen = len(p.fake.to(chat))
    p.fake.says(chat, text, language)
    return await p.fake.reply(chat, seen)


async def _tap(p: Polling, chat: int, message: dict, label: str, language: str = "es") -> dict:
    seen = len(p.fake.to(chat))
    p.fake.taps(chat, buttons(message)[label], language)
    return await p.fake.reply(chat, seen)


async def test_onboarding_by_polling_in_spanish(polling: Polling) -> None:
    first = await _say(polling, 1001, "/start")
    assert "Soy Minga" in first["text"]
    assert list(buttons(first)) == ["Español", "Português", "English"]
    consent = await _tap(polling, 1001, first, "Español")
    assert "Privacidad" in consent["text"]
    name = await _tap(polling, 1001, consent, "Sí")
    assert "¿Cómo se llama?" in name["text"]
    assert polling.fake.answered, "button taps must be answered"
    await _say(polling, 1001, "Ana")
    country = await _say(polling, 1001, "Cuenca")
    assert "Más opciones ▸" in buttons(country)
    role = await _say(polling, 1001, "Ecuador")
    code = await _tap(polling, 1001, role, "Otro")
    done = await _tap(polling, 1001, code, "No tengo código")
    assert "Todo listo, Ana" in done["text"]


async def test_portuguese_from_the_language_code(polling: Polling) -> None:
    first = await _say(polling, 2002, "/start", language="pt-br")
    assert "Eu sou a Minga" in first["text"]
    assert next(iter(buttons(first))) == "Português"


async def _settled(p: Polling) -> None:
    """Wait until every update was confirmed (offset) and every reply it queued went out."""
    store = await open_store(p.db, FakeClock().now, migrate=False)
    try:
        for _ in range(300):
            counts = await store.outbox_counts()
            if not p.fake.updates and not counts.get("pending") and not counts.get("sending"):
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"not settled: {len(p.fake.updates)} updates, outbox {counts}")
    finally:
        await store.close()


async def test_redelivered_update_is_handled_once(polling: Polling) -> None:
    first = await _say(polling, 3003, "/start")
    consent = await _tap(polling, 3003, first, "Español")
    name = await _tap(polling, 3003, consent, "Sí")
    assert "¿Cómo se llama?" in name["text"]
    # A typed answer (not a tap, which the double-tap guard would drop anyway) redelivered
    # with the same update_id, as Telegram does when the offset was not confirmed.
    seen = len(polling.fake.to(3003))
    update = polling.fake.says(3003, "Ana")
    await polling.fake.reply(3003, seen)
    polling.fake.updates.append(
        {
            "update_id": update,
            "message": {
                "message_id": 99_999,
                "date": 0,
                "chat": {"id": 3003, "type": "private"},
                "from": {"id": 3003, "is_bot": False, "first_name": "Ana", "language_code": "es"},
                "text": "Ana",
            },
        }
    )
    polling.fake._arrived.set()
    await _settled(polling)
    # Handled twice, "Ana" would be the answer to the next question (the municipality).
    assert len(polling.fake.to(3003)) == seen + 1
    store = await open_store(polling.db, FakeClock().now, migrate=False)
    try:
        person = await store.participant(ParticipantKey("telegram", "3003"))
        assert person is not None
        assert person.municipality is None
    finally:
        await store.close()


async def test_photo_and_stale_button_are_reprompted(polling: Polling) -> None:
    first = await _say(polling, 4004, "/start")
    consent = await _tap(polling, 4004, first, "Español")
    seen = len(polling.fake.to(4004))
    polling.fake.says(4004, None, photo=True)
    reply = await polling.fake.reply(4004, seen)
    assert "Solo puedo leer texto" in reply["text"]
    name = await _tap(polling, 4004, consent, "Sí")
    assert "¿Cómo se llama?" in name["text"]
    stale = await _tap(polling, 4004, first, "Português")  # a question two steps back
    assert "botón es de una pregunta anterior" in stale["text"]
    assert "¿Cómo se llama?" in stale["text"]


async def test_blocked_participant_is_marked_unreachable(polling: Polling) -> None:
    await _say(polling, 5005, "/start")
    polling.fake.blocked.add(5005)
    polling.fake.says(5005, "1")
    store = await open_store(polling.db, FakeClock().now, migrate=False)
    try:
        for _ in range(100):
            p = await store.participant(ParticipantKey("telegram", "5005"))
            if p is not None and p.unreachable:
                break
            await asyncio.sleep(0.05)
        assert p is not None
        assert p.unreachable
    finally:
        await store.close()


async def test_group_chats_get_the_private_link_once(polling: Polling) -> None:
    polling.fake.says(-100123, "hola", language="pt-br", sender=6006)
    reply = await polling.fake.reply(-100123, 0)
    assert "Só funciono em conversas privadas" in reply["text"]
    assert "https://t.me/minga_bot" in reply["text"]
    polling.fake.says(-100123, "olá de novo", language="pt-br", sender=6006)
    await _settled(polling)
    assert len(polling.fake.to(-100123)) == 1
    assert len(polling.fake.to(6006)) == 0  # nobody was enrolled from the group


async def test_blocking_and_unblocking_follow_my_chat_member(polling: Polling) -> None:
    await _say(polling, 8008, "/start")
    store = await open_store(polling.db, FakeClock().now, migrate=False)
    key = ParticipantKey("telegram", "8008")

    async def unreachable() -> bool:
        p = await store.participant(key)
        assert p is not None
        return p.unreachable

    try:
        polling.fake.member_status(8008, "kicked")
        for _ in range(100):
            if await unreachable():
                break
            await asyncio.sleep(0.05)
        assert await unreachable()
        polling.fake.member_status(8008, "member")
        for _ in range(100):
            if not await unreachable():
                break
            await asyncio.sleep(0.05)
        assert not await unreachable()
    finally:
        await store.close()


async def test_a_room_writing_at_once_gets_every_reply_without_429(polling: Polling) -> None:
    """90 people send /start in the same second; the limit allows 30 messages a second."""
    polling.fake.limits = True
    chats = list(range(9100, 9190))
    began = asyncio.get_running_loop().time()
    for chat in chats:
        polling.fake.says(chat, "/start")
    for chat in chats:
        reply = await polling.fake.reply(chat, 0, within=20)
        assert "Soy Minga" in reply["text"]
    elapsed = asyncio.get_running_loop().time() - began
    assert polling.fake.rejected == 0
    assert elapsed >= 2.0  # 90 messages at 30 a second take three seconds, not less
