"""Who may use facilitator commands, and the polite no everyone else gets.

A facilitator command is registered with `facilitator_command`, which also records its name:
the refusals below answer those names for anyone who does not facilitate, and for a
co-facilitator naming a workshop they were not invited to, before any feature sees the
message, so nothing happens.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.conversation.call import Call
from bot.conversation.filters import command, facilitator
from bot.conversation.router import Callback, Router
from bot.facilitation.requests import outside_scope

FACILITATOR_COMMANDS: set[str] = set()

router = Router("facilitator access")


def facilitator_command(into: Router, *names: str) -> Callable[[Callback], Callback]:
    """Register a handler for these commands, answered for facilitators only."""
    FACILITATOR_COMMANDS.update(names)
    return into.message(command(*names), facilitator)


def _refused(call: Call) -> bool:
    command_ = call.command
    return command_ is not None and command_.name in FACILITATOR_COMMANDS and not call.facilitator


_refused.needs_command = True  # type: ignore[attr-defined]


def _facilitator_command(call: Call) -> bool:
    command_ = call.command
    return command_ is not None and command_.name in FACILITATOR_COMMANDS and call.facilitator


_facilitator_command.needs_command = True  # type: ignore[attr-defined]


@router.message(_facilitator_command, outside_scope)
async def refuse_other_workshop(call: Call) -> None:
    """Tell a co-facilitator that a workshop they were not invited to is not theirs."""
    call.conversation.carry_on(
        call.work,
        call.gettext(
            "You co-facilitate only the workshops you were invited to, so nothing was done. "
            "Its facilitators can send you an invite with /invite."
        ),
    )


@router.message(_refused)
async def refuse(call: Call) -> None:
    """Tell a participant that a facilitator command is not theirs; change nothing."""
    call.conversation.carry_on(
        call.work,
        call.gettext("That command is for the workshop's facilitators, so nothing was done."),
    )
