"""The projector view `GET /live/CODE`, its Server-Sent Events, and `GET /api/prompts/ID`.

The page and its events open with the workshop's projector link (`?key=…`, read-only, revocable)
or the dashboard token (bearer or the login cookie). Everything the page needs is served here:
no CDN and no web font from outside, for hotel Wi-Fi.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import qrcode
import qrcode.image.svg
from sse_starlette.sse import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.app import App
from bot.config import Settings
from bot.drawing.poster import telegram_link, whatsapp_link
from bot.live.hub import LiveHub
from bot.live.screens import prompt_summary
from bot.web.auth import authorised
from bot.web.pages import page
from i18n import translator
from storage import Cohort

PING_SECONDS = 15  # keeps proxies from closing a quiet stream
RETRY_MS = 1000


def live_routes(settings: Settings) -> list[Route | Mount]:
    """Build the projector's routes and the static files its page loads."""
    return [
        Route("/live/{code}", live_page, methods=["GET"]),
        Route("/live/{code}/events", live_events, methods=["GET"]),
        Route("/api/prompts/{prompt_id}", prompt_json, methods=["GET"]),
        Mount("/static", StaticFiles(packages=[("bot.web", "static")]), name="static"),
    ]


async def _viewer(request: Request) -> tuple[App, Cohort] | Response:
    """Return the workshop if the request may watch it (its link's key, or the dashboard)."""
    app: App = request.app.state.app
    settings: Settings = request.app.state.settings
    cohort = await app.store.cohort_by_code(request.path_params["code"])
    key = request.query_params.get("key", "")
    if cohort is not None and key:
        link = await app.store.live_link(key)
        if link is not None and link.cohort_id == cohort.id and link.revoked_at is None:
            return app, cohort
    if not authorised(request, settings):
        return PlainTextResponse("This link is not valid (or was revoked).", status_code=401)
    if cohort is None:
        return PlainTextResponse("not found", status_code=404)
    return app, cohort


async def live_page(request: Request) -> Response:
    """Serve the projector page; it fills itself from the event stream."""
    found = await _viewer(request)
    if isinstance(found, Response):
        return found
    _, cohort = found
    settings: Settings = request.app.state.settings
    tr = translator(cohort.locale)
    key = request.query_params.get("key")
    events = f"/live/{cohort.code}/events" + (f"?key={key}" if key else "")
    response = page(
        "live.html",
        tr,
        cohort=cohort,
        events=events,
        qr=_join_qr(cohort, settings),
        whatsapp=(settings.whatsapp_from or "").removeprefix("whatsapp:") or None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _join_qr(cohort: Cohort, settings: Settings) -> str | None:
    """Draw the join link as an inline SVG QR code (Telegram's if set, else WhatsApp's)."""
    tr = translator(cohort.locale)
    if settings.telegram_bot_username:
        link = telegram_link(settings.telegram_bot_username, cohort.code)
    elif settings.whatsapp_from:
        link = whatsapp_link(settings.whatsapp_from, cohort.code, tr)
    else:
        return None
    image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]  # inline: without the XML declaration


async def live_events(request: Request) -> Response:
    """Stream the workshop's screen: now, and again at every change."""
    found = await _viewer(request)
    if isinstance(found, Response):
        return found
    _, cohort = found
    hub: LiveHub = request.app.state.live

    async def screens() -> AsyncIterator[dict[str, str | int]]:
        async for payload in hub.watch(cohort.id):
            # A browser that loses the stream (serve restarting) tries again after a second.
            yield {"data": payload, "retry": RETRY_MS}

    return EventSourceResponse(screens(), ping=PING_SECONDS, headers={"Cache-Control": "no-store"})


async def prompt_json(request: Request) -> Response:
    """Answer a prompt's results as JSON, for the dashboard token only."""
    settings: Settings = request.app.state.settings
    if not authorised(request, settings):
        return JSONResponse({"error": "unauthorized"}, status_code=401)
    app: App = request.app.state.app
    prompt = await app.store.prompt(request.path_params["prompt_id"])
    if prompt is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    cohort = await app.store.cohort_by_id(prompt.cohort_id)
    locale = cohort.locale if cohort else settings.locale
    body = await prompt_summary(app.store, prompt, locale)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
