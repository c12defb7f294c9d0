"""The facilitator's console for the room, at /dashboard/CODE/room (the dashboard token).

Create, open, close and reveal questions to the room; choose what the projector shows and
hand out its read-only links; moderate answers and Q&A; move the prioritization round and
merge barriers that say the same. Every change is a CSRF-checked POST that redirects back.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.app import App
from bot.config import Settings
from bot.live.tallies import vote_counts
from bot.rounds.duplicates import suggest_merges
from bot.web.csrf import csrf_token
from bot.web.dashboard import workshop
from bot.web.pages import page
from bot.web.room_actions import room_action
from flows.prioritization import PHASES
from i18n import Translator, translator
from storage import Cohort
from storage.records.live import Prompt


def room_routes(settings: Settings) -> list[Route]:
    """Build the console's page and the route its forms post to."""
    return [
        Route("/dashboard/{code}/room", room_page, methods=["GET"]),
        Route("/dashboard/{code}/room", room_action, methods=["POST"]),
    ]


async def room_page(request: Request) -> Response:
    """Show the console."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    app, cohort = found
    settings: Settings = request.app.state.settings
    tr = translator(cohort.locale)
    context = await room_context(app, cohort, tr, _base_url(request, settings))
    notice = request.query_params.get("done")
    response = page(
        "room.html",
        tr,
        title=tr.gettext("In the room: {workshop}").format(workshop=cohort.name),
        refresh=None,
        back=f"/dashboard/{cohort.code}",
        signed_in=True,
        cohort=cohort,
        csrf=csrf_token(settings),
        notice=notice[:200] if notice else None,
        **context,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _base_url(request: Request, settings: Settings) -> str:
    if settings.public_url:
        return settings.public_url.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


async def room_context(app: App, cohort: Cohort, tr: Translator, base: str) -> dict[str, Any]:
    """Gather what the console shows."""
    store = app.store
    prompts = await store.prompts(cohort.id)
    members = [p for p, _ in await store.audience(cohort.id)]
    rows = []
    for prompt in reversed(prompts):
        answers = await store.prompt_answers(prompt.id)
        rows.append(
            {
                "id": prompt.id,
                "text": prompt.text(cohort.locale),
                "kind": _kind_label(prompt, tr),
                "state": _state_label(prompt, tr),
                "revealed": prompt.revealed,
                "answered": _answered(len({a.participant_id for a in answers if not a.hidden}), tr),
            }
        )
    screen = await store.live_screen(cohort.id) or {"kind": "idle"}
    return {
        "screen": screen,
        "prompts": rows,
        "reachable": sum(1 for p in members if p.open_to_messages),
        "kinds": _kinds(tr),
        "on_screen": _screen_label(screen, prompts, app, tr),
        "assessments": [
            (flow.id, tr.gettext(flow.title))
            for flow in app.registry.menu_flows()
            if flow.kind == "assessment"
        ],
        "links": [
            {"url": f"{base}/live/{cohort.code}?key={link.token}", "token": link.token}
            for link in await store.live_links(cohort.id)
            if link.revoked_at is None
        ],
        **await _answers_context(app, cohort, prompts),
        "qa": await _qa_rows(app, cohort, tr),
        **await _round_context(app, cohort, tr),
    }


def _answered(n: int, tr: Translator) -> str:
    return tr.ngettext("{n} person answered", "{n} people answered", n).format(n=n)


def _kinds(tr: Translator) -> list[tuple[str, str]]:
    return [
        ("open", tr.gettext("Open answers (word cloud)")),
        ("choice", tr.gettext("Choose among options")),
        ("scale", tr.gettext("A scale from 1 to 5")),
        ("scale10", tr.gettext("A scale from 1 to 10")),
        ("ranking", tr.gettext("Put options in order")),
        ("qa", tr.gettext("Questions from the room")),
    ]


def _kind_label(prompt: Prompt, tr: Translator) -> str:
    if prompt.kind == "scale":
        return tr.gettext("scale 1–{n}").format(n=prompt.scale_max)
    labels = {
        "open": tr.gettext("word cloud"),
        "choice": tr.gettext("several options") if prompt.multi else tr.gettext("one option"),
        "ranking": tr.gettext("ranking"),
        "qa": tr.gettext("Q&A"),
    }
    return labels.get(prompt.kind, prompt.kind)


def _state_label(prompt: Prompt, tr: Translator) -> str:
    return {
        "draft": tr.gettext("not sent"),
        "open": tr.gettext("open"),
        "closed": tr.gettext("closed"),
    }.get(prompt.state, prompt.state)


def _screen_label(
    screen: dict[str, Any] | Any, prompts: list[Prompt], app: App, tr: Translator
) -> str:
    kind = screen.get("kind")
    if kind == "prompt":
        found = next((p for p in prompts if p.id == screen.get("id")), None)
        return found.text(tr.locale) if found else tr.gettext("Join screen")
    if kind == "results" and screen.get("flow") in app.registry:
        return tr.gettext(app.registry.get(str(screen.get("flow"))).flow.title)
    return {
        "ranking": tr.gettext("Ranking of barriers"),
        "matrix": tr.gettext("Impact and effort"),
        "qa": tr.gettext("Questions from the room"),
    }.get(str(kind), tr.gettext("Join screen"))


async def _answers_context(app: App, cohort: Cohort, prompts: list[Prompt]) -> dict[str, Any]:
    """List the latest word-cloud answers, so one that should not be projected can be hidden."""
    words = [p for p in prompts if p.kind == "open" and p.state != "draft"]
    if not words:
        return {"answers": [], "answers_of": ""}
    prompt = max(words, key=lambda p: p.opened_at or p.created_at)
    answers = await app.store.prompt_answers(prompt.id)
    latest = sorted(answers, key=lambda a: a.created_at, reverse=True)[:50]
    return {
        "answers_of": prompt.text(cohort.locale),
        "answers": [
            {
                "prompt_id": a.prompt_id,
                "participant_id": a.participant_id,
                "seq": a.seq,
                "text": str(a.value),
                "hidden": a.hidden,
            }
            for a in latest
        ],
    }


async def _qa_rows(app: App, cohort: Cohort, tr: Translator) -> list[dict[str, Any]]:
    entries = await app.store.qa_entries(cohort.id)
    votes = vote_counts(await app.store.qa_votes(cohort.id))
    by_votes = sorted(entries, key=lambda e: (e.answered, -votes[e.id], e.created_at))
    return [
        {
            "id": e.id,
            "text": e.text,
            "votes": tr.ngettext("{n} vote", "{n} votes", votes[e.id]).format(n=votes[e.id]),
            "answered": e.answered,
            "hidden": e.hidden,
        }
        for e in by_votes
    ]


async def _round_context(app: App, cohort: Cohort, tr: Translator) -> dict[str, Any]:
    phase = await app.store.round_phase(cohort.id) or PHASES[0]
    labels = {
        "collecting": tr.gettext("collecting barriers"),
        "voting": tr.gettext("voting"),
        "discussing": tr.gettext("table discussion"),
        "closed": tr.gettext("closed"),
    }
    moves = {
        "voting": tr.gettext("Open the vote"),
        "discussing": tr.gettext("Close the vote"),
        "closed": tr.gettext("Close the round"),
    }
    after = PHASES[PHASES.index(phase) + 1 :] if phase in PHASES else []
    return {
        "phase_label": labels.get(phase, phase),
        "phases": [(target, moves[target]) for target in after[:1] if target in moves],
        "suggestions": suggest_merges(await app.store.challenges(cohort.id)),
    }
