"""What a Telegram update must look like before anything reads it.

The webhook is authenticated by its secret, but a bug, a proxy or a leaked secret can still
post JSON that is not an update: null, a list, a text that is a number, a chat id that is a
word. PTB's `Update.de_json` accepts much of that as it is, and a chat id "abc" would become
a participant. The fields Minga reads are checked here; anything else is the webhook's 400.
"""

from __future__ import annotations

from typing import Any

# The parts of an update Minga acts on; each holds a chat and a sender.
_MESSAGES = ("message", "edited_message")


def update_problem(body: Any) -> str | None:
    """Return what is wrong with a decoded update body, or None when Minga can read it."""
    if not isinstance(body, dict):
        return "an update is a JSON object"
    if not _integer(body.get("update_id")):
        return "update_id must be an integer"
    for key in _MESSAGES:
        if key in body:
            problem = _message_problem(body[key])
            if problem:
                return f"{key}: {problem}"
    if "callback_query" in body:
        query = body["callback_query"]
        if not isinstance(query, dict) or not isinstance(query.get("id"), str):
            return "callback_query needs a string id"
        if not _user(query.get("from")):
            return "callback_query.from must be a user"
        if "data" in query and not isinstance(query["data"], str):
            return "callback_query.data must be a string"
        if "message" in query and not _chat(query["message"]):
            return "callback_query.message needs a chat"
    if "my_chat_member" in body and not _chat(body["my_chat_member"]):
        return "my_chat_member needs a chat"
    return None


def _message_problem(message: Any) -> str | None:
    if not isinstance(message, dict) or not _chat(message):
        return "a message needs a chat with an integer id"
    if "from" in message and not _user(message["from"]):
        return "from must be a user with an integer id"
    for field in ("text", "caption"):
        if field in message and not isinstance(message[field], str):
            return f"{field} must be a string"
    return None


def _chat(holder: Any) -> bool:
    chat = holder.get("chat") if isinstance(holder, dict) else None
    return isinstance(chat, dict) and _integer(chat.get("id")) and isinstance(chat.get("type"), str)


def _user(user: Any) -> bool:
    if not isinstance(user, dict) or not _integer(user.get("id")):
        return False
    texts = ("first_name", "language_code", "username")
    return all(isinstance(user[key], str) for key in texts if key in user)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def drop_tapped_message(update: Any) -> None:
    """Drop a callback query's `message` (the one the tapped button was on), in place.

    Minga reads only the button's data, the query's id and who tapped; PTB building that
    message, keyboard and all, into objects was a sixth of `minga poll`'s CPU.
    """
    query = update.get("callback_query") if isinstance(update, dict) else None
    if isinstance(query, dict):
        query.pop("message", None)
