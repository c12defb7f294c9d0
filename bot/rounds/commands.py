"""`/voting open|close CODE` and `/phase voting|discussing|closed CODE`: move the round."""

from __future__ import annotations

from bot.conversation.call import Call
from bot.conversation.router import Router
from bot.facilitation.access import facilitator_command
from bot.facilitation.requests import FixedClock, Request, audit, find_request, need_code, usage
from bot.rounds.round import RoundError, move_phase
from i18n import fold

router = Router("round commands")


@facilitator_command(router, "voting")
async def voting(call: Call) -> None:
    """Open or close the vote."""
    request = await find_request(call)
    word = fold(request.words[0]) if request.words else ""
    target = {"open": "voting", "abrir": "voting", "close": "discussing"}.get(word)
    if target is None:
        usage(call.work, "/voting open|close CODE")
        return
    await _move(call, request, target)


@facilitator_command(router, "phase")
async def phase(call: Call) -> None:
    """Move the round to a named phase."""
    request = await find_request(call)
    target = fold(request.words[0]) if request.words else ""
    if target not in {"voting", "discussing", "closed"}:
        usage(call.work, "/phase voting|discussing|closed CODE")
        return
    await _move(call, request, target)


async def _move(call: Call, request: Request, target: str) -> None:
    work = call.work
    if request.cohort is None:
        need_code(work, "phase")
        return
    try:
        change = await move_phase(call.store, request.cohort, target, FixedClock(work))
    except RoundError as exc:
        work.text(work.tr.gettext("The round cannot move: {reason}").format(reason=exc))
        return
    audit(work, "phase", cohort=request.cohort.code, phase=target)
    work.text(
        work.tr.ngettext(
            "The round is now “{phase}”; {n} member was told.",
            "The round is now “{phase}”; {n} members were told.",
            change.announced,
        ).format(phase=target, n=change.announced)
    )
