"""The facilitator's console for the room, at /dashboard/CODE/room (the dashboard token).

Create, open, close and reveal questions to the room; choose what the projector shows and
hand out its read-only links; moderate answers and Q&A; move the prioritization round and
merge barriers that say the same. Every change is a CSRF-checked POST that redirects back.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.app import App
from bot.config import Settings
from bot.live.operations import (
    PromptError,
    close_prompt,
    new_prompt,
    open_prompt,
    project,
    reveal_prompt,
    split_options,
)
from bot.live.tallies import vote_counts
from bot.rounds.duplicates import suggest_merges
from bot.rounds.round import RoundError, move_phase
from bot.web.csrf import csrf_token, form_allowed
from bot.web.dashboard import workshop
from bot.web.pages import page
from flows.prioritization import PHASES
from i18n import Translator, translator
from storage import Changes, Cohort
from storage.records.live import LiveLink, Prompt

Action = Callable[[App, Cohort, FormData, Translator], Awaitable[str | None]]


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


async def room_action(request: Request) -> Response:
    """Carry out one form of the console, then show the console again."""
    found = await workshop(request)
    if isinstance(found, Response):
        return found
    app, cohort = found
    settings: Settings = request.app.state.settings
    form = await request.form()
    if not form_allowed(request, form, settings):
        return PlainTextResponse("This form is out of date; reload the page.", status_code=403)
    action = ACTIONS.get(str(form.get("do", "")))
    if action is None:
        return PlainTextResponse("unknown action", status_code=400)
    notice = await action(app, cohort, form, translator(cohort.locale))
    target = f"/dashboard/{cohort.code}/room"
    if notice:
        target += f"?done={quote(notice)}"
    return RedirectResponse(target, status_code=303)


async def _prompt_of(app: App, cohort: Cohort, form: FormData) -> Prompt | None:
    prompt = await app.store.prompt(str(form.get("prompt", "")))
    return prompt if prompt is not None and prompt.cohort_id == cohort.id else None


async def _create(app: App, cohort: Cohort, form: FormData, tr: Translator) -> str | None:
    kind = str(form.get("kind", "open"))
    texts = {lang: str(form.get(f"text_{lang}", "")) for lang in ("es", "pt", "en")}
    # The workshop's language first: it is the default for anyone without their own.
    ordered = {cohort.locale: texts.pop(cohort.locale, ""), **texts}
    labels = split_options(str(form.get("options", "")))
    now = app.clock.now()
    try:
        prompt = new_prompt(
            cohort.id,
            "scale" if kind == "scale10" else kind,  # type: ignore[arg-type]
            ordered,
            [{cohort.locale: label} for label in labels],
            now,
            multi=form.get("multi") == "1",
            scale_max=10 if kind == "scale10" else 5,
            revealed=False if form.get("hidden") == "1" else None,
        )
    except PromptError as exc:
        return tr.gettext("The question was not created: {reason}.").format(reason=exc)
    changes = Changes()
    if form.get("open_now") == "1":
        sent = open_prompt(
            prompt, [p for p, _ in await app.store.audience(cohort.id)], now, changes
        )
        notice = tr.ngettext("Sent to {n} participant.", "Sent to {n} participants.", sent)
        notice = notice.format(n=sent)
    else:
        changes.prompts.append(prompt)
        notice = tr.gettext("Saved; send it when you are ready.")
    await app.store.commit(changes)
    app.dispatcher.on_scheduled()
    return notice


async def _open(app: App, cohort: Cohort, form: FormData, tr: Translator) -> str | None:
    prompt = await _prompt_of(app, cohort, form)
    if prompt is None or prompt.state != "draft":
        return None
    changes = Changes()
    members = [p for p, _ in await app.store.audience(cohort.id)]
    sent = open_prompt(prompt, members, app.clock.now(), changes)
    await app.store.commit(changes)
    app.dispatcher.on_scheduled()
    return tr.ngettext("Sent to {n} participant.", "Sent to {n} participants.", sent).format(n=sent)


async def _close(app: App, cohort: Cohort, form: FormData, tr: Translator) -> str | None:
    prompt = await _prompt_of(app, cohort, form)
    if prompt is not None and prompt.state == "open":
        changes = Changes()
        close_prompt(prompt, app.clock.now(), changes)
        await app.store.commit(changes)
    return None


async def _reveal(app: App, cohort: Cohort, form: FormData, tr: Translator) -> str | None:
    prompt = await _prompt_of(app, cohort, form)
    if prompt is not None:
        changes = Changes()
        reveal_prompt(prompt, changes, shown=form.get("do") == "reveal")
        await app.store.commit(changes)
    return None


async def _show(app: App, cohort: Cohort, form: FormData, tr: Translator) -> str | None:
    screen: dict[str, Any] = {"kind": str(form.get("screen", "idle"))}
    if screen["kind"] == "prompt":
        prompt = await _prompt_of(app, cohort, form)
        if prompt is None:
            return None
        screen["id"] = prompt.id
    elif screen["kind"] == "results":
        screen["flow"] = str(form.get("flow", ""))
    elif screen["kind"] not in ("idle", "ranking", "matrix", "qa"):
        return None
    changes = Changes()
    project(cohort.id, screen, changes)
    await app.store.commit(changes)
    return None


async def _new_link(app: App, cohort: Cohort, form: FormData, tr: Translator) -> str | None:
    changes = Changes()
    changes.live_links.append(LiveLink(secrets.token_urlsafe(24), cohort.id, app.clock.now()))
    await app.store.commit(changes)
    return tr.gettext("A new projector link is ready.")


async def _revoke_link(app: App, cohort: Cohort, form: FormData, tr: Translator) -> str | None:
    link = await app.store.live_link(str(form.get("token", "")))
    if link is not None and link.cohort_id == cohort.id:
        changes = Changes()
        changes.live_links.append(replace(link, revoked_at=app.clock.now()))
        await app.store.commit(changes)
    return tr.gettext("The link was revoked: it shows nothing any more.")


async def _toggle_answer(app: App, cohort: Cohort, form: FormData, tr: Translator) -> str | None:
    prompt = await _prompt_of(app, cohort, form)
    if prompt is None:
        return None
    who, seq = str(form.get("participant", "")), str(form.get("seq", ""))
    for answer in await app.store.prompt_answers(prompt.id, participant_id=who):
        if str(answer.seq) == seq:
            changes = Changes()
            changes.prompt_answers.append(replace(answer, hidden=not answer.hidden))
            changes.live.add(cohort.id)
            await app.store.commit(changes)
    return None


async def _qa_toggle(app: App, cohort: Cohort, form: FormData, tr: Translator) -> str | None:
    entry_id = str(form.get("entry", ""))
    entry = next((e for e in await app.store.qa_entries(cohort.id) if e.id == entry_id), None)
    if entry is None:
        return None
    if form.get("do") == "qa_answered":
        entry = replace(entry, answered=not entry.answered)
    else:
        entry = replace(entry, hidden=not entry.hidden)
    changes = Changes()
    changes.qa_entries.append(entry)
    changes.live.add(cohort.id)
    await app.store.commit(changes)
    return None


async def _phase(app: App, cohort: Cohort, form: FormData, tr: Translator) -> str | None:
    try:
        change = await move_phase(app.store, cohort, str(form.get("phase", "")), app.clock)
    except RoundError as exc:
        return tr.gettext("The round cannot move: {reason}").format(reason=exc)
    app.dispatcher.on_commit()
    await app.store.commit(_live(cohort))
    return tr.ngettext("{n} member was told.", "{n} members were told.", change.announced).format(
        n=change.announced
    )


async def _merge(app: App, cohort: Cohort, form: FormData, tr: Translator) -> str | None:
    ids = {c.id for c in await app.store.challenges(cohort.id)}
    keep, duplicate = str(form.get("keep", "")), str(form.get("duplicate", ""))
    if keep not in ids or duplicate not in ids or keep == duplicate:
        return None
    wording = str(form.get("wording", "")).strip()[:280] or None
    await app.store.moderate_challenge(duplicate, merged_into=keep)
    await app.store.moderate_challenge(keep, wording=wording)
    await app.store.commit(_live(cohort))
    return tr.gettext("Merged.")


def _live(cohort: Cohort) -> Changes:
    changes = Changes()
    changes.live.add(cohort.id)
    return changes


ACTIONS: dict[str, Action] = {
    "create": _create,
    "open": _open,
    "close": _close,
    "reveal": _reveal,
    "hide_results": _reveal,
    "show": _show,
    "link_new": _new_link,
    "link_revoke": _revoke_link,
    "answer_toggle": _toggle_answer,
    "qa_answered": _qa_toggle,
    "qa_hide": _qa_toggle,
    "phase": _phase,
    "merge": _merge,
}
