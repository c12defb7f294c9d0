"""Read a flow file: size check → spec migration → parse → validate, as goflow does.

Every problem is collected and reported together, each naming the file and the step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from flows.errors import FlowError, FlowErrors
from flows.model import (
    FLOW_KINDS,
    MENU_KINDS,
    Branch,
    Condition,
    ConditionOp,
    Dimension,
    Flow,
    Group,
    Option,
    Step,
)
from flows.validate import validate_flow

MAX_FLOW_BYTES = 256 * 1024
CURRENT_SPEC = 1
_FLOW_KEYS = frozenset(
    {
        "spec",
        "id",
        "kind",
        "version",
        "title",
        "description",
        "short",
        "start",
        "steps",
        "menu",
        "params",
        "groups",
        "dimensions",
    }
)
_GROUP_KEYS = frozenset({"id", "label"})
_DIMENSION_KEYS = frozenset({"id", "label", "suggestion", "group", "learn"})
_STEP_KEYS = frozenset(Step.__dataclass_fields__) | {"options"}
_OPTION_KEYS = frozenset({"id", "label", "short", "synonyms"})
_BRANCH_KEYS = frozenset({"when", "next"})
_OPS = frozenset({"eq", "in", "lt", "lte", "gt", "gte", "contains"})


def load_flow_file(path: Path, *, check_translations: bool = True) -> Flow:
    """Load and validate one flow file; raise `FlowErrors` listing every problem."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FlowErrors([FlowError(source, f"cannot read the file: {exc.strerror}")]) from exc
    return load_flow_text(raw, source, check_translations=check_translations)


def load_flow_text(raw: bytes, source: str, *, check_translations: bool = True) -> Flow:
    """Load and validate a flow from the bytes of a file."""
    if len(raw) > MAX_FLOW_BYTES:
        raise FlowErrors([FlowError(source, f"file is larger than {MAX_FLOW_BYTES} bytes")])
    try:
        document = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FlowErrors([FlowError(source, f"not valid YAML{where}: {problem}")]) from exc
    errors: list[FlowError] = []
    document = migrate(document, source, errors)
    flow = _parse_flow(document, source, errors) if not errors else None
    if flow is not None:
        errors.extend(validate_flow(flow, check_translations=check_translations))
    if errors or flow is None:
        raise FlowErrors(errors)
    return flow


def migrate(document: Any, source: str, errors: list[FlowError]) -> dict[str, Any]:
    """Bring an older spec up to the current one; only spec 1 exists so far."""
    if not isinstance(document, dict):
        errors.append(FlowError(source, "a flow file must be a mapping with spec, id and steps"))
        return {}
    spec = document.get("spec")
    if spec is None:
        errors.append(FlowError(source, f"missing 'spec' (the current spec is {CURRENT_SPEC})"))
    elif spec != CURRENT_SPEC:
        errors.append(FlowError(source, f"unsupported spec {spec!r}; this Minga reads spec 1"))
    return document


def _parse_flow(doc: dict[str, Any], source: str, errors: list[FlowError]) -> Flow | None:
    header = _parse_header(doc, source, errors)
    steps = _parse_steps(doc.get("steps"), source, errors)
    if header is None or errors or not steps:
        return None
    start = doc.get("start", next(iter(steps)))
    if start not in steps:
        errors.append(FlowError(source, f"start step {start!r} does not exist"))
        return None
    menu = doc.get("menu", header.kind in MENU_KINDS)
    params = doc.get("params", {})
    if not isinstance(params, dict):
        errors.append(FlowError(source, "'params' must be a mapping"))
        return None
    groups, dimensions = _parse_scoring(doc, source, errors)
    if errors:
        return None
    return Flow(
        id=header.id,
        kind=header.kind,
        version=header.version,
        title=header.title,
        start=start,
        steps=steps,
        source=source,
        description=doc.get("description"),
        short=_text_or_none(doc.get("short")),
        menu=bool(menu),
        params=params,
        groups=groups,
        dimensions=dimensions,
    )


