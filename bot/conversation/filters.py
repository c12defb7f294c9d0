"""Filters that say which messages a handler answers; a handler runs when all of its pass.

Each is cheap and reads only what the dispatcher already holds. A filter that must query the
store goes last in its handler's list, so it runs only for the few messages that got that far.
"""

from __future__ import annotations

from bot.conversation.call import Call
from bot.conversation.inbound import InboundKind
from bot.conversation.router import Filter


class command:
    """Pass a slash command (or its plain-word alias) named one of `names`."""

    __slots__ = ("names",)
    needs_command = True  # the router skips this handler at once for any other message

    def __init__(self, *names: str) -> None:
        self.names = frozenset(names)

    def __call__(self, call: Call) -> bool:
        """Tell whether the message is one of these commands."""
        return call.command is not None and call.command.name in self.names


def any_command(call: Call) -> bool:
    """Pass any command, known or not."""
    return call.command is not None


any_command.needs_command = True  # type: ignore[attr-defined]


class kind:
    """Pass inbound messages of these kinds (`text`, `media`, `launch`, `checkin`, …)."""

    __slots__ = ("kinds",)

    def __init__(self, *kinds: InboundKind) -> None:
        self.kinds: frozenset[str] = frozenset(kinds)

    def __call__(self, call: Call) -> bool:
        """Tell whether the message is of one of these kinds."""
        return call.inbound.kind in self.kinds


def choice_is(value: str) -> Filter:
    """Pass a tap on the button with exactly this id."""
    return lambda call: call.inbound.choice == value


def choice_starts(prefix: str) -> Filter:
    """Pass a tap on a button whose id starts with `prefix`."""
    return lambda call: call.inbound.choice is not None and call.inbound.choice.startswith(prefix)


def facilitator(call: Call) -> bool:
    """Pass a facilitator (listed in MINGA_FACILITATORS, or invited)."""
    return call.facilitator


def not_facilitator(call: Call) -> bool:
    """Pass anyone who does not facilitate."""
    return not call.facilitator


def declined(call: Call) -> bool:
    """Pass a person who chose not to take part."""
    return call.person.consent is False


def in_activity(call: Call) -> bool:
    """Pass a person with an activity under way."""
    return call.work.active() is not None


def not_onboarded(call: Call) -> bool:
    """Pass a person who has not finished getting started."""
    return not call.person.onboarded
