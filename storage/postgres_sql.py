"""How the shared SQL runs on asyncpg: `?` placeholders become `$n`; the connection type."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# Every connection comes from the pool; the stubs type those as proxies.
Conn: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"
_PLACEHOLDER = re.compile(r"\?")


@lru_cache(maxsize=512)
def dollar(sql: str) -> str:
    """Rewrite `?` placeholders as `$1, $2, …` (our SQL keeps `?` out of string literals)."""
    count = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _: f"${next(count)}", sql)