@dataclass(frozen=True, slots=True)
class _Header:
    """What names a flow: its id, kind, version and title."""

    id: str
    kind: str
    version: int
    title: str


def _parse_header(doc: dict[str, Any], source: str, errors: list[FlowError]) -> _Header | None:
    """Check the flow's keys, id, kind, version and title; None when any is wrong."""
    before = len(errors)
    for key in sorted(set(doc) - _FLOW_KEYS):
        errors.append(FlowError(source, f"unknown key {key!r}"))
    flow_id = doc.get("id")
    if not isinstance(flow_id, str) or not flow_id.isidentifier():
        errors.append(FlowError(source, "'id' must be a name of letters, digits and _"))
    kind = doc.get("kind")
    if kind not in FLOW_KINDS:
        errors.append(FlowError(source, f"'kind' must be one of {', '.join(FLOW_KINDS)}"))
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        errors.append(FlowError(source, "'version' must be a whole number from 1"))
    title = doc.get("title")
    if not isinstance(title, str) or not title.strip():
        errors.append(FlowError(source, "'title' is required"))
    if len(errors) > before:
        return None
    # The checks above appended an error for each of these; narrow the types for mypy.
    assert isinstance(flow_id, str)
    assert isinstance(kind, str)
    assert isinstance(version, int)
    assert isinstance(title, str)
    return _Header(flow_id, kind, version, title)


def _parse_steps(raw_steps: Any, source: str, errors: list[FlowError]) -> dict[str, Step]:
    """Parse the steps by id, reporting a missing list, bad steps and duplicate ids."""
    if not isinstance(raw_steps, list) or not raw_steps:
        errors.append(FlowError(source, "'steps' must be a non-empty list"))
        return {}
    steps: dict[str, Step] = {}
    for index, raw in enumerate(raw_steps):
        step = _parse_step(raw, index, source, errors)
        if step is None:
            continue
        if step.id in steps:
            errors.append(FlowError(source, "duplicate step id", step.id))
            continue
        steps[step.id] = step
    return steps


def _parse_scoring(
    doc: dict[str, Any], source: str, errors: list[FlowError]
) -> tuple[tuple[Group, ...], tuple[Dimension, ...]]:
    """Parse an assessment's groups and dimensions (both empty in other flows)."""
    groups = tuple(
        Group(item["id"], item["label"])
        for item in _records(
            doc.get("groups", []), "groups", _GROUP_KEYS, {"id", "label"}, source, errors
        )
    )
    dimensions = tuple(
        Dimension(
            item["id"], item["label"], item["suggestion"], item.get("group"), item.get("learn")
        )
        for item in _records(
            doc.get("dimensions", []),
            "dimensions",
            _DIMENSION_KEYS,
            {"id", "label", "suggestion"},
            source,
            errors,
        )
    )
    return groups, dimensions


def _records(
    raw: Any,
    key: str,
    allowed: frozenset[str],
    required: set[str],
    source: str,
    errors: list[FlowError],
) -> list[dict[str, str]]:
    """Read a list of small mappings of text (groups, dimensions), reporting what is wrong."""
    if not isinstance(raw, list):
        errors.append(FlowError(source, f"{key!r} must be a list"))
        return []
    found: list[dict[str, str]] = []
    for item in raw:
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in required):
            errors.append(FlowError(source, f"each of {key!r} needs {', '.join(sorted(required))}"))
            continue
        for extra in sorted(set(item) - allowed):
            errors.append(FlowError(source, f"unknown key {extra!r} in {key!r} {item['id']!r}"))
        found.append(item)
    ids = [item["id"] for item in found]
    if len(ids) != len(set(ids)):
        errors.append(FlowError(source, f"ids in {key!r} must be unique"))
    return found


