"""Flow out, XLSForm in hand: any flow (a shipped one too) written as a form with every language.

Translators and content people edit the spreadsheet and upload it back; `load_xlsform` reads it
into the same flow. What XLSForm has a column for goes there (type, label, hint, relevant,
constraint, required); the rest of Minga's model goes to `minga::` columns (flows/xlsform/
columns.py), written only where a step has them.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from flows.model import END, Branch, Flow, Option, Step
from flows.xlsform.columns import (
    DIMENSION_COLUMNS,
    OPTION_COLUMNS,
    SETTINGS_COLUMNS,
    STEP_COLUMNS,
    Column,
    yaml_text,
)
from flows.xlsform.survey import TYPES
from i18n import SHIPPED_LOCALES, form_text, translator

LANGUAGE_NAMES = {"en": "English (en)", "es": "Español (es)", "pt": "Português (pt)"}
SCALE = "start=1 end=5 step=1"
Cells = dict[str, Any]


class _Languages:
    """The label columns of one flow, and each msgid's text in each of them."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        if flow.texts:  # a form's own texts: its first language as written, then its others
            own = [lang for lang in SHIPPED_LOCALES if lang in flow.texts]
            self.columns: list[tuple[str, str | None]] = [("", None)]
            self.columns += [(LANGUAGE_NAMES[lang], lang) for lang in own]
            self.default: str | None = None
        else:  # msgids in English, translated by the catalogs
            self.columns = [(LANGUAGE_NAMES[lang], lang) for lang in ("en", "es", "pt")]
            self.default = LANGUAGE_NAMES["en"]

    def cells(self, column: str, msgid: str | None) -> Cells:
        """Return `column::Language` → text for every language of the form."""
        if not msgid:
            return {}
        found: Cells = {}
        for name, lang in self.columns:
            header = f"{column}::{name}" if name else column
            found[header] = self.text(msgid, lang)
        return found

    def text(self, msgid: str, lang: str | None) -> str:
        """Say a msgid in one language (None: as the form first wrote it)."""
        if lang is None:
            return form_text(msgid) or msgid
        own = self.flow.texts.get(lang, {}).get(msgid)
        return own or translator(lang).gettext(msgid)


