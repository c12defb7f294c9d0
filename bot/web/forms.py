"""The dashboard's questionnaires: upload an XLSForm, see its problems by row, launch it.

GET /dashboard/CODE/forms lists the workshop's forms with their versions; POST uploads one
(multipart, the CSRF field like every dashboard form). A refused form comes back on the same
page with a table of its problems (sheet, row, column, what to do) in the workshop's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.app import App
from bot.config import Settings
from bot.facilitation.launches import launch_changes
from bot.web.csrf import csrf_token, form_allowed
from bot.web.dashboard import XLSX, workshop
from bot.web.pages import page
from flows.errors import FlowError, FlowErrors, FormError
from i18n import N_, Translator, translator
from storage import Cohort

# What the body limit lets through to the upload (a form over 5 MB is refused with a sentence).
UPLOAD_PATH = r"/dashboard/[^/]+/forms"
UPLOAD_BYTES = 12 * 1024 * 1024
NO_FILE = N_("Choose the form's .xlsx file first.")


def form_routes(settings: Settings) -> list[Route]:
    """Build the questionnaires' page, its upload, its launch and its downloads."""
    return [
        Route("/dashboard/{code}/forms", forms_page, methods=["GET"]),
        Route("/dashboard/{code}/forms", upload, methods=["POST"]),
        Route("/dashboard/{code}/forms/launch", launch, methods=["POST"]),
        Route("/dashboard/{code}/forms/{flow}.xlsx", download, methods=["GET"]),
    ]


@dataclass(frozen=True, slots=True)
class Problem:
    """One row of the problems table."""

    sheet: str
    row: str
    column: str
    message: str


def problems(errors: FlowErrors, tr: Translator) -> list[Problem]:
    """Turn a refusal into table rows, each in the reader's language."""
    from flows.xlsform import describe

    return [_problem(error, tr, describe(error, tr)) for error in errors.errors]


def _problem(error: FlowError, tr: Translator, said: str) -> Problem:
    if isinstance(error, FormError):
        return Problem(error.sheet or "", str(error.row or ""), error.column or "", said)
    return Problem("", "", error.step or "", said)


async def forms_page(request: Request) -> Response:
    """List the workshop's forms with their versions, and offer the upload."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    app, cohort = found
    return await _render(request, app, cohort, notice=request.query_params.get("done"))


async def _render(
    request: Request,
    app: App,
    cohort: Cohort,
    *,
    notice: str | None = None,
    refused: list[Problem] | None = None,
    filename: str | None = None,
    status: int = 200,
) -> Response:
    settings: Settings = request.app.state.settings
    tr = translator(cohort.locale)
    response = page(
        "forms.html",
        tr,
        status=status,
        title=tr.gettext("Questionnaires of {workshop}").format(workshop=cohort.name),
        refresh=None,
        back=f"/dashboard/{cohort.code}",
        cohort=cohort,
        csrf=csrf_token(settings),
        notice=notice[:300] if notice else None,
        refused=refused,
        filename=filename,
        forms=await form_rows(app, cohort, tr),
        limit_mb=5,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def form_rows(app: App, cohort: Cohort, tr: Translator) -> list[dict[str, Any]]:
    """Each form of the workshop: its newest title, how many finished, every version."""
    await app.forms.refresh(force=True)
    done = await app.store.completed(cohort.id)
    rows: dict[str, dict[str, Any]] = {}
    for form in await app.store.forms(cohort.id):
        row = rows.setdefault(form.flow_id, {"id": form.flow_id, "versions": []})
        row["versions"].insert(0, form)
        row["title"] = form.title
    for flow_id, row in rows.items():
        if flow_id in app.registry:
            flow = app.registry.get(flow_id).flow
            row["title"] = tr.gettext(flow.title)
            row["questions"] = sum(1 for s in flow.steps.values() if s.is_question)
        row["finished"] = len(done.get(flow_id, ()))
    return list(rows.values())


async def upload(request: Request) -> Response:
    """Check and store an uploaded form; show its problems by row when it is refused."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    app, cohort = found
    tr = translator(cohort.locale)
    async with request.form(max_files=1, max_fields=5) as form:
        if not form_allowed(request, form, request.app.state.settings):
            return Response("forbidden", status_code=403)
        sent = form.get("form")
        if not isinstance(sent, UploadFile) or not sent.filename:
            missing = [Problem("", "", "", tr.gettext(NO_FILE))]
            return await _render(request, app, cohort, refused=missing, status=400)
        raw = await sent.read()
        filename = sent.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:120]
    try:
        flow = await app.forms.add(raw, filename, cohort.id, app.clock.now())
    except FlowErrors as exc:
        refused = problems(exc, tr)
        return await _render(request, app, cohort, refused=refused, filename=filename, status=422)
    done = tr.gettext("Stored “{title}”, version {version}. It is ready to launch.").format(
        title=tr.gettext(flow.title), version=flow.version
    )
    return _done(cohort, done)


def _done(cohort: Cohort, notice: str) -> Response:
    query = urlencode({"done": notice})
    return RedirectResponse(f"/dashboard/{cohort.code}/forms?{query}", status_code=303)


async def launch(request: Request) -> Response:
    """Start a form for every member open to messages, as /launch does from a chat."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    app, cohort = found
    form = await request.form()
    if not form_allowed(request, form, request.app.state.settings):
        return Response("forbidden", status_code=403)
    flow_id = str(form.get("flow", ""))
    if not await app.dispatcher.conversation.knows(flow_id):
        return Response("not found", status_code=404)
    changes = await launch_changes(app.store, cohort, flow_id, app.clock.now(), "dashboard")
    await app.store.commit(changes)
    app.scheduler.wake()
    tr = translator(cohort.locale)
    n = len(changes.scheduled)
    title = tr.gettext(app.registry.get(flow_id).flow.title)
    return _done(
        cohort,
        tr.ngettext(
            "Starting “{flow}” for {n} participant.", "Starting “{flow}” for {n} participants.", n
        ).format(flow=title, n=n),
    )


async def download(request: Request) -> Response:
    """Send a flow's newest version as an XLSForm, to edit and upload again."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    app = found[0]
    flow_id = request.path_params["flow"]
    if not await app.dispatcher.conversation.knows(flow_id):
        return Response("not found", status_code=404)
    from flows.xlsform.writer import write_xlsform

    body = write_xlsform(app.registry.get(flow_id).flow)
    headers = {"Content-Disposition": f'attachment; filename="{flow_id}.xlsx"'}
    return Response(body, media_type=XLSX, headers=headers)
