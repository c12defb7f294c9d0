"""Build the WhatsApp sender from the settings, and the host that keeps its images."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from twilio.rest import Client

from bot.channels.pacing import SendPacer
from bot.channels.twilio_http import RebasedTwilioHttpClient
from bot.channels.whatsapp import MediaHost, People, WhatsAppSender
from bot.channels.whatsapp_interactive import parse_counts
from bot.config import Settings
from storage import Store


def whatsapp_sender(
    settings: Settings,
    people: People,
    now: Callable[[], datetime],
    media: MediaHost | None = None,
) -> WhatsAppSender:
    """Build the sender from MINGA_TWILIO_* and MINGA_WHATSAPP_* settings."""
    settings.require("twilio_auth_token", "whatsapp_from", "public_url")
    assert settings.twilio_account_sid is not None
    assert settings.twilio_auth_token is not None
    assert settings.whatsapp_from is not None
    assert settings.public_url is not None
    client = Client(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        http_client=RebasedTwilioHttpClient(settings.twilio_api_url),
    )
    templates = {
        purpose: sid
        for purpose, sid in (
            ("broadcast", settings.whatsapp_template_broadcast),
            ("checkin", settings.whatsapp_template_checkin),
            ("flow", settings.whatsapp_template_flow),
            ("reminder", settings.whatsapp_template_reminder),
        )
        if sid
    }
    return WhatsAppSender(
        client,
        settings.whatsapp_from,
        pacer=SendPacer(per_second=settings.whatsapp_rate, per_address=1000.0, burst=10),
        people=people,
        now=now,
        templates=templates,
        status_callback=settings.public_url.rstrip("/") + "/whatsapp/status",
        default_locale=settings.locale,
        media=media,
        button_templates=parse_counts(settings.whatsapp_button_templates),
        list_templates=parse_counts(settings.whatsapp_list_templates),
    )


def media_host(
    settings: Settings, store: Callable[[], Store], now: Callable[[], datetime]
) -> MediaHost:
    """Keep images in the store under an unguessable token; Twilio fetches them by URL."""
    assert settings.public_url is not None
    base = settings.public_url.rstrip("/")

    async def host(png: bytes, address: str) -> str:
        token = secrets.token_urlsafe(24)
        await store().put_media(token, "image/png", png, now(), owner=address)
        return f"{base}/media/{token}.png"

    return host