def _parse_step(raw: Any, index: int, source: str, errors: list[FlowError]) -> Step | None:
    if not isinstance(raw, dict):
        errors.append(FlowError(source, f"step #{index + 1} must be a mapping"))
        return None
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not step_id.isidentifier() or step_id == "end":
        errors.append(FlowError(source, f"step #{index + 1} needs an 'id' (a name, not 'end')"))
        return None
    before = len(errors)
    for key in sorted(set(raw) - _STEP_KEYS):
        errors.append(FlowError(source, f"unknown key {key!r}", step_id))
    fields: dict[str, Any] = {k: v for k, v in raw.items() if k in _STEP_KEYS}
    fields["options"] = _parse_options(raw.get("options", []), source, step_id, errors)
    fields["branches"] = parse_branches(raw.get("branches", []), source, step_id, errors)
    for key in (
        "say",
        "ask",
        "ask_from",
        "hint",
        "invalid",
        "type",
        "next",
        "save",
        "set",
        "prefill",
        "options_from",
        "action",
        "dimension",
        "relevant",
    ):
        if key in fields and not isinstance(fields[key], str):
            errors.append(FlowError(source, f"{key!r} must be text", step_id))
    for key in ("min", "max"):
        if key in fields and (
            not isinstance(fields[key], int | float) or isinstance(fields[key], bool)
        ):
            errors.append(FlowError(source, f"{key!r} must be a number", step_id))
    for key in ("top", "page_size"):
        if key in fields and (not isinstance(fields[key], int) or isinstance(fields[key], bool)):
            errors.append(FlowError(source, f"{key!r} must be a whole number", step_id))
    if "params" in fields and not isinstance(fields["params"], dict):
        errors.append(FlowError(source, "'params' must be a mapping", step_id))
    if len(errors) > before:
        return None
    return Step(**fields)


def _parse_options(raw: Any, source: str, step: str, errors: list[FlowError]) -> tuple[Option, ...]:
    if not isinstance(raw, list):
        errors.append(FlowError(source, "'options' must be a list", step))
        return ()
    options: list[Option] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str | int):
            errors.append(FlowError(source, "each option needs an 'id' and a 'label'", step))
            continue
        for key in sorted(set(item) - _OPTION_KEYS):
            errors.append(FlowError(source, f"unknown option key {key!r}", step))
        label = item.get("label")
        if not isinstance(label, str) or not label.strip():
            errors.append(FlowError(source, f"option {item['id']!r} needs a 'label'", step))
            continue
        short = item.get("short")
        if short is not None and (not isinstance(short, str) or not short.strip()):
            errors.append(FlowError(source, f"option {item['id']!r}: 'short' must be a text", step))
            continue
        synonyms = tuple(str(s) for s in item.get("synonyms", []))
        options.append(Option(str(item["id"]), label, synonyms=synonyms, short=short))
    return tuple(options)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def parse_branches(raw: Any, source: str, step: str, errors: list[FlowError]) -> tuple[Branch, ...]:
    """Read a step's `branches` (a list of `when`/`next`), reporting what is wrong."""
    if not isinstance(raw, list):
        errors.append(FlowError(source, "'branches' must be a list", step))
        return ()
    branches: list[Branch] = []
    for item in raw:
        if (
            not isinstance(item, dict)
            or "when" not in item
            or not isinstance(item.get("next"), str)
        ):
            errors.append(FlowError(source, "each branch needs 'when' and 'next'", step))
            continue
        for key in sorted(set(item) - _BRANCH_KEYS):
            errors.append(FlowError(source, f"unknown branch key {key!r}", step))
        condition = _parse_condition(item["when"])
        if condition is None:
            errors.append(
                FlowError(source, f"'when' must be a value, a list, or one of {sorted(_OPS)}", step)
            )
            continue
        branches.append(Branch(condition, item["next"]))
    return tuple(branches)


def _parse_condition(when: Any) -> Condition | None:
    if isinstance(when, list):
        return Condition("in", tuple(when))
    if isinstance(when, Mapping):
        if len(when) != 1:
            return None
        ((op, value),) = when.items()
        if op not in _OPS:
            return None
        return Condition(cast(ConditionOp, op), tuple(value) if isinstance(value, list) else value)
    return Condition("eq", when)
