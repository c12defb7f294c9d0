"""The router: first match wins, filters are all required and lazy, hooks are unique."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.conversation.call import Call
from bot.conversation.commands import parse_command
from bot.conversation.filters import command, kind
from bot.conversation.inbound import Inbound
from bot.conversation.router import Router
from bot.conversation.work import Work
from bot.handlers import build_router
from flows.runner import ActionRequested
from i18n import translator
from storage import Conversation, Participant

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def _call(text: str = "hola", inbound_kind: Any = "text") -> Call:
    person = Participant("p1", "test", "ana", "es", NOW)
    state = Conversation(person.key, person, None, (), seen=False)
    work = Work(state, person, translator("es"), NOW)
    inbound = Inbound("test", "ana", inbound_kind, NOW, text=text)
    return Call(inbound, work, None, parse_command(text), facilitator=False)  # type: ignore[arg-type]


async def test_the_first_matching_handler_runs_and_only_it() -> None:
    router, ran = Router("t"), []

    @router.message(command("menu"))
    async def menu(call: Call) -> None:
        ran.append("menu")

    @router.message()
    async def anything(call: Call) -> None:
        ran.append("anything")

    assert await router.route(_call("/menu"))
    assert await router.route(_call("hola"))
    assert ran == ["menu", "anything"]


async def test_every_filter_must_pass_and_later_ones_are_not_asked_after_a_no() -> None:
    router, asked = Router("t"), []

    async def expensive(call: Call) -> bool:
        asked.append(call.inbound.text)
        return True

    @router.message(kind("media"), expensive)
    async def handler(call: Call) -> None:
        pass

    assert not await router.route(_call("text message"))
    assert asked == []  # the cheap filter said no first: the store was never asked
    assert await router.route(_call("photo", "media"))
    assert asked == ["photo"]


def test_included_routers_keep_their_order_and_a_second_hook_is_refused() -> None:
    first, second, top = Router("first"), Router("second"), Router("top")

    @first.message()
    async def a(call: Call) -> None:
        pass

    @second.message()
    async def b(call: Call) -> None:
        pass

    @first.action("erase")
    def erase(event: ActionRequested, work: Work) -> None:
        pass

    top.include(first, second)
    assert top.describe() == ["first: a", "second: b"]
    clash = Router("clash")
    clash.action("erase")(erase)
    with pytest.raises(ValueError, match="a second action for 'erase'"):
        top.include(clash)


def test_the_order_of_handlers_reads_in_one_place() -> None:
    order = build_router().describe()
    # A co-facilitator's command about another workshop, and a participant's facilitator
    # command, are refused before any facilitator handler sees them; commands come before the
    # broadcast draft, and the menu is the last resort.
    assert order[:2] == ["facilitator access: refuse_other_workshop", "facilitator access: refuse"]
    assert order.index("participant commands: unknown") < order.index(
        "broadcast drafts: draft_answer"
    )
    assert order[-1] == "replies: menu_choice"
    assert len(order) == len(set(order))
