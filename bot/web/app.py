"""`minga serve`: the HTTP app (Starlette): Telegram webhook and health.

The webhook rejects a request without the right secret token before reading anything else,
handles the update through the same dispatcher as polling, and answers 200 quickly; a
redelivered update is dropped by the dispatcher's dedupe mark.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot, Update

from bot.app import App, open_app
from bot.channels.pacing import SendPacer
from bot.channels.whatsapp import CHANNEL as WHATSAPP
from bot.cli.poll import handle_update
from bot.config import Settings
from bot.followup.reminders import run_reminders
from bot.participants.retention import run_retention
from bot.plumbing import metrics
from bot.plumbing.clock import Clock, SystemClock
from bot.sending.process import SenderProcess
from bot.sending.senders import channel_senders, open_telegram_bot
from bot.web.dashboard import authorised, dashboard_routes
from bot.web.whatsapp import whatsapp_routes

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def create_app(
    settings: Settings,
    database_url: str,
    clock: Clock | None = None,
    pacer: SendPacer | None = None,
    *,
    sender_process: bool = False,
) -> Starlette:
    """Build the ASGI app; channels without their settings are simply not served.

    With `sender_process` the outbox is sent by a child process (`minga serve` does this by
    default, see bot/sender_process.py); tests and embedders send from this process.
    """
    settings.require_dashboard_token()  # an empty or short token would open it to anyone
    if settings.telegram_token is not None:
        settings.require("telegram_webhook_secret")  # a public webhook without it is open
    if settings.twilio_account_sid is not None:
        # Here, not only in the sender: a sender process would otherwise die over it, again
        # and again, while this one served.
        settings.require("twilio_auth_token", "whatsapp_from", "public_url")

    app_clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(web: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            bot = await open_telegram_bot(settings, stack)
            senders = (
                {}
                if sender_process
                else channel_senders(settings, bot, lambda: web.state.app.store, app_clock, pacer)
            )
            app = await stack.enter_async_context(
                open_app(
                    database_url,
                    senders,
                    clock=app_clock,
                    default_locale=settings.locale,
                    flows_dir=settings.flows_dir,
                    facilitators=settings.facilitator_keys(),
                    outbox_batch=settings.outbox_batch,
                    schedule=settings.schedule_policy(),
                )
            )
            child = SenderProcess(database_url) if sender_process else None
            if child is None:
                await app.sender.recover()
            tasks = [
                asyncio.create_task(
                    app.sender.run() if child is None else child.run(), name="outbox sender"
                ),
                asyncio.create_task(app.scheduler.run(), name="scheduler"),
            ]
            if settings.twilio_account_sid is not None:
                tasks.append(
                    asyncio.create_task(run_reminders(app, WHATSAPP), name="whatsapp reminders")
                )
            if settings.retention_months is not None:
                retention = run_retention(app, settings.retention_months)
                tasks.append(asyncio.create_task(retention, name="retention"))
            web.state.app, web.state.bot, web.state.loops = app, bot, tasks
            web.state.sender_process = child
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task

    async def telegram_webhook(request: Request) -> Response:
        secret = settings.telegram_webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        bot: Bot | None = request.app.state.bot
        if (
            bot is None
            or secret is None
            or not hmac.compare_digest(given.encode(), secret.get_secret_value().encode())
        ):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        try:
            update = Update.de_json(await request.json(), bot)
        except (ValueError, TypeError, KeyError):
            return JSONResponse({"error": "not an update"}, status_code=400)
        app: App = request.app.state.app
        await handle_update(app, bot, update, answer_callback=False)
        if update.callback_query is not None:
            # Telegram runs a method given in the webhook's answer: the tap is acknowledged
            # without a request of our own.
            return JSONResponse(
                {"method": "answerCallbackQuery", "callback_query_id": update.callback_query.id}
            )
        return JSONResponse({})

    async def healthz(request: Request) -> Response:
        """200 when the store answers, its schema is current and every loop runs; else 503."""
        app: App = request.app.state.app
        stopped = [task.get_name() for task in request.app.state.loops if task.done()]
        child: SenderProcess | None = request.app.state.sender_process
        if child is not None and not child.running and "outbox sender" not in stopped:
            stopped.append("outbox sender")  # starting, or restarting after it died
        try:
            version = await app.store.schema_version()
            pending = await app.store.pending_migrations()
        except Exception:  # any failure to reach the store is "unhealthy", never a 500 page
            log.exception("health check could not reach the store")
            return JSONResponse({"status": "store unreachable"}, status_code=503)
        body = {
            "status": "ok",
            "schema": version,
            "pending_migrations": pending,
            "stopped": stopped,
        }
        if pending or stopped:
            body["status"] = "migrations pending" if pending else "a loop stopped"
            return JSONResponse(body, status_code=503)
        return JSONResponse(body)

    async def metrics_page(request: Request) -> Response:
        # The dashboard token guards it (Prometheus sends it as a bearer); only an operator who
        # turned the dashboard off and set no token exposes it, e.g. on a private network.
        guarded = settings.dashboard or settings.dashboard_token is not None
        if guarded and not authorised(request, settings):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        app: App = request.app.state.app
        body = await metrics.render(app.store, app.clock.now())
        return Response(body, media_type=metrics.CONTENT_TYPE)

    return Starlette(
        routes=[
            Route("/telegram/webhook", telegram_webhook, methods=["POST"]),
            *whatsapp_routes(settings),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics_page, methods=["GET"]),
            *(dashboard_routes(settings) if settings.dashboard else []),
        ],
        lifespan=lifespan,
    )
