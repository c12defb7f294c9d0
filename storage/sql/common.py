"""What every family of statements shares: the row and statement types, column lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Row = Sequence[Any]

Statement = tuple[str, tuple[Any, ...]]


def prefixed(columns: str, alias: str) -> str:
    """Qualify a column list with a table alias: `a.id, a.title, …`."""
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))
