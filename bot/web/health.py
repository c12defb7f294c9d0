"""`GET /healthz` for load balancers and `GET /metrics` for Prometheus."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.app import App
from bot.config import Settings
from bot.plumbing import metrics
from bot.sending.process import SenderProcess
from bot.web.auth import authorised

log = logging.getLogger(__name__)


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
    body = {"status": "ok", "schema": version, "pending_migrations": pending, "stopped": stopped}
    if pending or stopped:
        body["status"] = "migrations pending" if pending else "a loop stopped"
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)


def health_routes(settings: Settings) -> list[Route]:
    """Build /healthz and /metrics; the dashboard token guards /metrics."""

    async def metrics_page(request: Request) -> Response:
        # Prometheus sends the token as a bearer; only an operator who turned the dashboard
        # off and set no token exposes it, e.g. on a private network.
        guarded = settings.dashboard or settings.dashboard_token is not None
        if guarded and not authorised(request, settings):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        app: App = request.app.state.app
        body = await metrics.render(app.store, app.clock.now())
        return Response(body, media_type=metrics.CONTENT_TYPE)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
    ]
