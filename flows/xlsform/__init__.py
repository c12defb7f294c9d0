"""XLSForm, the spreadsheet format of ODK and KoboToolbox, as a second way to write flows.

`load_xlsform` reads a form into the same `Flow` the YAML reader makes; `write_xlsform` writes any
flow back out as a form; `describe` says a problem in the reader's language.
"""

from flows.errors import FlowError, FormError
from flows.xlsform.reader import form_id, load_xlsform, load_xlsform_file
from flows.xlsform.sheets import MAX_FORM_BYTES
from i18n import Translator

__all__ = ["MAX_FORM_BYTES", "describe", "form_id", "load_xlsform", "load_xlsform_file", "where"]


def where(error: FlowError, tr: Translator) -> str:
    """Say where a problem is ("survey, row 4, column type"), or "" when it is the whole file."""
    if not isinstance(error, FormError):
        return tr.gettext("step {step}").format(step=error.step) if error.step else ""
    parts = [error.sheet] if error.sheet else []
    if error.row:
        parts.append(tr.gettext("row {row}").format(row=error.row))
    if error.column:
        parts.append(tr.gettext("column {column}").format(column=error.column))
    return ", ".join(parts)


def describe(error: FlowError, tr: Translator) -> str:
    """Say what is wrong and what to do, in the reader's language."""
    if not isinstance(error, FormError):
        return error.problem
    try:
        return tr.gettext(error.message).format(**error.fields)
    except (KeyError, IndexError, ValueError):
        return tr.gettext(error.message)
