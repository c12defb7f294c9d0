"""The facilitators' dashboard at /dashboard/: server-rendered HTML for a projector or a phone.

Every page needs the dashboard token (see `bot/web/auth.py`); anything else gets the login
form with 401. Pages refresh themselves during a session. Jinja2 escapes every value, so
whatever a participant typed is shown as text. Labels are in the workshop's language.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.app import App
from bot.channels.text import clip
from bot.config import Settings
from bot.drawing.charts import draw
from bot.facilitation.averages import workshop_averages
from bot.facilitation.cohorts import poster_for
from bot.facilitation.evaluation import (
    EVALUATION_FLOW,
    averages_pending,
    change_pending,
    confidence_change,
    evaluation_summary,
)
from bot.facilitation.export import export_cohort
from bot.facilitation.outputs import challenge_senders, table_challenges, table_proposals
from bot.facilitation.priorities import PRIORITIES_FLOW, priorities_block
from bot.facilitation.status import progress_text
from bot.followup.checkins import parse_days, plan_cohort, plan_days
from bot.followup.report import cohort_report, report_chart
from bot.reporting.render import build_report
from bot.rounds.round import standing
from bot.web.auth import authorised, login_form, login_routes, sent_by_script
from bot.web.csrf import csrf_token, form_allowed
from bot.web.pages import page
from flows.checkin import status_label
from flows.model import Flow
from flows.scoring import MIN_GROUP_SIZE
from i18n import SHIPPED_LOCALES, Translator, translator
from storage import Cohort, Store

REFRESH_SECONDS = 15
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def dashboard_routes(settings: Settings) -> list[Route]:
    """Build the dashboard's routes; handlers read the settings from the app's state."""
    return [
        *login_routes(settings),
        Route("/dashboard/", cohorts, methods=["GET"]),
        Route("/dashboard/{code}", cohort_page, methods=["GET"]),
        Route("/dashboard/{code}/poster.png", poster, methods=["GET"]),
        Route("/dashboard/{code}/export.{kind:str}", export, methods=["GET"]),
        Route("/dashboard/{code}/report.{kind:str}", report, methods=["GET"]),
        Route("/dashboard/{code}/checkins.png", checkin_chart, methods=["GET"]),
        Route("/dashboard/{code}/checkins", checkin_form, methods=["GET"]),
        Route("/dashboard/{code}/checkins", checkin_plan, methods=["POST"]),
    ]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def workshop(request: Request) -> tuple[App, Cohort] | Response:
    """Return the app and the workshop a page is about, or the response refusing it."""
    settings = _settings(request)
    if not authorised(request, settings):
        return login_form(settings)
    app: App = request.app.state.app
    cohort = await app.store.cohort_by_code(request.path_params["code"])
    if cohort is None:
        return HTMLResponse("not found", status_code=404)
    return app, cohort


async def cohorts(request: Request) -> Response:
    """List the workshops."""
    settings = _settings(request)
    if not authorised(request, settings):
        return login_form(settings)
    app: App = request.app.state.app
    tr = translator(settings.locale)
    listed = await app.store.list_cohorts()
    title = tr.gettext("Workshops")
    return page(
        "cohorts.html", tr, title=title, cohorts=listed, refresh=None, back=None, signed_in=True
    )


async def cohort_page(request: Request) -> Response:
    """Show one workshop: members, completions, averages, ranking, plans, broadcasts."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    app, cohort = found
    tr = translator(cohort.locale)
    context = await cohort_context(app, cohort, tr)
    return page(
        "cohort.html",
        tr,
        title=cohort.name,
        refresh=REFRESH_SECONDS,
        back="/dashboard/",
        signed_in=True,
        cohort=cohort,
        min_group=MIN_GROUP_SIZE,
        number=tr.number,
        **context,
    )


async def poster(request: Request) -> Response:
    """Send the join poster as a PNG."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    made = poster_for(found[1], _settings(request))
    if made is None:
        return HTMLResponse("set MINGA_TELEGRAM_BOT_USERNAME or MINGA_WHATSAPP_FROM", 404)
    return Response(made.png, media_type="image/png")


async def export(request: Request) -> Response:
    """Send the workshop's data as an XLSX workbook or a zip of CSV files."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    app, cohort = found
    data = await export_cohort(app.store, app.registry, cohort)
    kind = request.path_params["kind"]
    body, media = (data.xlsx, XLSX) if kind == "xlsx" else (data.csv_zip, "application/zip")
    name = f"minga-{cohort.code}.{kind}"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def report(request: Request) -> Response:
    """Send the workshop report as a PDF, or the same page as HTML (`?lang=pt` to change)."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    app, cohort = found
    kind = request.path_params["kind"]
    locale = request.query_params.get("lang", cohort.locale)
    if kind not in ("pdf", "html") or locale not in SHIPPED_LOCALES:
        return HTMLResponse("not found", status_code=404)
    made = await build_report(app.store, app.registry, cohort, locale, app.clock.now())
    if kind == "html":
        return HTMLResponse(made.html, headers={"Cache-Control": "no-store"})
    return Response(
        made.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{made.name}.pdf"',
            "Cache-Control": "no-store",
        },
    )


async def checkin_chart(request: Request) -> Response:
    """Send the chart of where the actions stand after the check-ins."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    app, cohort = found
    report = await cohort_report(app.store, cohort)
    chart = report_chart(report, translator(cohort.locale))
    if chart is None:
        return HTMLResponse("no check-in answers yet", status_code=404)
    return Response(await asyncio.to_thread(draw, chart), media_type="image/png")


