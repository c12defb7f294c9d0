"""What every command group of the `minga` command line shares: how it plugs into the parser.

A group module defines `register(sub, common)`, which adds its subcommands and sets, with
`set_defaults(run=…)`, the function that carries each one out: `run(args, settings, url)`
returns the exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TypeAlias

from bot.config import Settings

Run: TypeAlias = Callable[[argparse.Namespace, Settings, str], int]
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def fail(message: str, status: int = 1) -> int:
    """Print `minga: message` on stderr and return the exit status."""
    print(f"minga: {message}", file=sys.stderr)
    return status
