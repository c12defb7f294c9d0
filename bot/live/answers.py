"""Answers to a question to the room, Q&A questions and upvotes, stored with the message.

The flow's steps name what to record (`answer_prompt`, `ask_the_stage`, `upvote`); the settler
checks the question is still open (a late answer gets a polite "this question is closed" and
changes nothing), numbers an open question's several answers, and marks the workshop's
projector for an update.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from bot.conversation.call import Call
from bot.conversation.router import Router
from bot.conversation.work import Work
from bot.live.delivery import LIVE_PROMPT
from flows.turn import ActionRequested
from storage import Run
from storage.records.live import OPEN_ANSWERS_PER_PERSON, Prompt, PromptAnswer, QaEntry, QaVote

router = Router("live answers")


@dataclass(frozen=True, slots=True)
class _Answer:
    prompt_id: str
    value: Any


@router.action("answer_prompt")
def answer_prompt(event: ActionRequested, work: Work) -> None:
    """Note the member's answer; the settler stores it if the question is still open."""
    values = event.payload["vars"]
    value = answer_value(str(values.get("kind")), values)
    if value is not None:
        _notes(work, "answers").append(_Answer(str(values.get("prompt_id")), value))


def answer_value(kind: str, values: dict[str, Any]) -> Any:
    """Turn the flow's answer into what a prompt answer keeps (see `PromptAnswer`)."""
    answer = values.get("answer")
    if kind == "open":
        return str(answer).strip() if answer else None
    if kind == "multi":
        return [int(a) for a in answer or [] if str(a).isdecimal()]
    if kind == "ranking":
        picks = [values.get(k) for k in ("rank_1", "rank_2", "rank_3")]
        placed = [int(p) for p in picks if p is not None and str(p).isdecimal()]
        left = [n for n in range(len(values.get("options", []))) if n not in placed]
        if len(placed) < 3 and len(left) == 1:
            placed += left  # the only one left was not asked: it comes last
        return placed
    if answer is None or not str(answer).isdecimal():
        return None
    return int(answer)  # an option's position, or the point of a scale


@router.action("ask_the_stage")
def ask_the_stage(event: ActionRequested, work: Work) -> None:
    """Note a question for the facilitators (from a Q&A prompt, or free text they chose to send)."""
    values = event.payload["vars"]
    text = str(values.get("question_text") or values.get("text") or "").strip()
    if text:
        _notes(work, "questions").append((values.get("prompt_id"), text))


@router.action("upvote")
def upvote(event: ActionRequested, work: Work) -> None:
    """Note the Q&A questions the member wants answered too."""
    values = event.payload["vars"]
    ids = values.get("entry_ids", [])
    for picked in values.get("votes") or []:
        if str(picked).isdecimal() and int(picked) < len(ids):
            _notes(work, "upvotes").append((values.get("prompt_id"), ids[int(picked)]))


def _notes(work: Work, name: str) -> list[Any]:
    found = work.notes.setdefault(f"live:{name}", [])
    assert isinstance(found, list)
    return found


@router.settler
async def after_the_room(call: Call) -> None:
    """Let answers to a question to the room be acknowledged after it has reached everyone.

    The question goes to the whole room at the platform's full rate (about 30 messages a second
    on Telegram); an answer's "thank you" and the activity it resumes wait behind it.
    """
    before = call.work.state.active
    if before is not None and before.flow_id == LIVE_PROMPT and call.inbound.kind != "prompt":
        call.work.bulk = True


@router.settler
async def record(call: Call) -> None:
    """Store what the member answered, asked or upvoted, unless the question closed meanwhile."""
    work = call.work
    for answer in _notes(work, "answers"):
        prompt = await call.store.prompt(answer.prompt_id)
        if prompt is None or prompt.state != "open":
            _closed(call)
            return
        await _store_answer(call, prompt, answer.value)
    questions = _notes(work, "questions")
    upvotes = _notes(work, "upvotes")
    if questions or upvotes:
        await _store_questions(call, questions, upvotes)


async def _store_answer(call: Call, prompt: Prompt, value: Any) -> None:
    work = call.work
    seq = 0
    if prompt.kind == "open":
        mine = await call.store.prompt_answers(prompt.id, participant_id=work.participant.id)
        seq = len(mine) + sum(1 for a in work.changes.prompt_answers if a.prompt_id == prompt.id)
        if seq >= OPEN_ANSWERS_PER_PERSON:
            work.text(
                work.tr.ngettext(
                    "This question takes up to {n} answer per person; the earlier ones count.",
                    "This question takes up to {n} answers per person; the earlier ones count.",
                    OPEN_ANSWERS_PER_PERSON,
                ).format(n=OPEN_ANSWERS_PER_PERSON)
            )
            return
    # Answering again while the question is open replaces the answer (an open question adds).
    work.changes.prompt_answers.append(
        PromptAnswer(prompt.id, work.participant.id, seq, value, work.now)
    )
    work.changes.live.add(prompt.cohort_id)


def _closed(call: Call) -> None:
    """Say the question closed; drop this turn's prompt messages and go back to what waited."""
    work, conversation = call.work, call.conversation
    work.messages.clear()
    notice = work.tr.gettext("This question is closed, so your answer was not counted.")
    run = _prompt_run(work)
    if run is not None and run.status == "active":
        run = run.with_changes(status="cancelled", updated_at=work.now)
        work.save(run)
    active = work.active()
    if active is not None:
        conversation.prompt(active, work, notice)  # what the question had interrupted
        return
    work.text(notice)
    if run is not None:
        conversation.go_on(run, work)


def _prompt_run(work: Work) -> Run | None:
    runs = [r for r in work.runs.values() if r.flow_id == LIVE_PROMPT]
    return max(runs, key=lambda r: r.updated_at) if runs else None


async def _store_questions(call: Call, questions: list[Any], upvotes: list[Any]) -> None:
    work = call.work
    cohort_id = await _workshop_of(call, [prompt_id for prompt_id, _ in questions + upvotes])
    if cohort_id is None:
        return
    for prompt_id, text in questions:
        entry = QaEntry(
            uuid.uuid4().hex[:12],
            cohort_id,
            text,
            work.now,
            participant_id=work.participant.id,
            prompt_id=prompt_id,
        )
        work.changes.qa_entries.append(entry)
    for _, entry_id in upvotes:
        work.changes.qa_votes.append(QaVote(entry_id, work.participant.id, work.now))
    work.changes.live.add(cohort_id)


async def _workshop_of(call: Call, prompt_ids: list[Any]) -> str | None:
    """Find the workshop a question goes to: its prompt's, else the member's latest."""
    for prompt_id in prompt_ids:
        if prompt_id:
            prompt = await call.store.prompt(str(prompt_id))
            if prompt is not None:
                return prompt.cohort_id
    memberships = await call.store.memberships(call.work.participant.id)
    return memberships[-1].cohort_id if memberships else None