async def checkin_form(request: Request) -> Response:
    """Show the form that changes a workshop's end date and check-in days."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    cohort = found[1]
    tr = translator(cohort.locale)
    return page(
        "checkins.html",
        tr,
        title=tr.gettext("Check-in plan of {workshop}").format(workshop=cohort.name),
        refresh=None,  # not while someone types
        back=f"/dashboard/{cohort.code}",
        signed_in=True,
        cohort=cohort,
        checkin_days=", ".join(str(d) for d in plan_days(cohort)),
        csrf=csrf_token(_settings(request)),
    )


async def checkin_plan(request: Request) -> Response:
    """Change a workshop's end date and check-in days, and replan who has not had them."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    app, cohort = found
    form = await request.form()
    if not sent_by_script(request) and not form_allowed(request, form, _settings(request)):
        # Another site's form riding on the cookie (a cross-origin POST): change nothing.
        return PlainTextResponse("forbidden", status_code=403)
    try:
        days = parse_days(str(form.get("days", "")))
        ends_text = str(form.get("ends", "")).strip()
        ends = date.fromisoformat(ends_text) if ends_text else cohort.ends
    except ValueError:
        tr = translator(cohort.locale)
        return PlainTextResponse(
            tr.gettext(
                "Check-in days are whole days after the workshop's end, like 14, 30, 90, 180; "
                "the end date is written like 2026-03-06."
            ),
            status_code=400,
        )
    changed = replace(cohort, ends=ends, checkin_days=days)
    await plan_cohort(app.store, changed, _settings(request).schedule_policy())
    return RedirectResponse(f"/dashboard/{cohort.code}#checkins", status_code=303)


async def cohort_context(app: App, cohort: Cohort, tr: Translator) -> dict[str, Any]:
    """Gather what the cohort page shows."""
    store = app.store
    members = await store.audience(cohort.id)
    done = await store.completed(cohort.id)
    now = await standing(store, cohort.id, tr)
    ranking = [(n, r.challenge.label, r.points) for n, r in enumerate(now.ranking, start=1)]
    # One query for every member's plan (was one per member: 150 reads a refresh at 150).
    plans = await store.cohort_actions(cohort.id)
    flows = await workshop_flows(app, cohort)
    statuses = Counter(status_label(a.status, tr) for a in plans)
    proposals = await table_proposals(store, cohort.id, tr)
    return {
        "members": len(members),
        "channels": sorted(Counter(p.channel for p, _ in members).items()),
        "countries": Counter(p.country or "?" for p, _ in members).most_common(),
        "completion": [(tr.gettext(flow.title), len(done.get(flow.id, ()))) for flow in flows],
        "assessments": await _assessment_blocks(app, cohort, tr, flows),
        "ranking": ranking,
        "top_points": ranking[0][2] if ranking else 0,
        "voters": now.voters,
        "matrix": bool(proposals),  # the 2×2 has points to show
        "proposals": proposals,
        "challenges": await table_challenges(store, cohort.id),
        "challenge_people": await challenge_senders(store, cohort.id),
        "priorities": (
            await priorities_block(store, app.registry.get(PRIORITIES_FLOW).flow, cohort.id, tr)
            if PRIORITIES_FLOW in app.registry
            else None
        ),
        "changes": [
            await confidence_change(store, flow, cohort.id)
            for flow in app.registry
            if flow.params.get("before_after")
        ],
        "evaluation": (
            await evaluation_summary(store, cohort.id) if EVALUATION_FLOW in app.registry else None
        ),
        # Sentences the template writes with a count it only knows there.
        "change_pending": partial(change_pending, tr=tr),
        "averages_pending": partial(averages_pending, tr=tr),
        "planners": len({a.participant_id for a in plans}),
        "actions": len(plans),
        "action_status": sorted(statuses.items()),
        "broadcasts": await _broadcast_rows(store, cohort, tr),
        "checkins": await cohort_report(store, cohort),
        "checkin_days": ", ".join(str(d) for d in plan_days(cohort)),
    }


async def workshop_flows(app: App, cohort: Cohort) -> list[Flow]:
    """Return the menu's flows, then the questionnaires uploaded for this workshop."""
    flows = app.registry.menu_flows()
    for form in await app.store.forms(cohort.id):
        found = app.registry.get(form.flow_id).flow if form.flow_id in app.registry else None
        if found is not None and found not in flows:
            flows.append(found)
    return flows


async def _assessment_blocks(
    app: App, cohort: Cohort, tr: Translator, flows: list[Flow]
) -> list[dict[str, Any]]:
    """Each assessment's people, and its averages per dimension from 5 people on."""
    blocks = []
    for flow in flows:
        if flow.kind != "assessment":
            continue
        found = await workshop_averages(app.store, flow, cohort.id)
        block: dict[str, Any] = {
            "id": flow.id,
            "title": tr.gettext(flow.title),
            "people": found.people,
        }
        if found.shown:
            block["rows"] = [(tr.gettext(d.label), value) for d, value in found.dimensions]
        blocks.append(block)
    return blocks


async def _broadcast_rows(store: Store, cohort: Cohort, tr: Translator) -> list[tuple[str, str]]:
    """Each broadcast's text and how far it got (sent, waiting, failed and skipped)."""
    rows = []
    for b in await store.broadcasts(cohort.id):
        progress = await store.broadcast_progress(b.id)
        waiting = sum(progress.get(s, 0) for s in ("pending", "sending", "held"))
        sent, failed = progress.get("sent", 0), progress.get("failed", 0)
        rows.append((clip(b.text or "", 80), progress_text(tr, sent, waiting, failed, b.skipped)))
    return rows
