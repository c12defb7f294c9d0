"""The WhatsApp channel on Twilio: render, send within WhatsApp's rules, read webhooks.

Twilio's REST client sends (the outbox calls us, so rate limits, retries and the 24-hour window
live in one place); its errors are mapped here to `SendOutcome`s. A message Minga starts itself
(`Outbound.purpose`) goes only to people who opted in, and outside the 24-hour window as the
purpose's approved template: the real message is held until they answer it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime

from aiohttp import ClientError
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from typing_extensions import override

from bot.channels.base import ChannelSender, SendOutcome
from bot.channels.pacing import SendPacer
from bot.channels.text import split_text
from bot.channels.whatsapp_interactive import interactive
from bot.channels.whatsapp_window import WINDOW
from bot.conversation.inbound import Inbound
from i18n import translator
from storage import PRIORITY_REPLY, Outbound, Participant

CHANNEL = "whatsapp"
PREFIX = "whatsapp:"
MAX_BODY = 1600
# The quick reply of every template carries this payload: "go on with what you held for me".
CONTINUE_PAYLOAD = "minga.continue"
OPT_OUT_WORDS = frozenset({"STOP", "BAJA", "PARAR", "SAIR", "CANCELAR", "UNSUBSCRIBE"})
OUTSIDE_WINDOW = 63016
# Unsubscribed (the person sent STOP to the sender), not a valid or WhatsApp number.
UNREACHABLE_CODES = frozenset({21610, 21211, 21614, 63003, 63024})
RATE_CODES = frozenset({20429, 63018})

People = Callable[[str], Awaitable[Participant | None]]
# Keeps an image where Twilio can fetch it and returns its public URL.
MediaHost = Callable[[bytes, str], Awaitable[str]]  # (png, the address it goes to) -> URL


def render_body(message: Outbound, default_locale: str = "es") -> str:
    """Render the text with its choices as a numbered list and how to answer them."""
    if not message.choices:
        return message.text
    tr = translator(message.locale or default_locale)
    lines = [message.text, ""]
    lines += [f"{n}. {choice.label}" for n, choice in enumerate(message.choices, start=1)]
    hint = (
        tr.gettext("Reply with the numbers, separated by commas.")
        if message.multi
        else tr.gettext("Reply with the number of your choice.")
    )
    return "\n".join([*lines, "", hint])


def outside_window(last_inbound: datetime | None, now: datetime) -> bool:
    """Tell whether free-form messages can no longer reach this person."""
    return last_inbound is None or now - last_inbound >= WINDOW


class WhatsAppSender(ChannelSender):
    """Send outbox messages through Twilio's Messages API."""

    channel = CHANNEL

    def __init__(
        self,
        client: Client,
        sender: str,
        *,
        pacer: SendPacer,
        people: People,
        now: Callable[[], datetime],
        templates: Mapping[str, str] | None = None,
        status_callback: str | None = None,
        default_locale: str = "es",
        media: MediaHost | None = None,
        button_templates: Mapping[int, str] | None = None,
        list_templates: Mapping[int, str] | None = None,
    ) -> None:
        self.client = client
        self.sender = sender if sender.startswith(PREFIX) else PREFIX + sender
        self.pacer = pacer
        self.people = people
        self.now = now
        self.templates = dict(templates or {})
        self.status_callback = status_callback
        self.default_locale = default_locale
        self.media = media
        self.button_templates = dict(button_templates or {})
        self.list_templates = dict(list_templates or {})

    @override
    async def send(
        self, address: str, message: Outbound, priority: int = PRIORITY_REPLY
    ) -> SendOutcome:
        if message.purpose is not None or message.window_closed:
            person = await self.people(address)
            if person is None or person.consent is not True:
                return SendOutcome.failed("no WhatsApp opt-in: Minga may not write first")
            if message.window_closed or outside_window(person.last_inbound_at, self.now()):
                return await self._template(address, message, person, priority)
        try:
            content = None
            if message.image_png is None:
                tr = translator(message.locale or self.default_locale)
                content = interactive(message, tr, self.button_templates, self.list_templates)
            if content is not None:
                sid = await self._create(
                    address,
                    priority,
                    content_sid=content.content_sid,
                    content_variables=content.variables_json(),
                )
                return SendOutcome.sent(sid)
            sid = ""
            bodies = split_text(render_body(message, self.default_locale), MAX_BODY)
            if message.image_png is not None and self.media is not None:
                url = await self.media(message.image_png, address)
                # The image goes with the first piece of text as its caption.
                sid = await self._create(address, priority, body=bodies[0], media_url=[url])
                bodies = bodies[1:]
            for body in bodies:
                sid = await self._create(address, priority, body=body)
        except TwilioRestException as exc:
            if exc.code == OUTSIDE_WINDOW and not message.window_closed:
                # Again as the template, through the same opt-in check as any message we start.
                return await self.send(address, with_window_closed(message), priority)
            return _outcome(exc)
        except (ClientError, TimeoutError) as exc:
            return SendOutcome.retry(f"twilio network: {type(exc).__name__}")
        return SendOutcome.sent(sid)

    async def _template(
        self, address: str, message: Outbound, person: Participant, priority: int
    ) -> SendOutcome:
        purpose = message.purpose or "flow"
        content_sid = self.templates.get(purpose)
        if content_sid is None:
            return SendOutcome.failed(f"outside the 24-hour window and no {purpose} template")
        variables = json.dumps({"1": person.name or ""})
        try:
            sid = await self._create(
                address, priority, content_sid=content_sid, content_variables=variables
            )
        except TwilioRestException as exc:
            return _outcome(exc)
        except (ClientError, TimeoutError) as exc:
            return SendOutcome.retry(f"twilio network: {type(exc).__name__}")
        return SendOutcome.held(sid, f"sent as the {purpose} template; held for the answer")

    async def _create(self, address: str, priority: int, **content: str | list[str]) -> str:
        extra: dict[str, str] = {}
        if self.status_callback is not None:
            extra["status_callback"] = self.status_callback
        async with self.pacer.slot(address, priority):
            created = await self.client.messages.create_async(
                to=PREFIX + address, from_=self.sender, **content, **extra
            )
        return str(created.sid)

    @override
    async def close(self) -> None:
        http = self.client.http_client
        close = getattr(http, "close", None)
        if close is not None:
            await close()


