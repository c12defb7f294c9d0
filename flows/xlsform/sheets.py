"""Read an .xlsx workbook into rows of cells keyed by (column, language), with row numbers.

Cells are read with openpyxl and cleaned by pyxform's own helpers (the same trimming, empty-row
and number-to-text rules as ODK's converter). Headers are case-insensitive and accept the older
one-colon spelling (`label:English`); the language in a header becomes a locale where Minga
ships it ("Español (es)", "Portuguese", "English").
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from itertools import islice

from openpyxl import load_workbook
from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import get_excel_column_headers, get_excel_rows, xlsx_value_to_str

from flows.errors import FlowErrors, FormError
from i18n import N_, SHIPPED_LOCALES

MAX_FORM_BYTES = 5 * 1024 * 1024
# A questionnaire of a few hundred rows is long; a sheet is read up to here (a compressed file
# of 5 MB can hold millions of cells, which would hold a worker for minutes).
MAX_ROWS = 2000
SHEETS = ("survey", "choices", "settings", "dimensions", "groups")
DEFAULT_LANGUAGE = ""  # a column without a language, like plain `label`
_LANGUAGE_NAMES = {
    "english": "en",
    "ingles": "en",
    "inglés": "en",
    "spanish": "es",
    "espanol": "es",
    "español": "es",
    "castellano": "es",
    "portuguese": "pt",
    "portugues": "pt",
    "português": "pt",
}
_CODE = re.compile(r"\(\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?\s*\)\s*$")


@dataclass(frozen=True, slots=True)
class Header:
    """A column: its name (lowercase, `minga::dimension` kept whole), language and spelling."""

    name: str
    language: str
    written: str


@dataclass(slots=True)
class Row:
    """One row of a sheet: its number as the spreadsheet shows it, and its cells."""

    number: int
    cells: dict[Header, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        """Return the cell of a column without a language (the first such one)."""
        return next((v for h, v in self.cells.items() if h.name == name), None)

    def texts(self, name: str) -> dict[str, str]:
        """Return a translatable column's cells by language, in column order."""
        return {h.language: v for h, v in self.cells.items() if h.name == name}

    def header(self, name: str) -> str:
        """Return how the file spells a column (for messages), or the name itself."""
        return next((h.written for h in self.cells if h.name == name), name)


@dataclass(slots=True)
class Workbook:
    """The sheets a form uses, by lowercase name; the languages in the order they appear."""

    sheets: dict[str, list[Row]]
    headers: dict[str, list[Header]]
    languages: list[str]


def language_of(written: str) -> str:
    """Turn "Español (es)", "Portuguese" or "Kichwa (qu)" into a locale, or keep the name."""
    text = written.strip()
    code = _CODE.search(text)
    if code is not None and code.group(1).lower() in SHIPPED_LOCALES:
        return code.group(1).lower()
    name = _CODE.sub("", text).strip().lower()
    return _LANGUAGE_NAMES.get(name, code.group(1).lower() if code else name)


def parse_header(written: str) -> Header:
    """Split `label::Español (es)`, `label:English` or `minga::dimension` into a Header."""
    clean = written.strip()
    lowered = clean.lower()
    if lowered.startswith("minga::") or lowered.startswith("minga:"):
        rest = clean.split(":", 1)[1].lstrip(":")
        base, _, language = rest.partition("::") if "::" in rest else rest.partition(":")
        name = "minga::" + base.strip().lower()
    else:
        base, _, language = clean.partition("::") if "::" in clean else clean.partition(":")
        name = " ".join(base.strip().lower().replace("_", " ").split()).replace(" ", "_")
    return Header(name, language_of(language) if language else DEFAULT_LANGUAGE, clean)


def read_workbook(raw: bytes, source: str) -> Workbook:
    """Read the form's sheets; refuse a file too big or not a spreadsheet, saying why."""
    if len(raw) > MAX_FORM_BYTES:
        raise FlowErrors([FormError(source, TOO_BIG, megabytes=MAX_FORM_BYTES // (1024 * 1024))])
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise FlowErrors([FormError(source, NOT_A_SPREADSHEET)])
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise FlowErrors([FormError(source, NOT_A_SPREADSHEET)]) from exc
    try:
        return _sheets(book, source)
    finally:
        book.close()


def _sheets(book: object, source: str) -> Workbook:
    sheets: dict[str, list[Row]] = {}
    headers: dict[str, list[Header]] = {}
    languages: list[str] = []
    for title in book.sheetnames:  # type: ignore[attr-defined]
        name = title.strip().lower()
        if name not in SHEETS or name in sheets:
            continue  # sheets Minga does not use (a translator's notes) are left alone
        sheet = book[title]  # type: ignore[index]
        try:
            written = get_excel_column_headers(c.value for c in next(sheet.rows, []))
        except PyXFormError:
            raise FlowErrors([FormError(source, DUPLICATE_COLUMN, sheet=name, row=1)]) from None
        columns = [parse_header(str(w)) if w is not None else None for w in written]
        rows = get_excel_rows(
            headers=[str(i) if c is not None else None for i, c in enumerate(columns)],
            rows=islice(sheet.iter_rows(min_row=2, max_col=len(columns)), MAX_ROWS + 1),
            cell_func=lambda cell, _row, _key: _cell(cell.value),
        )
        if len(rows) > MAX_ROWS:
            raise FlowErrors(
                [FormError(source, TOO_LONG, sheet=name, row=MAX_ROWS + 2, rows=MAX_ROWS)]
            )
        sheets[name] = [
            Row(n, {columns[int(k)]: v for k, v in cells.items() if v})  # type: ignore[misc]
            for n, cells in enumerate(rows, start=2)
        ]
        headers[name] = [c for c in columns if c is not None]
        for column in headers[name]:
            if column.language != DEFAULT_LANGUAGE and column.language not in languages:
                languages.append(column.language)
    return Workbook(sheets, headers, languages)


def _cell(value: object) -> str | None:
    if value is None:
        return None
    text = xlsx_value_to_str(value.strip() if isinstance(value, str) else value)
    return text.strip() or None


TOO_BIG = N_(
    "The file is larger than {megabytes} MB. A questionnaire is usually well under 1 MB: remove "
    "pictures and sheets it does not need, save it as .xlsx and upload it again."
)
NOT_A_SPREADSHEET = N_(
    "This file is not an .xlsx spreadsheet. Save the form from Excel, LibreOffice or Google "
    "Sheets as .xlsx (Excel workbook) and upload it again."
)
DUPLICATE_COLUMN = N_(
    "Two columns have the same heading. Delete or rename one of them so each heading appears once."
)
TOO_LONG = N_(
    "This sheet has too many rows (the limit is {rows}). Split the questionnaire into shorter "
    "forms, or delete the rows it does not use."
)
