"""`minga serve`'s WhatsApp routes: signed webhooks from Twilio for messages and statuses.

Both routes check `X-Twilio-Signature` against MINGA_PUBLIC_URL + the path Twilio called (the
app may sit behind a TLS-terminating proxy and see http://), before anything is stored. Replies
go through the outbox and the REST API, never as inline TwiML, so limits, retries and the
24-hour window are handled in one place; the webhook answers an empty TwiML response.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.app import App
from bot.channels.whatsapp import (
    CHANNEL,
    OUTSIDE_WINDOW,
    UNREACHABLE_CODES,
    inbound_from_form,
    with_window_closed,
)
from bot.config import Settings
from bot.web.twilio_signature import TwilioSignature
from storage import ParticipantKey

log = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
FAILED = frozenset({"failed", "undelivered"})


async def media_file(request: Request) -> Response:
    """Serve a kept image (Twilio fetches it; the token is the only key)."""
    app: App = request.app.state.app
    found = await app.store.media(request.path_params["token"], app.clock.now())
    if found is None:
        return Response("not found", status_code=404, media_type="text/plain")
    content_type, body = found
    return Response(body, media_type=content_type, headers={"Cache-Control": "private"})


async def _signed_form(request: Request, signed: TwilioSignature | None) -> dict[str, str] | None:
    """Return the form if Twilio signed it for our public URL, else None."""
    signature = request.headers.get("X-Twilio-Signature")
    if not signature or signed is None:
        return None
    scope = request.scope
    query = scope["query_string"].decode("latin-1")
    return signed.form(scope["path"], query, await request.body(), signature)


def _forbidden() -> Response:
    return Response("forbidden", status_code=403, media_type="text/plain")


async def whatsapp_webhook(request: Request, signed: TwilioSignature | None) -> Response:
    """Handle one inbound WhatsApp message (a redelivered MessageSid changes nothing)."""
    form = await _signed_form(request, signed)
    if form is None:
        return _forbidden()
    app: App = request.app.state.app
    inbound = inbound_from_form(form, app.clock.now())
    if inbound is not None:
        await app.dispatcher.handle(inbound)
    return Response(EMPTY_TWIML, media_type="text/xml")


async def whatsapp_status(request: Request, signed: TwilioSignature | None) -> Response:
    """Record a delivery report; a closed window resends as the template, STOP marks unreachable."""
    form = await _signed_form(request, signed)
    if form is None:
        return _forbidden()
    app: App = request.app.state.app
    sid, status = form.get("MessageSid"), form.get("MessageStatus", "")
    error = form.get("ErrorCode") or None
    if not sid:
        return Response(status_code=204)
    now = app.clock.now()
    report = await app.store.record_status(CHANNEL, sid, status, error, now)
    if report is None or status not in FAILED or error is None or not error.isdecimal():
        return Response(status_code=204)
    code = int(error)
    if code == OUTSIDE_WINDOW and not report.message.window_closed:
        await app.store.requeue(report.row_id, with_window_closed(report.message), now)
        app.sender.wake()
    elif code in UNREACHABLE_CODES:
        await app.store.set_reachable(ParticipantKey(CHANNEL, report.address), reachable=False)
    return Response(status_code=204)


def whatsapp_routes(settings: Settings) -> list[Route]:
    """Build the WhatsApp routes, bound to the settings (auth token, public URL)."""
    token, public_url = settings.twilio_auth_token, settings.public_url
    signed = None
    if token is not None and public_url is not None:
        signed = TwilioSignature(token.get_secret_value(), public_url)

    async def webhook(request: Request) -> Response:
        return await whatsapp_webhook(request, signed)

    async def status(request: Request) -> Response:
        return await whatsapp_status(request, signed)

    return [
        Route("/whatsapp/webhook", webhook, methods=["POST"]),
        Route("/whatsapp/status", status, methods=["POST"]),
        Route("/media/{token}.png", media_file, methods=["GET"]),
    ]
