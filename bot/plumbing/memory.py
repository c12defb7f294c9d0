"""Keep the cyclic garbage collector off what start-up built, in the long-running processes."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Move every object alive now out of the collector's reach (`gc.freeze`).

    Its full passes walk every tracked object, and what start-up built (modules, flows, the
    catalogs) lives as long as the process: walking it is wasted work, half of the collector's
    time in bench/engine.py. Call once, when start-up is done, in `serve`, `poll` and `send`;
    garbage is collected first so that none of it is kept forever.
    """
    gc.collect()
    gc.freeze()
