"""Write sheets as a zip of CSV files and as an XLSX workbook a person can read.

The workbook has bold, frozen headers with filters, real date cells and columns wide enough to
read; the CSV files keep stable keys as headers, for scripts that merge several workshops.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.facilitation.export.table import DAY, MOMENT, MONTH, Column, Sheet, cells

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

_MAX_WIDTH = 60
_MIN_WIDTH = 8
_TITLE_REFUSED = re.compile(r"[\[\]:*?/\\]")


def csv_zip(sheets: Sequence[Sheet]) -> bytes:
    """Write each sheet as `NAME.csv` in a zip: keys as headers, times as ISO 8601 text."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for sheet in sheets:
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow([c.key for c in sheet.columns])
            writer.writerows(
                [_csv_value(v, c) for v, c in zip(cells(row), sheet.columns, strict=True)]
                for row in sheet.rows
            )
            # A BOM so that spreadsheet programs read the accents as UTF-8.
            zipped.writestr(f"{sheet.name}.csv", "\ufeff" + text.getvalue())
    return archive.getvalue()


def _csv_value(value: Any, column: Column) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.strftime("%Y-%m") if column.format == MONTH else value.isoformat()
    return value


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """Write the sheets as one XLSX workbook, in order."""
    from openpyxl import Workbook  # imported here: only exports need it (and it is large)

    book = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(book.create_sheet(_tab(sheet.title)), sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _tab(title: str) -> str:
    """Shorten a title to a tab's 31 characters and replace what Excel refuses in one."""
    return _TITLE_REFUSED.sub(" ", title)[:31].strip() or "-"


def _write_sheet(out: WriteOnlyWorksheet, sheet: Sheet) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    header_row = 2 if sheet.note else 1
    last = get_column_letter(len(sheet.columns))
    # A write-only sheet takes its layout before its first row.
    out.freeze_panes = f"A{header_row + 1}"
    # types-openpyxl misses the attributes a write-only sheet borrows from Worksheet.
    out.auto_filter.ref = f"A{header_row}:{last}{header_row + len(sheet.rows)}"  # type: ignore[attr-defined]
    for n, width in enumerate(_widths(sheet), start=1):
        out.column_dimensions[get_column_letter(n)].width = width  # type: ignore[attr-defined]
    if sheet.note:
        note = WriteOnlyCell(out, value=cells([sheet.note])[0])
        note.font = Font(italic=True)
        out.append([note])
    bold = Font(bold=True)
    titles = []
    for column in sheet.columns:
        title = WriteOnlyCell(out, value=cells([column.title])[0])
        title.font = bold
        titles.append(title)
    out.append(titles)
    for row in sheet.rows:
        out.append([_xlsx_value(out, v, c) for v, c in zip(cells(row), sheet.columns, strict=True)])


def _xlsx_value(out: WriteOnlyWorksheet, value: Any, column: Column) -> Any:
    if not isinstance(value, date):
        return value
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime):
        # Excel has no time zones: the moment is written as the workshop's local time.
        value = value.replace(tzinfo=None)
    moment = WriteOnlyCell(out, value=value)
    moment.number_format = column.format or (MOMENT if isinstance(value, datetime) else DAY)
    return moment


def _widths(sheet: Sheet) -> list[float]:
    """Fit each column to its longest header or value, within reason."""
    widths = [len(c.title) + 4 for c in sheet.columns]  # room for the filter's arrow
    for row in sheet.rows:
        for n, value in enumerate(row):
            shown = 16 if isinstance(value, date) else len(str(value)) if value is not None else 0
            widths[n] = max(widths[n], shown + 2)
    return [float(min(_MAX_WIDTH, max(_MIN_WIDTH, w))) for w in widths]
