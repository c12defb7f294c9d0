"""The shape of an export: sheets of typed cells, with headers in the workshop's language.

Every cell passes through `cell()`: text loses the control characters a workbook cannot hold and
is made inert if a spreadsheet would read it as a formula; times are shown in the workshop's
time zone. The same sheets become the CSV files (stable column keys) and the XLSX workbook
(translated headers).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.registry import FlowRegistry
from i18n import Translator
from storage import Cohort, Store

Row = list[Any]
MONTH = "yyyy-mm"
DAY = "yyyy-mm-dd"
MOMENT = "yyyy-mm-dd hh:mm"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What an XLSX file cannot hold: openpyxl refuses C0 controls other than tab, LF and CR, and an
# XML reader refuses lone surrogates and U+FFFE/U+FFFF. C1 controls (U+0080–U+009F) are legal
# XML and are kept.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MONTH_TEXT = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its CSV key (stable, English), its header, and its XLSX number format."""

    key: str
    title: str
    format: str | None = None


@dataclass(frozen=True, slots=True)
class Sheet:
    """One kind of record: a CSV file in the zip, a sheet in the workbook."""

    name: str  # the CSV file's name and the key of `Export.rows`
    title: str  # the sheet's tab, in the workshop's language
    about: str  # what it holds, for the first sheet
    columns: tuple[Column, ...]
    rows: list[Row]
    note: str = ""  # a line above the header (the first sheet's workshop and time zone)


@dataclass(frozen=True, slots=True)
class Context:
    """What every sheet is built from: the workshop, its reader's language and time zone."""

    store: Store
    registry: FlowRegistry
    cohort: Cohort
    tr: Translator
    ids: dict[str, str] = field(default_factory=dict)  # participant id → opaque id

    @property
    def zone(self) -> tzinfo:
        """The workshop's time zone (UTC when it has none or an unknown one)."""
        try:
            return ZoneInfo(self.cohort.timezone) if self.cohort.timezone else UTC
        except (ZoneInfoNotFoundError, ValueError):
            return UTC

    def who(self, participant_id: str | None) -> str:
        """Name a person by their opaque id ("?" for one no longer in the workshop)."""
        return self.ids.get(participant_id or "", "?")

    def when(self, value: datetime | None) -> datetime | None:
        """Give a moment in the workshop's time zone."""
        return value.astimezone(self.zone) if value is not None else None

    def sheet(
        self,
        name: str,
        title: str,
        about: str,
        columns: tuple[Column, ...],
        rows: list[Row],
        **values: object,
    ) -> Sheet:
        """Build a sheet, translating its English title and description (`values` fill it)."""
        described = self.tr.gettext(about).format(**values)
        return Sheet(name, self.tr.gettext(title), described, columns, rows)

    def columns(self, *pairs: tuple[str, str] | tuple[str, str, str]) -> tuple[Column, ...]:
        """Build columns from (key, English header[, format]); headers are translated here."""
        return tuple(Column(p[0], self.tr.gettext(p[1]), *p[2:]) for p in pairs)


def month(text: str | None) -> date | str | None:
    """Turn a "2027-03" target month into a date (shown as a month); other text stays text."""
    found = _MONTH_TEXT.fullmatch(text or "")
    if found is None or not 1 <= int(found[2]) <= 12:
        return text or None
    return date(int(found[1]), int(found[2]), 1)


def cell(value: Any) -> Any:
    """Make a value safe for a spreadsheet: clean text, inert formulas, JSON for structures."""
    if isinstance(value, list | dict | tuple):
        value = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, str):
        return value
    value = _UNWRITABLE.sub("", value)
    # A leading apostrophe makes a spreadsheet show the text instead of running it.
    return "'" + value if value.startswith(_FORMULA_START) else value


def cells(row: Sequence[Any]) -> Row:
    """Apply `cell()` to a row."""
    return [cell(v) for v in row]
