"""`minga serve`: the HTTP app (Starlette) and the loops that run beside it.

Routes: the Telegram and WhatsApp webhooks, health and metrics, the dashboard. The lifespan
opens the app (store, flows, dispatcher) and starts the outbox sender (a child process by
default), the scheduler, WhatsApp reminders and retention.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager, suppress
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware

from bot.app import App, open_app
from bot.channels.pacing import SendPacer
from bot.channels.whatsapp import CHANNEL as WHATSAPP
from bot.config import Settings
from bot.followup.reminders import run_reminders
from bot.live.hub import LiveHub
from bot.live.screens import build_screen
from bot.participants.retention import run_retention
from bot.plumbing.clock import Clock, SystemClock
from bot.plumbing.memory import freeze_startup_objects
from bot.sending.process import SenderProcess, start_sending
from bot.sending.senders import channel_senders, open_telegram_bot
from bot.web.charts import chart_routes
from bot.web.dashboard import dashboard_routes
from bot.web.forms import UPLOAD_BYTES, UPLOAD_PATH, form_routes
from bot.web.headers import SecurityHeaders
from bot.web.health import health_routes
from bot.web.limits import BodyLimit
from bot.web.live import live_routes
from bot.web.room import room_routes
from bot.web.telegram import telegram_routes
from bot.web.whatsapp import whatsapp_routes


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
    default, see bot/sending/process.py); tests and embedders send from this process.
    """
    settings.require_dashboard_token()  # an empty or short token would open it to anyone
    if settings.telegram_token is not None:
        settings.require("telegram_webhook_secret")  # a public webhook without it is open
    if settings.twilio_account_sid is not None:
        # Here, not only in the sender: a sender process would otherwise die over it, again
        # and again, while this one served.
        settings.require("twilio_auth_token", "whatsapp_from", "public_url")
    lifespan = _lifespan(settings, database_url, clock or SystemClock(), pacer, sender_process)
    web = Starlette(
        routes=[
            *telegram_routes(settings),
            *whatsapp_routes(settings),
            *health_routes(settings),
            *(dashboard_routes(settings) if settings.dashboard else []),
            *(chart_routes(settings) if settings.dashboard else []),
            *(room_routes(settings) if settings.dashboard else []),
            *(form_routes(settings) if settings.dashboard else []),
            *(live_routes(settings) if settings.dashboard else []),
        ],
        lifespan=lifespan,
        # Outermost first: bodies are capped before anything reads them.
        middleware=[
            Middleware(BodyLimit, larger=[(UPLOAD_PATH, UPLOAD_BYTES)]),
            Middleware(SecurityHeaders),
        ],
    )
    web.state.settings = settings
    return web


def _lifespan(
    settings: Settings,
    database_url: str,
    clock: Clock,
    pacer: SendPacer | None,
    sender_process: bool,
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """Open the app for the server's life, with its loops; close everything on the way out."""

    @asynccontextmanager
    async def lifespan(web: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            bot = await open_telegram_bot(settings, stack)
            senders = (
                {}
                if sender_process
                else channel_senders(settings, bot, lambda: web.state.app.store, clock, pacer)
            )
            app = await stack.enter_async_context(
                open_app(
                    database_url,
                    senders,
                    clock=clock,
                    default_locale=settings.locale,
                    flows_dir=settings.flows_dir,
                    facilitators=settings.facilitator_keys(),
                    outbox_batch=settings.outbox_batch,
                    schedule=settings.schedule_policy(),
                    burst=settings.burst_limit(),
                )
            )
            child = SenderProcess(database_url) if sender_process else None
            tasks = await _start_loops(app, settings, child)
            web.state.app, web.state.bot, web.state.loops = app, bot, tasks
            web.state.sender_process = child
            web.state.live = await _live_hub(app)
            if sender_process:  # minga serve itself, not a test or an embedder
                freeze_startup_objects()
            try:
                yield
            finally:
                await web.state.live.close()
                for task in tasks:
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task

    return lifespan


async def _live_hub(app: App) -> LiveHub:
    """Build the projectors' hub, fed by every commit that changes a workshop's room."""

    async def screen(cohort_id: str) -> dict[str, Any] | None:
        cohort = await app.store.cohort_by_id(cohort_id)
        return None if cohort is None else await build_screen(app.store, app.registry, cohort)

    hub = LiveHub(screen)
    await app.store.watch_live(hub.changed)
    return hub


async def _start_loops(
    app: App, settings: Settings, child: SenderProcess | None
) -> list[asyncio.Task[None]]:
    """Start the outbox sender (here, or watch the child), the scheduler and the extras."""
    tasks = [
        await start_sending(app.sender, child),
        asyncio.create_task(app.scheduler.run(), name="scheduler"),
    ]
    if settings.twilio_account_sid is not None:
        tasks.append(asyncio.create_task(run_reminders(app, WHATSAPP), name="whatsapp reminders"))
    if settings.retention_months is not None:
        retention = run_retention(app, settings.retention_months)
        tasks.append(asyncio.create_task(retention, name="retention"))
    return tasks
