"""A question to the room reaches each member: the `live_prompt` flow, in their language.

Opening a prompt schedules one start per member (committed with the opening, so a crash
neither skips nor repeats anyone); each start comes here under the member's lock. What they
were doing waits, and comes back once they have answered.
"""

from __future__ import annotations

from typing import Any

from bot.conversation.call import Call
from bot.conversation.filters import kind
from bot.conversation.router import Router
from bot.conversation.work import Work
from storage import Run
from storage.records.live import Prompt, QaEntry, QaVote

LIVE_PROMPT = "live_prompt"
QA_CHOICES = 10  # the questions offered for upvotes: the most voted ones

router = Router("live delivery")


@router.message(kind("prompt"))
async def deliver(call: Call) -> None:
    """Ask this member the prompt now, unless it closed meanwhile or they stopped messages."""
    work = call.work
    prompt = await call.store.prompt(str(call.inbound.choice))
    if prompt is None or prompt.state != "open" or not work.participant.open_to_messages:
        return
    entries, votes = [], []
    if prompt.kind == "qa":
        entries = await call.store.qa_entries(prompt.cohort_id)
        votes = await call.store.qa_votes(prompt.cohort_id)
    preset = prompt_preset(prompt, work.participant.locale, work.participant.id, entries, votes)
    call.conversation.start(LIVE_PROMPT, work, preset, resume=_interrupted(work))


def _interrupted(work: Work) -> Run | None:
    """Find the run to come back to: the activity under way, or what an old prompt held."""
    active = work.active()
    if active is None or active.flow_id != LIVE_PROMPT:
        return active
    # An earlier question to the room, never answered: the new one replaces it.
    work.save(active.with_changes(status="cancelled", updated_at=work.now))
    held = active.data.get("resume")
    return next((r for r in work.paused() if r.id == held), None)


def prompt_preset(
    prompt: Prompt,
    locale: str,
    participant_id: str,
    entries: list[QaEntry] | None = None,
    votes: list[QaVote] | None = None,
) -> dict[str, Any]:
    """Build the run data a member's `live_prompt` starts with, texts in their language."""
    kind_ = "multi" if prompt.kind == "choice" and prompt.multi else prompt.kind
    preset: dict[str, Any] = {
        "prompt_id": prompt.id,
        "kind": kind_,
        "question": prompt.text(locale),
        "options": prompt.option_labels(locale),
        "scale_max": prompt.scale_max,
    }
    if prompt.kind == "ranking":
        # The last option left is placed without asking (two options: one question).
        if len(prompt.options) <= 2:
            preset["no_second"] = ""
        if len(prompt.options) <= 3:
            preset["no_third"] = ""
    if prompt.kind == "qa":
        others = [e for e in entries or [] if not e.hidden and not e.answered]
        others = [e for e in others if e.participant_id != participant_id]
        count = {e.id: 0 for e in others}
        for vote in votes or []:
            if vote.entry_id in count:
                count[vote.entry_id] += 1
        chosen = sorted(others, key=lambda e: (-count[e.id], e.created_at))[:QA_CHOICES]
        preset["options"] = [e.text for e in chosen]
        preset["entry_ids"] = [e.id for e in chosen]
        preset["no_questions"] = not chosen
    return preset
