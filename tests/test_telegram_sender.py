"""The Telegram sender against the fake Bot API: splitting, photos, keyboards, error mapping."""

from __future__ import annotations

from dataclasses import replace

from telegram import Bot, InlineKeyboardMarkup

from bot.channels.pacing import SendPacer
from bot.channels.telegram import TelegramSender, keyboard
from storage import Choice, Outbound
from tests.fakes.telegram_api import buttons, serve_fake


def _fast() -> SendPacer:
    return SendPacer(per_second=1000, per_address=1000, burst=10)


async def test_long_text_is_split_with_the_keyboard_on_the_last_piece() -> None:
    async with serve_fake() as (fake, url), Bot("1:a", base_url=url) as bot:
        text = "\n\n".join(f"Párrafo {n}. " + "palabra " * 300 for n in range(4))
        outcome = await TelegramSender(bot, _fast()).send(
            "11", Outbound(text, (Choice("r.0", "Sí"), Choice("r.1", "No")))
        )
    assert outcome.state == "sent"
    sent = fake.to(11)
    assert len(sent) >= 2
    assert all(len(m["text"]) <= 4096 for m in sent)
    assert all("reply_markup" not in m for m in sent[:-1])
    assert buttons(sent[-1]) == {"Sí": "r.0", "No": "r.1"}


async def test_charts_go_as_photos_with_their_caption() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    async with serve_fake() as (fake, url), Bot("1:a", base_url=url) as bot:
        outcome = await TelegramSender(bot, _fast()).send(
            "12", Outbound("Sus resultados en un gráfico.", image_png=png)
        )
    assert outcome.state == "sent"
    (photo,) = fake.to(12)
    assert photo["method"] == "sendPhoto"
    assert photo["caption"] == "Sus resultados en un gráfico."


async def test_the_outcome_carries_the_id_telegram_gave_the_message() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    async with serve_fake() as (fake, url), Bot("1:a", base_url=url) as bot:
        sender = TelegramSender(bot, _fast())
        fake.next_message = 500
        text = await sender.send("17", Outbound("hola", (Choice("r.0", "Sí"),)))
        split = await sender.send("17", Outbound("\n\n".join(["palabra " * 400] * 3)))
        photo = await sender.send("17", Outbound("Gráfico", image_png=png))
    assert text.external_id == "500"
    assert split.external_id == str(500 + len(fake.to(17)) - 2)  # the last piece's id
    assert photo.external_id == str(500 + len(fake.to(17)) - 1)
    assert [m["method"] for m in fake.to(17)][-1] == "sendPhoto"


async def test_a_likert_scale_is_one_row() -> None:
    scale = tuple(Choice(f"r.{n}", str(n + 1)) for n in range(5))
    async with serve_fake() as (fake, url), Bot("1:a", base_url=url) as bot:
        await TelegramSender(bot, _fast()).send("13", Outbound("¿?", scale, scale=True))
    (message,) = fake.to(13)
    assert len(message["reply_markup"]["inline_keyboard"]) == 1


async def test_blocked_is_unreachable_and_429_is_retry_with_a_pause() -> None:
    async with serve_fake() as (fake, url), Bot("1:a", base_url=url) as bot:
        sender = TelegramSender(bot, _fast())
        fake.blocked.add(14)
        blocked = await sender.send("14", Outbound("hola"))
        fake.limits = True
        fake._times = [10**9] * 30  # the fake believes 30 messages just went out
        limited = await sender.send("15", Outbound("hola"))
    assert blocked.state == "unreachable"
    assert limited.state == "retry"
    assert limited.retry_after == 1
    assert sender.pacer._paused_until > 0


async def test_documents_go_as_files_with_a_caption() -> None:
    async with serve_fake() as (fake, url), Bot("1:a", base_url=url) as bot:
        outcome = await TelegramSender(bot, _fast()).send(
            "16", Outbound("Datos del taller.", document=b"PK\x03\x04", document_name="m.zip")
        )
    assert outcome.state == "sent"
    (document,) = fake.to(16)
    assert document["method"] == "sendDocument"
    assert document["caption"] == "Datos del taller."


def test_the_keyboard_serializes_as_ptb_would() -> None:
    labels = ["Sí", "No", "Una etiqueta bastante larga para una fila", "Otra", "🙂"]
    message = Outbound("¿?", tuple(Choice(f"r.{n}", label) for n, label in enumerate(labels)))
    for scale in (False, True):
        markup = keyboard(replace(message, scale=scale))
        assert markup is not None
        generic = InlineKeyboardMarkup(markup.inline_keyboard)
        assert markup.to_dict() == generic.to_dict()
