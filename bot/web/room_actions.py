"""What the room console's forms do: one small function per action, each CSRF-checked.

`room_action` is the POST route of /dashboard/CODE/room; it looks the form's `do` up in
`ACTIONS` and redirects back to the console with a notice.
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
from bot.rounds.round import RoundError, move_phase
from bot.web.csrf import form_allowed
from bot.web.dashboard import workshop
from i18n import Translator, translator
from storage import Changes, Cohort
from storage.records.live import LiveLink, Prompt

Action = Callable[[App, Cohort, FormData, Translator], Awaitable[str | None]]


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
