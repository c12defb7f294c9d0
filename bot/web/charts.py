"""The dashboard's charts as PNG files: each assessment's averages and the impact/effort 2×2.

Guarded by the dashboard's token like every page under /dashboard/. The averages chart exists
only from 5 people on, as everywhere. Charts are drawn in a thread: matplotlib holds the
interpreter for a tenth of a second, and the server keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.config import Settings
from bot.drawing.charts import draw
from bot.drawing.matrix import SIZES
from bot.facilitation.averages import averages_chart, workshop_averages
from bot.rounds.results import matrix_recipe
from bot.web.dashboard import workshop
from i18n import translator


def chart_routes(settings: Settings) -> list[Route]:
    """Build the routes of the dashboard's downloadable charts."""
    return [
        Route("/dashboard/{code}/averages/{flow}.png", averages_png, methods=["GET"]),
        Route("/dashboard/{code}/matrix.png", matrix_png, methods=["GET"]),
    ]


async def averages_png(request: Request) -> Response:
    """Send an assessment's workshop averages as a bar chart (404 below 5 people)."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    app, cohort = found
    flow_id = request.path_params["flow"]
    if flow_id not in app.registry or app.registry.get(flow_id).flow.kind != "assessment":
        return PlainTextResponse("no such assessment", status_code=404)
    averages = await workshop_averages(app.store, app.registry.get(flow_id).flow, cohort.id)
    chart = averages_chart(averages, translator(cohort.locale))
    if chart is None:
        return PlainTextResponse("averages appear from 5 people on", status_code=404)
    return await _png(chart, f"minga-{cohort.code}-{flow_id}.png")


async def matrix_png(request: Request) -> Response:
    """Send the tables' proposals on the impact/effort 2×2, large or phone-sized (`?size=`)."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    app, cohort = found
    size = request.query_params.get("size", "large")
    if size not in SIZES:
        return PlainTextResponse(f"size is one of {', '.join(SIZES)}", status_code=400)
    solutions = await app.store.solutions(cohort.id)
    if not solutions:
        return PlainTextResponse("no proposals yet", status_code=404)
    chart = matrix_recipe(solutions, translator(cohort.locale), size)
    return await _png(chart, f"minga-{cohort.code}-matrix-{size}.png")


async def _png(chart: Mapping[str, Any], name: str) -> Response:
    body = await asyncio.to_thread(draw, chart)
    disposition = f'inline; filename="{name}"'  # shown in the browser, saved under this name
    return Response(body, media_type="image/png", headers={"Content-Disposition": disposition})
