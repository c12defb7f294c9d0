"""Typed, immutable models of a flow file, produced by the loader and read by the runner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FlowKind = Literal[
    "onboarding", "assessment", "activity", "prioritization", "action_plan", "checkin", "settings"
]
FLOW_KINDS: tuple[str, ...] = (
    "onboarding",
    "assessment",
    "activity",
    "prioritization",
    "action_plan",
    "checkin",
    "settings",
    "live",  # questions to the room: started for every member, never from the menu
)
# Kinds a participant picks from the menu; the others are started by the bot or by a command.
MENU_KINDS = frozenset({"assessment", "activity", "prioritization", "action_plan"})
END = "end"
PROFILE_FIELDS = frozenset(
    {
        "locale",
        "name",
        "municipality",
        "country",
        "role",
        "consent",
        "cohort",
        "table",
        "share_progress",
    }
)
ACTIONS = frozenset(
    {
        "finish_onboarding",
        "erase",
        "save_action",
        "update_action",
        "commit_plan",
        "submit_challenges",
        "answer_prompt",
        "ask_the_stage",
        "upvote",
        "create_prompt",
        "cast_vote",
        "propose_solution",
        "show_ranking",
        "next_checkin_action",
        "record_checkin_action",
        "save_new_action",
        "finish_checkin",
        "explain_dimension",
        "add_milestone",
    }
)
ConditionOp = Literal["eq", "in", "lt", "lte", "gt", "gte", "contains"]


@dataclass(frozen=True, slots=True)
class Option:
    """An answer a question offers; `label` is a msgid unless `translate` is false."""

    id: str
    label: str
    translate: bool = True
    synonyms: tuple[str, ...] = ()
    # Shown where the label does not fit (buttons, WhatsApp list rows); a msgid like the label.
    short: str | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    """A test on the parsed answer that picks a branch."""

    op: ConditionOp
    value: Any

    def matches(self, answer: Any) -> bool:
        """Tell whether the answer satisfies this condition."""
        try:
            match self.op:
                case "eq":
                    return bool(answer == self.value)
                case "in":
                    return answer in self.value
                case "contains":
                    return isinstance(answer, list) and self.value in answer
                case "lt":
                    return bool(answer < self.value)
                case "lte":
                    return bool(answer <= self.value)
                case "gt":
                    return bool(answer > self.value)
                case "gte":
                    return bool(answer >= self.value)
        except TypeError:
            return False
        return False  # pragma: no cover - exhaustive match


@dataclass(frozen=True, slots=True)
class Branch:
    """Go to `target` when the answer matches `condition`; branches are tried in order."""

    condition: Condition
    target: str


@dataclass(frozen=True, slots=True)
class Step:
    """A step says something, asks a question, or both; then goes on, branches or ends."""

    id: str
    say: str | None = None
    ask: str | None = None
    # The question is a run variable already in the reader's language (a question to the room).
    ask_from: str | None = None
    type: str | None = None
    hint: str | None = None
    invalid: str | None = None
    options: tuple[Option, ...] = ()
    options_from: str | None = None
    next: str | None = None
    branches: tuple[Branch, ...] = ()
    end: bool = False
    save: str | None = None
    set: str | None = None
    prefill: str | None = None
    optional: bool = False
    min: float | None = None
    max: float | None = None
    top: int | None = None
    page_size: int | None = None
    action: str | None = None
    dimension: str | None = None
    reverse: bool = False
    # XLSForm's skip logic over earlier answers (`${q} = 'x'`, see flows/relevance.py): when it
    # does not hold, the step is passed by as if it were not there.
    relevant: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_question(self) -> bool:
        """Tell whether the step waits for an answer."""
        return self.type is not None

    @property
    def key(self) -> str:
        """The run variable the answer is saved under."""
        return self.save or self.id

    def targets(self) -> list[str]:
        """Every step this one can go to next, in declaration order."""
        found = [b.target for b in self.branches]
        if self.next is not None:
            found.append(self.next)
        return found


@dataclass(frozen=True, slots=True)
class Group:
    """A family of dimensions scored together (the principles' effectiveness, say)."""

    id: str
    label: str


@dataclass(frozen=True, slots=True)
class Dimension:
    """What an assessment scores; items point to it with `dimension:`."""

    id: str
    label: str
    suggestion: str
    group: str | None = None
    learn: str | None = None  # what it means for a municipality, in two or three short lines


@dataclass(frozen=True, slots=True)
class Flow:
    """A validated flow: its identity, texts and steps."""

    id: str
    kind: str
    version: int
    title: str
    start: str
    steps: Mapping[str, Step]
    source: str
    description: str | None = None
    # The title as a menu button or list row shows it when the whole title does not fit.
    short: str | None = None
    menu: bool = False
    params: Mapping[str, Any] = field(default_factory=dict)
    groups: tuple[Group, ...] = ()
    dimensions: tuple[Dimension, ...] = ()
    # A form's own translations (locale → msgid → text), for texts the catalogs do not have;
    # an XLSForm brings them in its label columns (flows/xlsform/texts.py).
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def step(self, step_id: str) -> Step:
        """Return a step by id; the loader guarantees every target exists."""
        return self.steps[step_id]