def _outcome(exc: TwilioRestException) -> SendOutcome:
    code = f"twilio {exc.status}/{exc.code}"
    if exc.code in UNREACHABLE_CODES:
        return SendOutcome.unreachable(code)
    if exc.status == 429 or exc.code in RATE_CODES or exc.status >= 500:
        return SendOutcome.retry(code)
    return SendOutcome.failed(code)


def inbound_from_form(form: Mapping[str, str], now: datetime) -> Inbound | None:
    """Turn Twilio's webhook form into an `Inbound`; None for what is not a person's message."""
    sid = form.get("MessageSid") or form.get("SmsMessageSid")
    sender = form.get("From", "")
    if not sid or not sender.startswith(PREFIX):
        return None
    address = sender.removeprefix(PREFIX)
    body = form.get("Body", "")
    # A quick-reply button sends its id as ButtonPayload, a list-picker row as ListId.
    payload = form.get("ButtonPayload") or form.get("ListId")
    common = {
        "external_id": sid,
        "profile_name": form.get("ProfileName"),
        # WhatsApp says nothing of the phone's language; Brazil's numbers start with +55.
        "language_hint": "pt-BR"
        if form.get("WaId", address.lstrip("+")).startswith("55")
        else None,
    }
    if payload == CONTINUE_PAYLOAD:
        return Inbound(CHANNEL, address, "resume", now, **common)
    if payload:
        # The id of one of our choices, as a Telegram button's data: a stale one is recognised.
        return Inbound(CHANNEL, address, "choice", now, choice=payload, **common)
    if int(form.get("NumMedia") or 0) > 0 and not body.strip():
        return Inbound(CHANNEL, address, "media", now, **common)
    if body.strip().upper() in OPT_OUT_WORDS:
        return Inbound(CHANNEL, address, "text", now, text="/stop", **common)
    return Inbound(CHANNEL, address, "text", now, text=body, **common)


def with_window_closed(message: Outbound) -> Outbound:
    """Mark a message to go as its template (WhatsApp said the window is closed)."""
    return replace(message, window_closed=True)
