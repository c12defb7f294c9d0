"""Checks a parsed flow must pass before it is compiled: graph, types, texts, translations."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator

from flows.errors import FlowError
from flows.model import ACTIONS, END, PROFILE_FIELDS, Flow, Step
from flows.options import SOURCES
from flows.questions.base import question_type
from flows.relevance import RuleError, names, parse_rule
from i18n import TRANSLATED_LOCALES, translator


def validate_flow(flow: Flow, *, check_translations: bool = True) -> list[FlowError]:
    """Return every problem of a flow; an empty list means it can be compiled."""
    errors = [
        FlowError(flow.source, problem, step.id)
        for step in flow.steps.values()
        for problem in _step_problems(flow, step)
    ]
    errors += _dimension_problems(flow)
    if errors:
        return errors
    errors += _graph_problems(flow)
    if check_translations:
        errors += translation_problems(flow)
    return errors


def _step_problems(flow: Flow, step: Step) -> Iterator[str]:
    asks = step.ask is not None or step.ask_from is not None
    if step.say is None and not asks and step.type != "route" and step.action is None:
        yield "a step needs 'say', 'ask' or 'action'"
    if asks and step.type is None:
        yield "'ask' needs a 'type'"
    if step.ask is not None and step.ask_from is not None:
        yield "a question has 'ask' or 'ask_from', not both"
    if step.type is not None:
        kind = question_type(step.type)
        if kind is None:
            yield f"unknown question type {step.type!r}"
        else:
            if not asks and kind.name != "route":
                yield "a question needs 'ask'"
            if (step.options or step.options_from) and not kind.has_options:
                yield f"a {step.type} question takes no options"
            yield from kind.check(step)
    elif step.branches:
        yield "only questions can branch"
    if step.options_from is not None and step.options_from not in SOURCES:
        yield f"unknown options_from {step.options_from!r}; known: {', '.join(sorted(SOURCES))}"
    ids = [o.id for o in step.options]
    if len(ids) != len(set(ids)):
        yield "option ids must be unique"
    if step.end and (step.next is not None or step.branches or step.type is not None):
        yield "an end step only says something; it has no 'next', branches or question"
    if not step.end and step.next is None:
        yield "missing 'next' (use 'end: true' on the last step, or 'next: end')"
    for target in step.targets():
        if target != END and target not in flow.steps:
            yield f"goes to {target!r}, which does not exist"
    if step.set is not None:
        owner, _, name = step.set.partition(".")
        if owner != "participant" or name not in PROFILE_FIELDS:
            yield f"'set' must be participant.<one of {', '.join(sorted(PROFILE_FIELDS))}>"
    if step.action is not None and step.action not in ACTIONS:
        yield f"unknown action {step.action!r}; known: {', '.join(sorted(ACTIONS))}"
    if step.page_size is not None and step.page_size < 2:
        yield "page_size must be at least 2"
    if step.prefill is not None and step.type is None:
        yield "only a question can be prefilled"
    if step.relevant is not None:
        yield from _relevance_problems(flow, step.relevant)


def _relevance_problems(flow: Flow, expression: str) -> Iterator[str]:
    """Check that `relevant` parses and reads only answers this flow saves."""
    try:
        rule = parse_rule(expression)
    except RuleError as exc:
        yield f"'relevant' is not understood ({exc}): {expression!r}"
        return
    saved = {s.key for s in flow.steps.values() if s.is_question}
    for name in names(rule):
        if name not in saved:
            yield f"'relevant' names {name!r}, which no question saves"


def _dimension_problems(flow: Flow) -> list[FlowError]:
    errors: list[FlowError] = []
    known = {d.id for d in flow.dimensions}
    groups = {g.id for g in flow.groups}
    scored: set[str] = set()
    for step in flow.steps.values():
        if step.dimension is None:
            continue
        if step.dimension not in known:
            errors.append(FlowError(flow.source, f"unknown dimension {step.dimension!r}", step.id))
        elif step.type != "likert":
            errors.append(FlowError(flow.source, "only likert questions are scored", step.id))
        scored.add(step.dimension)
    for dimension in flow.dimensions:
        if dimension.id not in scored:
            errors.append(FlowError(flow.source, f"dimension {dimension.id!r} has no question"))
        if dimension.group is not None and dimension.group not in groups:
            errors.append(
                FlowError(
                    flow.source, f"dimension {dimension.id!r}: unknown group {dimension.group!r}"
                )
            )
    if flow.kind == "assessment" and not flow.dimensions:
        errors.append(FlowError(flow.source, "an assessment needs dimensions to score"))
    return errors


def successors(step: Step) -> list[str]:
    """Return the steps a step can lead to, `end` left out."""
    return [t for t in step.targets() if t != END]


def _graph_problems(flow: Flow) -> list[FlowError]:
    errors: list[FlowError] = []
    reachable = _closure([flow.start], lambda s: successors(flow.steps[s]))
    for step_id in flow.steps:
        if step_id not in reachable:
            errors.append(FlowError(flow.source, f"cannot be reached from {flow.start!r}", step_id))
    predecessors: dict[str, list[str]] = {s: [] for s in flow.steps}
    for step in flow.steps.values():
        for target in successors(step):
            predecessors[target].append(step.id)
    finishing = [s.id for s in flow.steps.values() if s.end or END in s.targets()]
    can_finish = _closure(finishing, lambda s: predecessors[s])
    for step_id in flow.steps:
        if step_id in reachable and step_id not in can_finish:
            errors.append(FlowError(flow.source, "no end can be reached from here", step_id))
    return errors


def _closure(seeds: list[str], follow: Callable[[str], list[str]]) -> set[str]:
    seen = set(seeds)
    queue = deque(seeds)
    while queue:
        for nxt in follow(queue.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def flow_messages(flow: Flow) -> Iterator[tuple[str | None, str]]:
    """Yield `(step id, msgid)` for every translatable text of a flow."""
    yield None, flow.title
    if flow.short:
        yield None, flow.short
    if flow.description:
        yield None, flow.description
    for group in flow.groups:
        yield None, group.label
    for dimension in flow.dimensions:
        yield None, dimension.label
        yield None, dimension.suggestion
        if dimension.learn:
            yield None, dimension.learn
    for step in flow.steps.values():
        for text in (step.say, step.ask, step.hint, step.invalid):
            if text:
                yield step.id, text
        for option in step.options:
            if option.translate:
                yield step.id, option.label
                if option.short:
                    yield step.id, option.short


def translation_problems(flow: Flow) -> list[FlowError]:
    """Report each text that a shipped locale does not translate."""
    errors: list[FlowError] = []
    for locale in TRANSLATED_LOCALES:
        tr = translator(locale)
        for step_id, text in flow_messages(flow):
            if not tr.has(text):
                short = text if len(text) <= 60 else text[:57] + "..."
                errors.append(
                    FlowError(flow.source, f"text not translated to {locale!r}: {short!r}", step_id)
                )
    return errors
