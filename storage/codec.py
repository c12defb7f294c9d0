"""Conversions between Python values and the text columns of the SQL backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def dump_time(value: datetime | None) -> str | None:
    """Encode a time as fixed-width UTC ISO text, so text order is time order."""
    if value is None:
        return None
    if value.tzinfo is not UTC:  # the clock's own times are UTC already: no copy for them
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def load_time(value: str | None) -> datetime | None:
    """Decode a time written by `dump_time`."""
    return None if value is None else datetime.fromisoformat(value)


def need_time(value: str) -> datetime:
    """Decode a time from a NOT NULL column."""
    return datetime.fromisoformat(value)


def dump_json(value: Any) -> str:
    """Encode JSON compactly, keeping accents readable in the database."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def load_json(value: str) -> Any:
    """Decode JSON written by `dump_json`."""
    return json.loads(value)


def dump_bool(value: bool | None) -> int | None:
    """Encode a nullable boolean as 0/1."""
    return None if value is None else int(value)


def load_bool(value: int | None) -> bool | None:
    """Decode a nullable boolean."""
    return None if value is None else bool(value)
