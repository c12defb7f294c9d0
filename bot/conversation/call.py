"""One message being handled, as every handler sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.conversation.commands import Command
from bot.conversation.inbound import Inbound
from bot.conversation.work import Work
from storage import Participant, Store

if TYPE_CHECKING:
    from bot.conversation.conversation import Conversation
    from flows.registry import FlowRegistry


@dataclass(slots=True)
class Call:
    """What came in, the work decided so far, and the conversation's primitives to act with."""

    inbound: Inbound
    work: Work
    conversation: Conversation
    command: Command | None
    facilitator: bool

    @property
    def store(self) -> Store:
        """The store, for the reads a handler needs (writes go through `work.changes`)."""
        return self.conversation.store

    @property
    def registry(self) -> FlowRegistry:
        """The flows this process serves."""
        return self.conversation.registry

    @property
    def person(self) -> Participant:
        """The participant as this message has changed them so far."""
        return self.work.participant

    def say(self, text: str) -> None:
        """Queue a plain text reply."""
        self.work.text(text)

    def gettext(self, message: str) -> str:
        """Translate into the participant's current language."""
        return self.work.tr.gettext(message)
