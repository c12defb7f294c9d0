"""The question-type interface, what parsing reads and returns, and the registry of types."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from flows.model import Option, Step
from i18n import Translator
from storage import Cohort


class Directory(Protocol):
    """Read-only lookups a question may need (goflow calls these the session's assets)."""

    async def cohort_by_code(self, code: str) -> Cohort | None:
        """Find a workshop by its code."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What the participant sent for the current question: text, or an option they tapped."""

    text: str | None = None
    option: Option | None = None


@dataclass(frozen=True, slots=True)
class Parsed:
    """An accepted answer: the value to store and how to show it back."""

    value: Any
    display: str


@dataclass(frozen=True, slots=True)
class Invalid:
    """A rejected answer and the translated reason to tell the participant."""

    message: str


@dataclass(frozen=True, slots=True)
class AskContext:
    """What parsing needs besides the reply: the language, the options and lookups."""

    tr: Translator
    options: tuple[Option, ...]
    shown: tuple[Option, ...]
    directory: Directory
    now: datetime | None = None  # when the reply came (a deadline must not be in the past)


class QuestionType(ABC):
    """One kind of question; subclasses register themselves by `name`."""

    name: ClassVar[str]
    has_options: ClassVar[bool] = False
    multiple: ClassVar[bool] = False
    registry: ClassVar[dict[str, QuestionType]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.name.startswith("_"):  # abstract helpers stay out of the registry
            QuestionType.registry[cls.name] = cls()

    def check(self, step: Step) -> list[str]:
        """Return problems with the step's settings for this type (empty when fine)."""
        return []

    @abstractmethod
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        """Turn a reply into a value, or say why it is not an answer."""

    def hint(self, step: Step, tr: Translator) -> str | None:
        """Return a short instruction shown under the question, if the type needs one."""
        return None

    def fixed_options(self, step: Step) -> tuple[Option, ...]:
        """Options the type itself supplies when the step lists none."""
        return ()


def question_type(name: str) -> QuestionType | None:
    """Look up a registered question type."""
    return QuestionType.registry.get(name)
