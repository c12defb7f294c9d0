"""What the flow runner takes and returns: the context of a reply, and the turn it causes.

The turn holds the new run state, the answers to record, the messages to send and the events to
apply; the dispatcher commits it in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flows.questions.base import Directory
from i18n import Translator
from storage import Answer, Choice, Outbound, Participant, Run


@dataclass(frozen=True, slots=True)
class ProfileSet:
    """A step asked to store an answer on the participant (`set: participant.name`)."""

    field: str
    value: Any


@dataclass(frozen=True, slots=True)
class ActionRequested:
    """A step asked the dispatcher to do something only it can (`action: erase`)."""

    name: str
    payload: Mapping[str, Any] = field(default_factory=dict)


Event = ProfileSet | ActionRequested


@dataclass(slots=True)
class Turn:
    """What one reply caused; the dispatcher commits it in one transaction."""

    tr: Translator
    run: Run | None = None
    answers: list[Answer] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    choices: tuple[Choice, ...] = ()
    multi: bool = False
    scale: bool = False
    events: list[Event] = field(default_factory=list)
    finished: bool = False

    def messages(self) -> list[Outbound]:
        """Merge the turn's texts into one message, so one exchange costs one platform call."""
        if not self.texts:
            return []
        text = "\n\n".join(t for t in self.texts if t)
        return [Outbound(text, self.choices, multi=self.multi, scale=self.scale)]


@dataclass(frozen=True, slots=True)
class Context:
    """Who is answering, in which language, when, and the lookups a question may need."""

    participant: Participant
    tr: Translator
    now: datetime
    directory: Directory
