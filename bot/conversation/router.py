"""Routers: features register handlers with the conditions they answer; the first match runs.

As with aiogram's `Router` and python-telegram-bot's handler groups, a feature owns a router and
registers each handler with its filters; `bot/handlers.py` includes the routers in the order
they are tried, so that order reads in one place and the dispatcher never changes for a feature.

A router has four tables besides its message handlers, for what a flow asks of the features:
`action` (a step's `action:` name), `opener` (how a flow of a kind starts from the menu),
`finisher` (what happens when a flow of a kind ends) and `settler` (work after routing that
needs the store, in order).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from flows.turn import ActionRequested
from storage import Run

if TYPE_CHECKING:
    from bot.conversation.call import Call
    from bot.conversation.conversation import Conversation
    from bot.conversation.work import Work
    from flows.model import Flow

T = TypeVar("T")
Filter = Callable[["Call"], bool | Awaitable[bool]]
Callback = Callable[["Call"], Awaitable[None]]
ActionCallback = Callable[[ActionRequested, "Work"], None]
Opener = Callable[["Call", "Flow"], Awaitable[None]]
Finisher = Callable[["Conversation", "Work", Run], None]
Settler = Callable[["Call"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Handler:
    """A callback and the filters that must all pass for it to handle a message.

    `needs_command` and `kinds` are read off the filters once, so that routing a message skips
    at once the handlers it can never match (most handlers answer commands; most messages are
    answers).
    """

    name: str
    filters: tuple[tuple[Filter, bool], ...]  # each filter, and whether it must be awaited
    callback: Callback
    needs_command: bool
    kinds: frozenset[str] | None
    sync: bool  # no filter must be awaited: matched without a coroutine of its own

    @classmethod
    def of(cls, name: str, filters: tuple[Filter, ...], callback: Callback) -> Handler:
        """Build a handler, noting which filters are coroutines and what they require."""
        kinds: frozenset[str] | None = None
        for check in filters:
            allowed = getattr(check, "kinds", None)
            if allowed is not None:
                kinds = allowed if kinds is None else kinds & allowed
        checks = tuple((check, inspect.iscoroutinefunction(check)) for check in filters)
        return cls(
            name,
            checks,
            callback,
            any(getattr(check, "needs_command", False) for check in filters),
            kinds,
            not any(awaited for _, awaited in checks),
        )

    def could_match(self, has_command: bool, kind: str) -> bool:
        """Tell whether a message with or without a command, of this kind, can match at all."""
        if self.needs_command and not has_command:
            return False
        return self.kinds is None or kind in self.kinds

    def matches_now(self, call: Call) -> bool:
        """Tell whether every filter passes, for a handler whose filters are all plain."""
        return all(check(call) for check, _ in self.filters)

    async def matches(self, call: Call) -> bool:
        """Tell whether every filter passes; cheap filters first, so later ones may query."""
        for check, awaited in self.filters:
            verdict = check(call)
            if awaited:
                verdict = await verdict  # type: ignore[misc]
            if not verdict:
                return False
        return True


class Router:
    """Handlers in registration order, plus the flow hooks; routers include other routers."""

    __slots__ = ("_candidates", "actions", "finishers", "handlers", "name", "openers", "settlers")

    def __init__(self, name: str) -> None:
        self.name = name
        self.handlers: list[Handler] = []
        self.actions: dict[str, ActionCallback] = {}
        self.openers: dict[str, Opener] = {}
        self.finishers: dict[str, Finisher] = {}
        self.settlers: list[Settler] = []
        self._candidates: dict[tuple[bool, str], list[Handler]] = {}

    def message(self, *filters: Filter) -> Callable[[Callback], Callback]:
        """Register the decorated coroutine for messages that pass every filter."""

        def register(callback: Callback) -> Callback:
            name = f"{self.name}: {callback.__name__}"
            self.handlers.append(Handler.of(name, filters, callback))
            self._candidates.clear()
            return callback

        return register

    def action(self, *names: str) -> Callable[[ActionCallback], ActionCallback]:
        """Register what a flow step's `action: NAME` does to the work."""

        def register(callback: ActionCallback) -> ActionCallback:
            for name in names:
                self._unique(self.actions, name, "action")
                self.actions[name] = callback
            return callback

        return register

    def opener(self, kind: str) -> Callable[[Opener], Opener]:
        """Register how a flow of this kind starts when a person picks it from the menu."""

        def register(callback: Opener) -> Opener:
            self._unique(self.openers, kind, "opener")
            self.openers[kind] = callback
            return callback

        return register

    def finisher(self, kind: str) -> Callable[[Finisher], Finisher]:
        """Register what follows the end of a flow of this kind (instead of the menu)."""

        def register(callback: Finisher) -> Finisher:
            self._unique(self.finishers, kind, "finisher")
            self.finishers[kind] = callback
            return callback

        return register

    def settler(self, callback: Settler) -> Settler:
        """Register work that runs after routing, before the commit, in registration order."""
        self.settlers.append(callback)
        return callback

    def include(self, *routers: Router) -> None:
        """Add other routers' handlers and hooks after this one's, in the order given."""
        for router in routers:
            self.handlers.extend(router.handlers)
            self._candidates.clear()
            self._merge(self.actions, router.actions, "action")
            self._merge(self.openers, router.openers, "opener")
            self._merge(self.finishers, router.finishers, "finisher")
            self.settlers.extend(router.settlers)

    async def route(self, call: Call) -> bool:
        """Run the first handler that matches; return False when none did."""
        gate = (call.command is not None, call.inbound.kind)
        candidates = self._candidates.get(gate)
        if candidates is None:
            candidates = [h for h in self.handlers if h.could_match(*gate)]
            self._candidates[gate] = candidates
        for handler in candidates:
            if handler.matches_now(call) if handler.sync else await handler.matches(call):
                await handler.callback(call)
                return True
        return False

    def describe(self) -> list[str]:
        """Name every message handler in the order it is tried (for docs and tests)."""
        return [handler.name for handler in self.handlers]

    def _merge(self, table: dict[str, T], theirs: dict[str, T], what: str) -> None:
        for key, value in theirs.items():
            self._unique(table, key, what)
            table[key] = value

    def _unique(self, table: Mapping[str, object], key: str, what: str) -> None:
        if key in table:
            raise ValueError(f"{self.name}: a second {what} for {key!r}")
