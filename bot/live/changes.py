"""Changing one's answer to a question to the room by tapping another of its buttons.

After answering, the question's message still shows its options (Telegram keeps the buttons).
A tap on one of them while the question is open replaces the answer (for several options, it
adds or removes that option); once closed, the person is told so. Only taps no activity is
waiting for come here, and the person's runs are read only for them.
"""

from __future__ import annotations

from typing import Any

from bot.conversation.call import Call
from bot.conversation.filters import kind
from bot.conversation.router import Router
from bot.live.delivery import LIVE_PROMPT
from flows.menu import MENU_REF
from storage import PromptAnswer, Run

router = Router("live answer changes")
_CHANGEABLE = frozenset({"choice", "multi", "scale"})


async def _tapped_a_finished_question(call: Call) -> bool:
    choice = call.inbound.choice or ""
    ref, _, token = choice.rpartition(".")
    if not ref or ref == MENU_REF or not token.isdecimal() or call.work.active() is not None:
        return False
    runs = await call.store.runs(call.person.id)
    found = next(
        (r for r in reversed(runs) if r.flow_id == LIVE_PROMPT and _asked_with(r, ref)), None
    )
    call.work.notes["live:tapped"] = found
    return found is not None and found.data.get("vars", {}).get("kind") in _CHANGEABLE


def _asked_with(run: Run, ref: str) -> bool:
    return ref in (run.data.get("ref"), run.data.get("answered_ref"))


@router.message(kind("choice"), _tapped_a_finished_question)
async def change_answer(call: Call) -> None:
    """Replace (or, with several options, add or remove) the answer a tap names."""
    work = call.work
    run = work.notes["live:tapped"]
    assert isinstance(run, Run)
    values: dict[str, Any] = run.data.get("vars", {})
    index = int((call.inbound.choice or "").rpartition(".")[2])
    labels = values.get("options", [])
    prompt = await call.store.prompt(str(values.get("prompt_id")))
    if prompt is None or prompt.state != "open":
        work.text(work.tr.gettext("This question is closed, so your answer was not counted."))
        return
    if values.get("kind") == "multi":
        mine = await call.store.prompt_answers(prompt.id, participant_id=work.participant.id)
        chosen = set(mine[0].value) if mine and isinstance(mine[0].value, list) else set()
        chosen ^= {index}
        value: Any = sorted(chosen)
        shown = ", ".join(labels[i] for i in value if i < len(labels)) or "—"
    else:
        value = index if values.get("kind") == "choice" else index + 1
        shown = labels[index] if values.get("kind") == "choice" and index < len(labels) else ""
        shown = shown or str(value)
    work.changes.prompt_answers.append(
        PromptAnswer(prompt.id, work.participant.id, 0, value, work.now)
    )
    work.changes.live.add(prompt.cohort_id)
    work.text(work.tr.gettext("Changed: your answer is now “{answer}”.").format(answer=shown))
