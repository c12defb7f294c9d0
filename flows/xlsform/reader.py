"""XLSForm in, flow out: the second reader of the one flow model (the first reads YAML).

size and format check → sheets (openpyxl + pyxform's cell rules) → settings, choices, survey,
dimensions → the same `Flow` and `validate_flow` as a YAML file. Every problem is collected with
its sheet, row and column; a form with any problem is refused whole.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flows.errors import FlowError, FlowErrors, FormError
from flows.loader import parse_branches
from flows.model import FLOW_KINDS, Dimension, Flow, Group, Option, Step
from flows.validate import validate_flow
from flows.xlsform import messages as m
from flows.xlsform.columns import (
    DIMENSION_COLUMNS,
    OPTION_COLUMNS,
    SETTINGS_COLUMNS,
    STEP_COLUMNS,
    Column,
    read_yaml,
    truth,
)
from flows.xlsform.sheets import Row, Workbook, language_of, read_workbook
from flows.xlsform.survey import (
    LISTED,
    METADATA,
    MINGA_TYPES,
    TYPES,
    Item,
    SurveyState,
    check_references,
    check_relevance,
    constraint_range,
    group_relevance,
    range_ok,
    refusal,
    split_type,
)
from flows.xlsform.texts import FormTexts

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def load_xlsform_file(path: Path, *, version: int | None = None) -> Flow:
    """Load and validate an XLSForm file; raise `FlowErrors` listing every problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FlowErrors([FlowError(str(path), f"cannot read the file: {exc.strerror}")]) from exc
    return load_xlsform(raw, str(path), version=version, fallback_id=path.stem)


def load_xlsform(
    raw: bytes, source: str, *, version: int | None = None, fallback_id: str | None = None
) -> Flow:
    """Read an XLSForm's bytes into a validated flow (`version` overrides the settings')."""
    book = read_workbook(raw, source)
    return _Reader(book, source, version, fallback_id).flow()


def form_id(raw: str | None) -> str | None:
    """Make an XLSForm form_id ("pre-survey 2026") a flow id ("pre_survey_2026")."""
    if not raw:
        return None
    cleaned = re.sub(r"\W+", "_", raw.strip().lower()).strip("_")
    if not cleaned:
        return None
    return cleaned if not cleaned[0].isdigit() else f"form_{cleaned}"


