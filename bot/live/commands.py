"""The facilitators' live-room commands in the chat: /ask, /close, /reveal, /show.

`/ask` starts a short conversation (the `ask_room` flow: kind, question, options, "send to 83
participants?"); its last step creates the prompt and opens it in the same commit.
"""

from __future__ import annotations

from typing import Any

from bot.conversation.call import Call
from bot.conversation.conversation import Conversation
from bot.conversation.router import Router
from bot.conversation.work import Work
from bot.facilitation.access import facilitator_command
from bot.facilitation.requests import audit, find_request, need_code
from bot.live.operations import (
    PromptError,
    close_prompt,
    latest,
    new_prompt,
    open_prompt,
    project,
    reveal_prompt,
)
from flows.turn import ActionRequested
from i18n import fold
from storage import Run

ASK_ROOM = "ask_room"
_KINDS = {
    "open": ("open", 5),
    "choice": ("choice", 5),
    "multi": ("choice", 5),
    "scale": ("scale", 5),
    "scale10": ("scale", 10),
    "ranking": ("ranking", 5),
    "qa": ("qa", 5),
}

router = Router("live commands")


@facilitator_command(router, "ask")
async def ask(call: Call) -> None:
    """Start writing a question to the room of a workshop."""
    work = call.work
    cohort = (await find_request(call)).cohort
    if cohort is None:
        need_code(work, "ask")
        return
    members = [p for p, _ in await call.store.audience(cohort.id) if p.open_to_messages]
    audience = work.tr.ngettext("{n} participant", "{n} participants", len(members)).format(
        n=len(members)
    )
    preset = {"cohort_id": cohort.id, "audience": audience}
    call.conversation.start(ASK_ROOM, work, preset, resume=work.active())


@router.action("create_prompt")
def create_prompt(event: ActionRequested, work: Work) -> None:
    """Note the question written; the settler below creates and opens it."""
    work.notes["live:create"] = dict(event.payload["vars"])


@router.settler
async def open_new_prompt(call: Call) -> None:
    """Create the prompt the facilitator wrote and send it to the room, in this commit."""
    work = call.work
    values = work.notes.get("live:create")
    if not isinstance(values, dict):
        return
    kind, scale_max = _KINDS.get(str(values.get("kind")), ("open", 5))
    locale = work.tr.locale
    try:
        prompt = new_prompt(
            str(values["cohort_id"]),
            kind,  # type: ignore[arg-type]
            {locale: str(values.get("text", ""))},
            [{locale: label} for label in values.get("options", [])],
            work.now,
            multi=values.get("kind") == "multi",
            scale_max=scale_max,
            created_by=work.participant.id,
        )
    except PromptError:
        work.text(work.tr.gettext("That question could not be created; please try /ask again."))
        return
    members = [p for p, _ in await call.store.audience(prompt.cohort_id)]
    sent = open_prompt(prompt, members, work.now, work.changes)
    audit(work, "prompt opened", prompt=prompt.id, kind=kind, members=sent)


@facilitator_command(router, "close")
async def close(call: Call) -> None:
    """Stop taking answers to the workshop's open question."""
    work = call.work
    cohort = (await find_request(call)).cohort
    if cohort is None:
        need_code(work, "close")
        return
    prompt = latest(await call.store.prompts(cohort.id), "open")
    if prompt is None:
        work.text(work.tr.gettext("There is no open question in this workshop."))
        return
    close_prompt(prompt, work.now, work.changes)
    audit(work, "prompt closed", prompt=prompt.id)
    found = len({a.participant_id for a in await call.store.prompt_answers(prompt.id)})
    work.text(
        work.tr.ngettext(
            "Closed: {n} person answered “{question}”.",
            "Closed: {n} people answered “{question}”.",
            found,
        ).format(n=found, question=_short(prompt.text(work.tr.locale)))
    )


@facilitator_command(router, "reveal")
async def reveal(call: Call) -> None:
    """Show the results of the latest question on the projector."""
    work = call.work
    cohort = (await find_request(call)).cohort
    if cohort is None:
        need_code(work, "reveal")
        return
    prompt = latest(await call.store.prompts(cohort.id), "open", "closed")
    if prompt is None:
        work.text(work.tr.gettext("There is no question to show yet. Ask one with /ask."))
        return
    reveal_prompt(prompt, work.changes)
    project(cohort.id, {"kind": "prompt", "id": prompt.id}, work.changes)
    audit(work, "prompt revealed", prompt=prompt.id)
    work.text(
        work.tr.gettext("The results of “{question}” are on the projector.").format(
            question=_short(prompt.text(work.tr.locale))
        )
    )


@facilitator_command(router, "show")
async def show(call: Call) -> None:
    """Put a screen on the projector: ranking, results FLOW, matrix, questions, prompt ID."""
    work = call.work
    request = await find_request(call)
    if request.cohort is None:
        need_code(work, "show")
        return
    screen = await _screen(call, request.cohort.id, request.words)
    if screen is None:
        work.text(
            work.tr.gettext(
                "Usage: /show ranking, /show results FLOW, /show matrix, /show questions, "
                "/show prompt ID or /show code, followed by the workshop code."
            )
        )
        return
    project(request.cohort.id, screen, work.changes)
    audit(work, "projector", screen=screen)
    work.text(work.tr.gettext("It is on the projector."))


async def _screen(call: Call, cohort_id: str, words: list[str]) -> dict[str, Any] | None:
    what = fold(words[0]) if words else ""
    rest = words[1] if len(words) > 1 else ""
    if what in ("ranking", "ranking"):
        return {"kind": "ranking"}
    if what in ("matrix", "matriz"):
        return {"kind": "matrix"}
    if what in ("questions", "preguntas", "perguntas", "qa"):
        return {"kind": "qa"}
    if what in ("code", "codigo", "join", "idle"):
        return {"kind": "idle"}
    if what in ("results", "resultados") and rest in call.registry:
        return {"kind": "results", "flow": rest}
    if what in ("prompt", "pregunta", "pergunta"):
        prompts = await call.store.prompts(cohort_id)
        found = next((p for p in prompts if p.id == rest), None) or latest(
            prompts, "open", "closed"
        )
        return {"kind": "prompt", "id": found.id} if found else None
    return None


def _short(text: str, limit: int = 60) -> str:
    """Shorten a question for a confirmation, at a word boundary."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


@router.finisher("live")
def live_finished(conversation: Conversation, work: Work, finished: Run) -> None:
    """After a question to the room: back to what it interrupted, and nothing more."""
    resume_id = finished.data.get("resume")
    waiting = next((r for r in work.paused() if r.id == resume_id), None)
    if waiting is not None:
        conversation.resume(waiting, work)