def write_xlsform(flow: Flow) -> bytes:
    """Write a flow as an XLSForm workbook (survey, choices, settings, dimensions, groups)."""
    langs = _Languages(flow)
    book = Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    steps = list(flow.steps.values())
    rows = [_step_row(flow, step, _after(steps, i), langs) for i, step in enumerate(steps)]
    _fill(survey, ["type", "name"], rows)
    choices = [_option_row(step.id, o, langs) for step in steps for o in _listed(step)]
    _fill(book.create_sheet("choices"), ["list_name", "name"], choices)
    _fill(book.create_sheet("settings"), ["form_title", "form_id"], [_settings(flow, langs)])
    if flow.dimensions:
        rows = [
            {"name": d.id, **langs.cells("label", d.label),
             **langs.cells("suggestion", d.suggestion), **_extra(d, DIMENSION_COLUMNS, langs)}
            for d in flow.dimensions
        ]  # fmt: skip
        _fill(book.create_sheet("dimensions"), ["name"], rows)
    if flow.groups:
        rows = [{"name": g.id, **langs.cells("label", g.label)} for g in flow.groups]
        _fill(book.create_sheet("groups"), ["name"], rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _after(steps: list[Step], index: int) -> str:
    """Where a row goes when it says nothing: the next row, or the end after the last."""
    return steps[index + 1].id if index + 1 < len(steps) else END


def _listed(step: Step) -> tuple[Option, ...]:
    return step.options if _list_type(step) else ()


def _list_type(step: Step) -> bool:
    return bool(step.options) and step.type in ("choice", "multi", "likert", "ranking", "yes_no")


def _xls_type(step: Step) -> tuple[str, Cells]:
    """Return the XLSForm type cell of a step and the cells that type brings with it."""
    listed = f" {step.id}" if _list_type(step) else ""
    match step.type:
        case None:
            return "note", {}
        case "choice" | "yes_no" if listed:
            return f"select_one{listed}", {}
        case "choice":
            return "select_one", {}
        case "multi" | "ranking":
            return f"select_multiple{listed}", {}
        case "likert" if listed:
            return f"select_one{listed}", {}
        case "likert":
            return "range", {"parameters": SCALE}
        case "number":
            return ("integer" if step.params.get("integer") else "decimal"), _constraint(step)
        case "month":
            return "date", {}
        case "route":
            return "note", {}
        case _:
            return "text", {}


def _constraint(step: Step) -> Cells:
    parts = []
    if step.min is not None:
        parts.append(f". >= {_number(step.min)}")
    if step.max is not None:
        parts.append(f". <= {_number(step.max)}")
    return {"constraint": " and ".join(parts)} if parts else {}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _step_row(flow: Flow, step: Step, after: str, langs: _Languages) -> Cells:
    """One survey row: XLSForm's columns first, then Minga's where the step needs them."""
    kind, extra = _xls_type(step)
    row: Cells = {"type": kind, "name": step.id}
    row.update(langs.cells("label", step.say if step.type is None else step.ask))
    row.update(langs.cells("hint", step.hint))
    row.update(langs.cells("constraint_message", step.invalid))
    if step.type not in (None, "route"):
        row["required"] = None if step.optional else "yes"
    row["relevant"] = step.relevant
    row.update(extra)
    if TYPES.get(_base(kind)) != step.type:
        row["minga::type"] = step.type
    row.update(_step_columns(step, langs))
    if step.end:
        row["minga::end"] = "yes"
    elif step.next != after:
        row["minga::next"] = step.next
    if step.branches:
        row["minga::branches"] = _branches(step.branches)
    return row


def _base(kind: str) -> str:
    """Return the type a cell reads as ("select_one q1" → "select one")."""
    words = kind.split()[0].replace("_", " ")
    return {"select one": "select one", "select multiple": "select all that apply"}.get(
        words, words
    )


def _step_columns(step: Step, langs: _Languages) -> Cells:
    """Minga's own step fields, skipping what the XLSForm columns already say."""
    found: Cells = {}
    for column in STEP_COLUMNS:
        value = getattr(step, column.field)
        if column.field == "say" and step.type is None:
            continue  # a note's text is its label
        if column.field in ("min", "max") and step.type == "number":
            continue  # the constraint says it
        if column.field == "params":
            value = {
                k: v for k, v in value.items() if not (k == "integer" and step.type == "number")
            }
        found.update(_column_cells(column, value, langs))
    return found


def _column_cells(column: Column, value: Any, langs: _Languages) -> Cells:
    if column.translated:
        return langs.cells(column.header, value)
    written = column.write(value) if value not in (None, False, (), {}) else None
    return {column.header: written} if written is not None else {}


def _branches(branches: Iterable[Branch]) -> str:
    """Write branches as the YAML reader reads them: a value, a list, or {op: value}."""
    raw = []
    for branch in branches:
        op, value = branch.condition.op, branch.condition.value
        value = list(value) if isinstance(value, tuple) else value
        raw.append({"when": value if op in ("eq", "in") else {op: value}, "next": branch.target})
    return yaml_text(raw) or ""


def _option_row(list_name: str, option: Option, langs: _Languages) -> Cells:
    row: Cells = {"list_name": list_name, "name": option.id}
    row.update(langs.cells("label", option.label) if option.translate else {"label": option.label})
    row.update(_extra(option, OPTION_COLUMNS, langs))
    return row


def _extra(record: object, columns: tuple[Column, ...], langs: _Languages) -> Cells:
    """Return the cells of a record's fields kept in Minga's own columns (options, dimensions)."""
    found: Cells = {}
    for column in columns:
        found.update(_column_cells(column, getattr(record, column.field), langs))
    return found


def _settings(flow: Flow, langs: _Languages) -> Cells:
    row: Cells = {**langs.cells("form_title", flow.title), "form_id": flow.id}
    row["version"] = str(flow.version)
    row["default_language"] = langs.default
    fields = {"kind": flow.kind, "menu": flow.menu, "params": flow.params}
    fields["start"] = flow.start if flow.start != next(iter(flow.steps)) else None
    fields["description"] = flow.description
    fields["short"] = flow.short
    for column in SETTINGS_COLUMNS:
        if column.field == "menu":
            row[column.header] = column.write(flow.menu)
        else:
            row.update(_column_cells(column, fields[column.field], langs))
    return row


def _fill(sheet: Worksheet, first: list[str], rows: list[Cells]) -> None:
    """Write rows under a header of every column any row uses, the given ones first."""
    headers = list(first)
    for row in rows:
        headers += [h for h, v in row.items() if v not in (None, "") and h not in headers]
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    _style(sheet, headers, lambda h: 48 if "::" in h and not h.startswith("minga::") else 16)


def _style(sheet: Worksheet, headers: list[str], width: Callable[[str], int]) -> None:
    """Bold, frozen headings and wide text columns, for people who edit the file by hand."""
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width(header)
