"""The columns Minga reads and writes beside XLSForm's own, one entry per field.

Both the reader and the writer go through these tables, so a new field of a step or of an
option (a short label for WhatsApp, say) is one more entry here and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

_TRUE = frozenset({"yes", "true", "true()", "1", "y", "sí", "si", "sim"})
_FALSE = frozenset({"no", "false", "false()", "0", "n", "não", "nao"})


def truth(cell: str) -> bool | None:
    """Read yes/no cells as XLSForm writes them (`yes`, `TRUE`, `true()`); None if neither."""
    lowered = cell.strip().lower()
    return True if lowered in _TRUE else False if lowered in _FALSE else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _number(value: Any) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


def _yes(value: Any) -> str | None:
    return "yes" if value else None


def yaml_text(value: Any) -> str | None:
    """Write a value as one line of YAML (params, branches), or None when empty."""
    if not value:
        return None
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6).strip()


def read_yaml(cell: str) -> Any:
    """Read a cell written as YAML (a mapping of params, a list of branches)."""
    return yaml.safe_load(cell)


def _read_bool(cell: str) -> Any:
    value = truth(cell)
    if value is None:
        raise ValueError("yes or no")
    return value


def _read_int(cell: str) -> Any:
    return int(float(cell))


def _read_float(cell: str) -> Any:
    number = float(cell)
    return int(number) if number.is_integer() else number


@dataclass(frozen=True, slots=True)
class Column:
    """A model field kept in its own column: how a cell becomes the value, and back."""

    field: str
    header: str
    write: Callable[[Any], str | None] = _text
    read: Callable[[str], Any] = str
    # Text shown to people: one column per language (`header::Español (es)`), a msgid inside.
    translated: bool = False


# Step fields XLSForm has no column for; written only where the step has them.
STEP_COLUMNS: tuple[Column, ...] = (
    Column("save", "minga::save"),
    Column("set", "minga::set"),
    Column("prefill", "minga::prefill"),
    Column("options_from", "minga::options_from"),
    Column("ask_from", "minga::ask_from"),
    Column("action", "minga::action"),
    Column("dimension", "minga::dimension"),
    Column("reverse", "minga::reverse", _yes, _read_bool),
    Column("min", "minga::min", _number, _read_float),
    Column("max", "minga::max", _number, _read_float),
    Column("top", "minga::top", _number, _read_int),
    Column("page_size", "minga::page_size", _number, _read_int),
    Column("params", "minga::params", yaml_text, read_yaml),
    Column("say", "minga::say", translated=True),
)

# Option fields beyond its name and label (the choices sheet's own columns).
OPTION_COLUMNS: tuple[Column, ...] = (
    Column(
        "synonyms",
        "minga::synonyms",
        lambda v: ", ".join(v) or None,
        lambda c: tuple(s.strip() for s in c.split(",") if s.strip()),
    ),
    # What a button or a WhatsApp row shows when the label does not fit (issue 18).
    Column("short", "minga::short", translated=True),
)

# Dimension fields beyond its name, label and suggestion (the dimensions sheet's own columns).
DIMENSION_COLUMNS: tuple[Column, ...] = (
    Column("group", "group"),
    Column("learn", "learn", translated=True),
)

# Settings beyond form_title, form_id, version and default_language.
SETTINGS_COLUMNS: tuple[Column, ...] = (
    Column("kind", "minga::kind"),
    Column("menu", "minga::menu", lambda v: "yes" if v else "no", _read_bool),
    Column("start", "minga::start"),
    Column("params", "minga::params", yaml_text, read_yaml),
    Column("description", "minga::description", translated=True),
    Column("short", "minga::short", translated=True),  # the menu's title when it is long
)
