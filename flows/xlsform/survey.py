"""The survey sheet's rows as steps: types, names, labels, groups, skip logic and ranges.

Groups are flattened: a group's `relevant` is joined with `and` to each question inside it.
Rows go one after the other unless `minga::next` or `minga::branches` say otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pyxform import aliases

from flows.errors import FormError
from flows.relevance import SELF, Compare, RuleError, names, parse_rule
from flows.xlsform import messages as m
from flows.xlsform.sheets import Row
from flows.xlsform.texts import references

# XLSForm type → Minga question type; None is a note (a step that only says something).
TYPES: dict[str, str | None] = {
    "select one": "choice",
    "select all that apply": "multi",
    "integer": "number",
    "decimal": "number",
    "text": "text",
    "note": None,
    "date": "month",
    "range": "likert",
}
# Minga's own question types, written in minga::type where XLSForm has none.
MINGA_TYPES = frozenset(
    {"choice", "multi", "likert", "number", "text", "yes_no", "month", "ranking", "code", "link",
     "list", "route"}
)  # fmt: skip
LISTED = frozenset({"choice", "multi", "likert", "ranking", "yes_no"})
# Metadata ODK records on the device, not asked: left out without complaint.
METADATA = frozenset(
    {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username",
     "email", "audit", "instanceid", "start-geopoint"}
)  # fmt: skip
SENSORS = frozenset(
    {"geopoint", "geotrace", "geoshape", "image", "audio", "video", "file", "barcode",
     "background-audio", "background-geopoint", "photo"}
)  # fmt: skip
REFUSED = {"calculate": m.CALCULATE, "hidden": m.CALCULATE, "begin repeat": m.REPEAT,
           "end repeat": m.REPEAT, "begin loop": m.REPEAT, "end loop": m.REPEAT}  # fmt: skip


@dataclass(slots=True)
class Item:
    """A survey row on its way to a step: its row, id, fields and the list it takes options from."""

    row: Row
    id: str
    fields: dict[str, Any]
    list_name: str | None = None


@dataclass(slots=True)
class SurveyState:
    """What reading the survey sheet has seen so far."""

    source: str
    errors: list[FormError]
    items: list[Item] = field(default_factory=list)
    groups: list[tuple[Row, str, str | None]] = field(default_factory=list)
    names: dict[str, int] = field(default_factory=dict)
    asked: set[str] = field(default_factory=set)

    def fail(self, row: Row, column: str | None, message: str, **fields: object) -> None:
        """Record a problem of this row (the column as the file spells it)."""
        header = row.header(column) if column else None
        self.errors.append(
            FormError(self.source, message, sheet="survey", row=row.number, column=header, **fields)
        )


def split_type(cell: str) -> tuple[str, str | None]:
    """Read "select_one colors", "select one from colors", "begin_group" as (type, list)."""
    cell = re.sub(r"\s+or[_ ]other\s*$", "", cell.strip(), flags=re.IGNORECASE)
    words = " ".join(cell.replace("_", " ").split()).lower()
    for alias in sorted(aliases.select, key=len, reverse=True):
        spaced = alias.replace("_", " ")
        if words == spaced or words.startswith(spaced + " "):
            listed = cell.split()[-1] if words != spaced else None
            kind = aliases.select[alias]
            if "file" in spaced or "external" in spaced:
                return spaced, listed  # options from a file: refused, not a missing list
            return (str(kind), listed) if kind in TYPES else (spaced, listed)
    if words.startswith(("rank ", "ranking ")):
        return words.split()[0], cell.split()[-1]
    return words, None


def group_relevance(state: SurveyState, own: str | None) -> str | None:
    """Join the open groups' conditions and the row's own with `and`."""
    parts = [r for _, _, r in state.groups if r] + ([own] if own else [])
    if len(parts) <= 1:
        return parts[0] if parts else None
    return " and ".join(f"({p})" for p in parts)


def check_relevance(state: SurveyState, row: Row, expression: str) -> bool:
    """Check a condition parses and reads only questions above this row."""
    try:
        rule = parse_rule(expression)
    except RuleError as exc:
        state.fail(row, "relevant", m.BAD_RELEVANT, problem=str(exc))
        return False
    for name in names(rule):
        if name not in state.asked:
            state.fail(row, "relevant", m.UNKNOWN_REFERENCE, name=name)
            return False
    return True


def check_references(state: SurveyState, row: Row, texts: dict[str, str]) -> None:
    """Check a label's `${name}` references name questions above this row."""
    for text in texts.values():
        for name in references(text):
            if name not in state.asked:
                state.fail(row, "label", m.UNKNOWN_REFERENCE, name=name)
                return


def constraint_range(state: SurveyState, row: Row, cell: str) -> dict[str, float]:
    """Read `. >= 0 and . <= 120` as min and max; anything else is refused."""
    try:
        rule = parse_rule(cell)
    except RuleError:
        rule = None
    parts = getattr(rule, "parts", (rule,))
    bounds: dict[str, float] = {}
    for part in parts:
        if not isinstance(part, Compare) or part.name != SELF or isinstance(part.value, str):
            state.fail(row, "constraint", m.BAD_CONSTRAINT)
            return {}
        value = part.value
        if part.op in (">=", ">"):
            bounds["min"] = value + 1 if part.op == ">" and value.is_integer() else value
        elif part.op in ("<=", "<"):
            bounds["max"] = value - 1 if part.op == "<" and value.is_integer() else value
        else:
            state.fail(row, "constraint", m.BAD_CONSTRAINT)
            return {}
    return {k: int(v) if float(v).is_integer() else v for k, v in bounds.items()}


def range_ok(cell: str | None) -> bool:
    """Tell whether a range's parameters are Minga's 1-to-5 scale (or left to it)."""
    if not cell:
        return True
    found = dict(part.split("=", 1) for part in cell.replace(";", " ").split() if "=" in part)
    wanted = {"start": "1", "end": "5", "step": "1"}
    return all(found.get(k, v).strip() in (v, v + ".0") for k, v in wanted.items())


def refusal(kind: str) -> tuple[str, dict[str, str]] | None:
    """Return why a type is refused, or None when Minga takes it."""
    if kind in REFUSED:
        return REFUSED[kind], {}
    if kind in SENSORS:
        return m.SENSOR, {"type": kind}
    if kind in ("time", "datetime", "acknowledge", "trigger", "rank", "ranking") or kind.startswith(
        ("select one from file", "select all that apply from file", "select one external")
    ):
        return m.NOT_IN_CHAT, {"type": kind}
    return None
