"""`getUpdates` answers are read without the tapped button's message (Minga never reads it)."""

from __future__ import annotations

import json

from telegram import Update

from bot.channels.telegram import inbound_from_update
from bot.channels.telegram_http import UpdatesRequest
from tests.support import FakeClock


def test_a_tap_keeps_what_minga_reads_and_loses_the_message_it_was_on() -> None:
    tap = {
        "update_id": 7,
        "callback_query": {
            "id": "q1",
            "from": {"id": 42, "is_bot": False, "first_name": "Ana", "language_code": "es"},
            "chat_instance": "c",
            "data": "flow:opt:3",
            "message": {"message_id": 9, "date": 0, "chat": {"id": 42, "type": "private"},
                        "text": "¿Cuánto?", "reply_markup": {"inline_keyboard": [[
                            {"text": "3", "callback_data": "flow:opt:3"}]]}},
        },
    }  # fmt: skip
    text = {"update_id": 8, "message": {"message_id": 10, "date": 0, "text": "hola",
            "chat": {"id": 42, "type": "private"}, "from": {"id": 42, "is_bot": False,
            "first_name": "Ana"}}}  # fmt: skip
    payload = json.dumps({"ok": True, "result": [tap, text, "odd"]}).encode()

    parsed = UpdatesRequest.parse_json_payload(payload)

    first, second, odd = parsed["result"]
    assert "message" not in first["callback_query"]
    assert (second, odd) == (text, "odd")
    inbound = inbound_from_update(Update.de_json(first, None), FakeClock().now())
    assert inbound is not None
    assert (inbound.kind, inbound.address, inbound.choice) == ("choice", "42", "flow:opt:3")
    assert (inbound.external_id, inbound.language_hint) == ("7", "es")
