"""The facilitators' dashboard at /dashboard/: server-rendered HTML for a projector or a phone.

Access takes MINGA_DASHBOARD_TOKEN, as `Authorization: Bearer …` or through the login form,
which sets a cookie holding an HMAC of the token (never the token itself); anything else gets
401. Pages refresh themselves during a session. Jinja2 escapes every value, so whatever a
participant typed is shown as text. Labels are in the workshop's language.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections import Counter
from dataclasses import replace
from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.app import App
from bot.config import DASHBOARD_TOKEN_MIN, Settings
from bot.drawing.charts import draw
from bot.facilitation.cohorts import poster_for
from bot.facilitation.export import export_cohort
from bot.followup.checkins import parse_days, plan_cohort, plan_days
from bot.followup.report import cohort_report, report_chart
from bot.rounds.round import standing
from flows.checkin import status_label
from flows.scoring import MIN_GROUP_SIZE, Scores, cohort_average
from i18n import Translator, translator
from storage import Cohort

COOKIE = "minga_dashboard"
REFRESH_SECONDS = 15
_templates = Environment(
    loader=PackageLoader("bot.web", "templates"), autoescape=select_autoescape(["html"])
)


def _cookie_value(token: str) -> str:
    return hmac.new(token.encode(), b"minga dashboard", hashlib.sha256).hexdigest()


def authorised(request: Request, settings: Settings) -> bool:
    """Tell whether the request carries the dashboard token (header) or its cookie."""
    token = settings.dashboard_token.get_secret_value() if settings.dashboard_token else ""
    if len(token) < DASHBOARD_TOKEN_MIN:
        return False  # refused at start-up too; never let an empty key sign a cookie
    bearer = request.headers.get("Authorization", "")
    if bearer.startswith("Bearer ") and hmac.compare_digest(
        bearer.removeprefix("Bearer ").encode(), token.encode()
    ):
        return True
    cookie = request.cookies.get(COOKIE, "")
    return hmac.compare_digest(cookie.encode(), _cookie_value(token).encode())


def _page(name: str, tr: Translator, status: int = 200, **context: Any) -> HTMLResponse:
    html = _templates.get_template(name).render(_=tr.gettext, locale=tr.locale, **context)
    return HTMLResponse(html, status_code=status)


def _login(settings: Settings, failed: bool = False) -> HTMLResponse:
    tr = translator(settings.locale)
    return _page("login.html", tr, 401, title="Minga", failed=failed, refresh=None, back=None)


def dashboard_routes(settings: Settings) -> list[Route]:
    """Build the dashboard's routes, bound to the settings (token, links, language)."""

    async def login(request: Request) -> Response:
        form = await request.form()
        given = form.get("token")
        token = settings.dashboard_token
        if token is None or len(token.get_secret_value()) < DASHBOARD_TOKEN_MIN:
            return _login(settings, failed=True)
        if not isinstance(given, str):
            return _login(settings, failed=True)
        if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
            return _login(settings, failed=True)
        response = RedirectResponse("/dashboard/", status_code=303)
        response.set_cookie(
            COOKIE,
            _cookie_value(token.get_secret_value()),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            max_age=12 * 3600,
        )
        return response

    async def cohorts(request: Request) -> Response:
        if not authorised(request, settings):
            return _login(settings)
        app: App = request.app.state.app
        tr = translator(settings.locale)
        listed = await app.store.list_cohorts()
        return _page(
            "cohorts.html",
            tr,
            title=tr.gettext("Workshops"),
            cohorts=listed,
            refresh=None,
            back=None,
        )

    async def workshop(request: Request) -> tuple[App, Cohort] | Response:
        """Return the app and the workshop a page is about, or the response refusing it."""
        if not authorised(request, settings):
            return _login(settings)
        app: App = request.app.state.app
        cohort = await app.store.cohort_by_code(request.path_params["code"])
        if cohort is None:
            return HTMLResponse("not found", status_code=404)
        return app, cohort

    async def cohort_page(request: Request) -> Response:
        found = await workshop(request)
        if isinstance(found, Response):
            return found
        app, cohort = found
        tr = translator(cohort.locale)
        context = await _cohort_context(app, cohort, tr)
        return _page(
            "cohort.html",
            tr,
            title=cohort.name,
            refresh=REFRESH_SECONDS,
            back="/dashboard/",
            cohort=cohort,
            min_group=MIN_GROUP_SIZE,
            **context,
        )

    async def poster(request: Request) -> Response:
        found = await workshop(request)
        if isinstance(found, Response):
            return found
        _, cohort = found
        made = poster_for(cohort, settings)
        if made is None:
            return HTMLResponse("set MINGA_TELEGRAM_BOT_USERNAME or MINGA_WHATSAPP_FROM", 404)
        return Response(made.png, media_type="image/png")

    async def export(request: Request) -> Response:
        found = await workshop(request)
        if isinstance(found, Response):
            return found
        app, cohort = found
        data = await export_cohort(app.store, app.registry, cohort)
        kind = request.path_params["kind"]
        body, media = (
            (data.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            if kind == "xlsx"
            else (data.csv_zip, "application/zip")
        )
        name = f"minga-{cohort.code}.{kind}"
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def checkin_chart(request: Request) -> Response:
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
        found = await workshop(request)
        if isinstance(found, Response):
            return found
        _, cohort = found
        tr = translator(cohort.locale)
        return _page(
            "checkins.html",
            tr,
            title=tr.gettext("Check-in plan of {workshop}").format(workshop=cohort.name),
            refresh=None,  # not while someone types
            back=f"/dashboard/{cohort.code}",
            cohort=cohort,
            checkin_days=", ".join(str(d) for d in plan_days(cohort)),
        )

    async def checkin_plan(request: Request) -> Response:
        """Change a workshop's end date and check-in days, and replan who has not had them."""
        found = await workshop(request)
        if isinstance(found, Response):
            return found
        app, cohort = found
        form = await request.form()
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
        await plan_cohort(app.store, changed, settings.schedule_policy())
        return RedirectResponse(f"/dashboard/{cohort.code}#checkins", status_code=303)

    return [
        Route("/dashboard/", cohorts, methods=["GET"]),
        Route("/dashboard/login", login, methods=["POST"]),
        Route("/dashboard/{code}", cohort_page, methods=["GET"]),
        Route("/dashboard/{code}/poster.png", poster, methods=["GET"]),
        Route("/dashboard/{code}/export.{kind:str}", export, methods=["GET"]),
        Route("/dashboard/{code}/checkins.png", checkin_chart, methods=["GET"]),
        Route("/dashboard/{code}/checkins", checkin_form, methods=["GET"]),
        Route("/dashboard/{code}/checkins", checkin_plan, methods=["POST"]),
    ]


async def _cohort_context(app: App, cohort: Cohort, tr: Translator) -> dict[str, Any]:
    """Gather what the cohort page shows."""
    store = app.store
    members = await store.audience(cohort.id)
    done = await store.completed(cohort.id)
    assessments = []
    for flow in app.registry.menu_flows():
        if flow.kind != "assessment":
            continue
        results = await store.cohort_results(cohort.id, flow.id)
        block: dict[str, Any] = {"title": tr.gettext(flow.title), "people": len(results)}
        if len(results) >= MIN_GROUP_SIZE:
            average = cohort_average([Scores.from_json(r.scores) for r in results])
            block["rows"] = [
                (tr.gettext(d.label), average.dimensions[d.id])
                for d in flow.dimensions
                if d.id in average.dimensions
            ]
        assessments.append(block)
    now = await standing(store, cohort.id)
    ranking = [(n, r.challenge.text, r.points) for n, r in enumerate(now.ranking[:10], start=1)]
    # One query for every member's plan (was one per member: 150 reads a refresh at 150).
    plans = await store.cohort_actions(cohort.id)
    planners, actions = len({a.participant_id for a in plans}), len(plans)
    statuses = Counter(status_label(a.status, tr) for a in plans)
    broadcasts = []
    for b in await store.broadcasts(cohort.id):
        progress = await store.broadcast_progress(b.id)
        waiting = sum(progress.get(s, 0) for s in ("pending", "sending", "held"))
        broadcasts.append(
            (
                (b.text or "")[:80],
                progress.get("sent", 0),
                waiting,
                progress.get("failed", 0),
                b.skipped,
            )
        )
    return {
        "members": len(members),
        "channels": sorted(Counter(p.channel for p, _ in members).items()),
        "countries": Counter(p.country or "?" for p, _ in members).most_common(),
        "completion": [
            (tr.gettext(flow.title), len(done.get(flow.id, ())))
            for flow in app.registry.menu_flows()
        ],
        "assessments": assessments,
        "ranking": ranking,
        "top_points": ranking[0][2] if ranking else 0,
        "voters": now.voters,
        "planners": planners,
        "actions": actions,
        "action_status": sorted(statuses.items()),
        "broadcasts": broadcasts,
        "checkins": await cohort_report(store, cohort),
        "checkin_days": ", ".join(str(d) for d in plan_days(cohort)),
    }
