"""Records of the live room: questions to the room (prompts), their answers, Q&A, the projector."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

PromptKind = Literal["open", "choice", "scale", "ranking", "qa"]
PROMPT_KINDS: tuple[PromptKind, ...] = ("open", "choice", "scale", "ranking", "qa")
PromptState = Literal["draft", "open", "closed"]
# An `open` prompt takes several short answers per person (a word cloud), up to this many.
OPEN_ANSWERS_PER_PERSON = 3


@dataclass(frozen=True, slots=True)
class Prompt:
    """A question a facilitator asks the room, in one or more languages (the first is the default).

    `options` hold each option's label per language (choice and ranking). `revealed` False
    hides the results from the projector until the facilitator shows them.
    """

    id: str
    cohort_id: str
    kind: PromptKind
    texts: Mapping[str, str]
    created_at: datetime
    options: tuple[Mapping[str, str], ...] = ()
    multi: bool = False
    scale_max: int = 5
    state: PromptState = "draft"
    revealed: bool = True
    created_by: str | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None

    def text(self, locale: str) -> str:
        """Return the question in this language, else in the first language given."""
        return _pick(self.texts, locale)

    def option_labels(self, locale: str) -> list[str]:
        """Return the options' labels in this language, else in the first language given."""
        return [_pick(option, locale) for option in self.options]

    def with_changes(self, **changes: Any) -> Prompt:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


def _pick(texts: Mapping[str, str], locale: str) -> str:
    if texts.get(locale):
        return texts[locale]
    return next((text for text in texts.values() if text), "")


@dataclass(frozen=True, slots=True)
class PromptAnswer:
    """One answer to a prompt; `seq` numbers the several answers of an `open` prompt.

    `value` is an option index (choice), a list of indexes (several choices, a ranking in
    order), a number (scale) or the text (open).
    """

    prompt_id: str
    participant_id: str
    seq: int
    value: Any
    created_at: datetime
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class QaEntry:
    """A question a participant sent to the stage; others upvote it, facilitators answer it."""

    id: str
    cohort_id: str
    text: str
    created_at: datetime
    participant_id: str | None = None
    prompt_id: str | None = None
    answered: bool = False
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class QaVote:
    """One person's upvote of a Q&A entry; a second one by the same person counts once."""

    entry_id: str
    participant_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LiveLink:
    """A read-only projector link of a workshop: its token opens the projector view."""

    token: str
    cohort_id: str
    created_at: datetime
    revoked_at: datetime | None = None


Screen = Mapping[str, Any]  # what the projector shows: {"kind": "prompt", "id": …}, {"kind": …}
