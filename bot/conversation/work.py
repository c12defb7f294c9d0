"""What handling one message has decided so far: the state read, and the changes to commit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from i18n import Translator
from storage import Changes, Conversation, Outbound, Participant, Run


@dataclass(slots=True)
class Work:
    """What handling one message has decided so far; becomes one `Changes`."""

    state: Conversation
    participant: Participant
    tr: Translator
    now: datetime
    runs: dict[str, Run] = field(default_factory=dict)
    changes: Changes = field(default_factory=Changes)
    messages: list[Outbound] = field(default_factory=list)
    erase: bool = False
    forget: bool = False
    scored: list[Run] = field(default_factory=list)
    ranking_for: str | None = None
    table_no: int | None = None
    menu_after: bool = False
    checkin_report: Mapping[str, Any] | None = None  # a finished check-in's answers, to store
    checkin_done: Run | None = None
    # The replies can wait behind bulk sends (a question to the room reaches everyone first).
    bulk: bool = False
    # What a filter found for its handler (the broadcast draft it read), by name.
    notes: dict[str, object] = field(default_factory=dict)
    # The active run, worked out once until a run is saved (filters and handlers both ask).
    _active: tuple[Run | None] | None = field(default=None, repr=False)

    def say(self, message: Outbound) -> None:
        """Queue a reply; text joins the previous reply when that one offers no choices.

        Charts go last in a turn: the text and any question after them come first, in one
        message where they can, and the chart (drawn when sent) follows.
        """
        charts = 0
        if message.chart is None:
            while charts < len(self.messages) and self.messages[-1 - charts].chart is not None:
                charts += 1
        end = len(self.messages) - charts
        last = self.messages[end - 1] if end else None
        plain = last is not None and not last.choices and not _visual(last)
        if plain and last is not None and not _visual(message) and message.document is None:
            self.messages[end - 1] = Outbound(
                f"{last.text}\n\n{message.text}",
                message.choices,
                multi=message.multi,
                scale=message.scale,
            )
        else:
            self.messages.insert(end, message)

    def text(self, text: str) -> None:
        """Queue a plain text reply."""
        self.say(Outbound(text))

    def is_new(self) -> bool:
        """Tell whether this message is the first Minga has from this person."""
        return self.state.participant is None

    def save(self, run: Run) -> None:
        """Remember a run's new state for the commit."""
        self.runs[run.id] = run
        self._active = None

    def active(self) -> Run | None:
        """Return the run that is active after what this message changed."""
        if self._active is None:
            runs = {r.id: r for r in (self.state.active, *self.state.paused) if r is not None}
            runs.update(self.runs)
            current = [r for r in runs.values() if r.status == "active"]
            self._active = (max(current, key=lambda r: r.updated_at) if current else None,)
        return self._active[0]

    def paused(self) -> list[Run]:
        """Return paused runs after what this message changed, newest first."""
        runs = {r.id: r for r in (self.state.active, *self.state.paused) if r is not None}
        runs.update(self.runs)
        paused = [r for r in runs.values() if r.status == "paused"]
        return sorted(paused, key=lambda r: r.updated_at, reverse=True)


def _visual(message: Outbound) -> bool:
    return message.image_png is not None or message.chart is not None