class _Reader:
    """Read one workbook; problems go to `errors`, the flow is built only when there are none."""

    def __init__(
        self, book: Workbook, source: str, version: int | None, fallback: str | None
    ) -> None:
        self.book, self.source = book, source
        self.errors: list[FormError] = []
        found = [r for r in book.sheets.get("settings", []) if r.cells]
        self.settings = found[0] if found else Row(2)
        self.id = (
            form_id(self.settings.get("form_id") or self.settings.get("id_string"))
            or form_id(fallback)
            or "form"
        )
        written = self.settings.get("version") or ""
        self.version = version or (int(written) if written.isdigit() else 1)
        default = self.settings.get("default_language")
        self.texts = FormTexts(
            f"{self.id}.{self.version}",
            ["", *book.languages],
            language_of(default) if default else None,
        )

    def fail(self, sheet: str, row: Row | None, column: str | None, message: str, **f: Any) -> None:
        """Record a problem at a sheet, row and column."""
        number = row.number if row is not None else None
        header = row.header(column) if row is not None and column else column
        self.errors.append(
            FormError(self.source, message, sheet=sheet, row=number, column=header, **f)
        )

    def flow(self) -> Flow:
        """Build and validate the flow, or raise every problem found."""
        if "survey" not in self.book.sheets:
            raise FlowErrors([FormError(self.source, m.NO_SURVEY)])
        if not any(h.name == "type" for h in self.book.headers["survey"]):
            raise FlowErrors([FormError(self.source, m.NO_TYPE_COLUMN, sheet="survey", row=1)])
        lists = self._choices()
        items = self._survey()
        dimensions, groups = self._dimensions(), self._groups()
        steps = self._steps(items, lists)
        self._check_scoring(items, dimensions)
        header = self._settings(bool(dimensions))
        if self.errors:
            raise FlowErrors(self.errors)
        header.setdefault("start", next(iter(steps)))
        flow = Flow(
            id=self.id,
            version=self.version,
            steps=steps,
            source=self.source,
            groups=groups,
            dimensions=tuple(dimensions.values()),
            texts=self.texts.translations,
            **header,
        )
        rows = {item.id: item.row for item in items}
        problems = validate_flow(flow, check_translations=False)
        if problems:
            raise FlowErrors([self._located(p, rows) for p in problems])
        return flow

    def _located(self, problem: FlowError, rows: dict[str, Row]) -> FormError:
        """Name the row of a problem the shared validator found (it knows only the step)."""
        row = rows.get(problem.step or "")
        return FormError(
            self.source,
            m.FLOW_PROBLEM,
            sheet="survey" if row else None,
            row=row.number if row else None,
            problem=problem.problem,
        )

    def _settings(self, scored: bool) -> dict[str, Any]:
        """Title, kind, menu and the rest of the flow's header from the settings sheet."""
        row = self.settings
        title = self.texts.msgid(row.texts("form_title")) or self.id.replace("_", " ").capitalize()
        header: dict[str, Any] = {"title": title, "kind": "assessment" if scored else "activity"}
        header.update(self._columns("settings", row, SETTINGS_COLUMNS))
        if header["kind"] not in FLOW_KINDS:
            self.fail("settings", row, "minga::kind", m.BAD_KIND, kinds=", ".join(FLOW_KINDS))
        header["menu"] = bool(header.get("menu", False))
        header.setdefault("params", {})
        if not isinstance(header["params"], dict):
            self.fail("settings", row, "minga::params", m.BAD_CELL, problem="not a mapping")
        return header

    def _columns(self, sheet: str, row: Row, columns: tuple[Column, ...]) -> dict[str, Any]:
        """Read Minga's extra columns of a row into model fields."""
        found: dict[str, Any] = {}
        for column in columns:
            if column.translated:
                text = self.texts.msgid(row.texts(column.header))
                if text is not None:
                    found[column.field] = text
                continue
            cell = row.get(column.header)
            if cell is None:
                continue
            try:
                found[column.field] = column.read(cell)
            except (ValueError, TypeError, AttributeError) as exc:
                self.fail(sheet, row, column.header, m.BAD_CELL, problem=str(exc) or "?")
        return found

    def _choices(self) -> dict[str, list[Option]]:
        """Read the choices sheet into options by list name."""
        lists: dict[str, list[Option]] = {}
        for row in self.book.sheets.get("choices", []):
            listed = row.get("list_name") or row.get("list name")
            if not row.cells or listed is None:
                continue
            name = row.get("name")
            if name is None:
                self.fail("choices", row, "name", m.NO_CHOICE_NAME)
                continue
            options = lists.setdefault(listed, [])
            label = self.texts.msgid(row.texts("label"))
            if label is None:
                self.fail("choices", row, "label", m.NO_CHOICE_LABEL, name=name, list=listed)
            elif any(o.id == name for o in options):
                self.fail("choices", row, "name", m.DUPLICATE_CHOICE, name=name, list=listed)
            else:
                extra = self._columns("choices", row, OPTION_COLUMNS)
                options.append(Option(name, label, **extra))
        return lists

    def _survey(self) -> list[Item]:
        """Read the survey sheet's rows, flattening groups."""
        state = SurveyState(self.source, self.errors)
        for row in self.book.sheets["survey"]:
            cell = row.get("type")
            if cell is not None:
                self._survey_row(state, row, cell)
        for row, name, _ in state.groups:
            state.fail(row, "type", m.UNCLOSED_GROUP, name=name)
        if not state.items and not self.errors:
            self.fail("survey", None, None, m.NO_QUESTIONS)
        return state.items

    def _survey_row(self, state: SurveyState, row: Row, cell: str) -> None:
        kind, listed = split_type(cell)
        if kind in METADATA:
            return
        refused = refusal(kind)
        if refused is not None:
            state.fail(row, "type", refused[0], **refused[1])
            return
        relevant = row.get("relevant")
        if relevant is not None and not check_relevance(state, row, relevant):
            relevant = None
        if kind == "begin group":
            state.groups.append((row, row.get("name") or "", relevant))
            return
        if kind == "end group":
            if not state.groups:
                state.fail(row, "type", m.STRAY_END)
            else:
                state.groups.pop()
            return
        minga_type = row.get("minga::type")
        if kind not in TYPES and (minga_type is None or kind not in MINGA_TYPES):
            state.fail(row, "type", m.UNKNOWN_TYPE, type=cell)
            return
        name = self._name(state, row)
        if name is None:
            return
        fields = self._fields(state, row, kind, minga_type or TYPES[kind])
        fields["relevant"] = group_relevance(state, relevant)
        item = Item(row, name, fields, listed)
        self._options_needed(state, item, kind)
        state.items.append(item)
        if fields.get("type") is not None:
            state.asked.add(fields.get("save") or name)

    def _name(self, state: SurveyState, row: Row) -> str | None:
        name = row.get("name")
        if name is None:
            state.fail(row, "name", m.NO_NAME)
            return None
        if not _NAME.match(name) or name == "end":
            suggestion = form_id(name) or "question_1"
            state.fail(row, "name", m.BAD_NAME, name=name, suggestion=suggestion)
            return None
        if name in state.names:
            state.fail(row, "name", m.DUPLICATE_NAME, name=name, other=state.names[name])
            return None
        state.names[name] = row.number
        return name

    def _fields(self, state: SurveyState, row: Row, kind: str, typed: str | None) -> dict[str, Any]:
        """Collect the step's fields from the row's XLSForm columns and Minga's own."""
        labels = row.texts("label")
        check_references(state, row, labels)
        label = self.texts.msgid(labels)
        fields: dict[str, Any] = {"type": typed, "say" if typed is None else "ask": label}
        fields.update(self._columns("survey", row, STEP_COLUMNS))
        if label is None and typed not in ("route", None) and "ask_from" not in fields:
            state.fail(row, "label", m.NO_LABEL)
        if typed is None and label is None and "action" not in fields:
            state.fail(row, "label", m.NO_LABEL)
        fields["hint"] = self.texts.msgid(row.texts("hint"))
        fields["invalid"] = self.texts.msgid(row.texts("constraint_message"))
        if typed is not None and typed != "route":
            required = truth(row.get("required") or "no")
            fields.setdefault("optional", not required)
        self._constraint(state, row, kind, fields)
        if kind == "range" and not range_ok(row.get("parameters")):
            state.fail(row, "parameters", m.BAD_RANGE)
        self._flow_columns(state, row, fields)
        return {k: v for k, v in fields.items() if v is not None}

    def _constraint(self, state: SurveyState, row: Row, kind: str, fields: dict[str, Any]) -> None:
        if kind == "integer":
            fields["params"] = {**fields.get("params", {}), "integer": True}
        cell = row.get("constraint")
        if cell is None:
            return
        if kind not in ("integer", "decimal"):
            state.fail(row, "constraint", m.CONSTRAINT_TYPE)
            return
        fields.update(constraint_range(state, row, cell))

    def _flow_columns(self, state: SurveyState, row: Row, fields: dict[str, Any]) -> None:
        """`minga::next`, `minga::end`, `minga::optional` and `minga::branches`."""
        if row.get("minga::next"):
            fields["next"] = row.get("minga::next")
        if truth(row.get("minga::end") or "no"):
            fields["end"] = True
        optional = truth(row.get("minga::optional") or "")
        if optional is not None:
            fields["optional"] = optional
        cell = row.get("minga::branches")
        if cell is not None:
            found: list[FlowError] = []
            raw = self._columns("survey", row, (Column("b", "minga::branches", read=read_yaml),))
            fields["branches"] = parse_branches(raw.get("b"), self.source, "", found)
            for problem in found:
                state.fail(row, "minga::branches", m.BAD_CELL, problem=problem.problem)

    def _options_needed(self, state: SurveyState, item: Item, kind: str) -> None:
        typed = item.fields.get("type")
        wants = typed in ("choice", "multi", "ranking") and "options_from" not in item.fields
        if item.list_name is None and wants and kind != "range":
            state.fail(item.row, "type", m.NO_LIST, type=item.row.get("type"))
        if item.list_name is not None and typed not in LISTED:
            item.list_name = None

    def _steps(self, items: list[Item], lists: dict[str, list[Option]]) -> dict[str, Step]:
        """Link the rows in order (each to the next, the last to the end) and build steps."""
        steps: dict[str, Step] = {}
        for index, item in enumerate(items):
            fields = dict(item.fields)
            if item.list_name is not None:
                if item.list_name not in lists:
                    self.fail("survey", item.row, "type", m.MISSING_LIST, list=item.list_name)
                    continue
                fields["options"] = tuple(lists[item.list_name])
            if not fields.get("end") and "next" not in fields:
                fields["next"] = items[index + 1].id if index + 1 < len(items) else "end"
            try:
                steps[item.id] = Step(id=item.id, **fields)
            except TypeError as exc:
                self.fail("survey", item.row, None, m.BAD_CELL, problem=str(exc))
        return steps

    def _dimensions(self) -> dict[str, Dimension]:
        found: dict[str, Dimension] = {}
        for row in self.book.sheets.get("dimensions", []):
            name = row.get("name")
            if name is None:
                continue
            label = self.texts.msgid(row.texts("label"))
            suggestion = self.texts.msgid(row.texts("suggestion"))
            if label is None or suggestion is None:
                self.fail("dimensions", row, "label", m.DIMENSION_TEXTS, name=name)
                continue
            extra = self._columns("dimensions", row, DIMENSION_COLUMNS)
            found[name] = Dimension(name, label, suggestion, **extra)
        return found

    def _groups(self) -> tuple[Group, ...]:
        rows = [r for r in self.book.sheets.get("groups", []) if r.get("name")]
        groups = []
        for row in rows:
            label = self.texts.msgid(row.texts("label"))
            groups.append(Group(str(row.get("name")), label or str(row.get("name"))))
        return tuple(groups)

    def _check_scoring(self, items: list[Item], dimensions: dict[str, Dimension]) -> None:
        """Name the rows of scoring mistakes before the shared validator sees them."""
        scored: set[str] = set()
        for item in items:
            dimension = item.fields.get("dimension")
            if dimension is None:
                continue
            if item.fields.get("type") != "likert":
                self.fail("survey", item.row, "minga::dimension", m.NOT_SCALE)
            elif dimension not in dimensions:
                self.fail(
                    "survey", item.row, "minga::dimension", m.UNKNOWN_DIMENSION, name=dimension
                )
            scored.add(dimension)
        for row in self.book.sheets.get("dimensions", []):
            name = row.get("name")
            if name is not None and name in dimensions and name not in scored:
                self.fail("dimensions", row, "name", m.UNSCORED_DIMENSION, name=name)
