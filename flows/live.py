"""Options of a question to the room (a prompt), carried by the run in the member's language.

The bot starts the `live_prompt` flow with `options` (labels already translated), `scale_max`
and, for a ranking, what was picked so far; these sources turn them into options.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.model import Option
from i18n import Translator


def prompt_options(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """Offer the prompt's options; an option's id is its position."""
    labels = data.get("vars", {}).get("options", [])
    return tuple(Option(str(n), str(label), translate=False) for n, label in enumerate(labels))


def prompt_scale(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """Offer the points of the prompt's scale, 1 to its maximum (5 or 10)."""
    top = int(data.get("vars", {}).get("scale_max", 5))
    return tuple(Option(str(n), str(n), translate=False) for n in range(1, top + 1))


def prompt_ballot(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """Offer the options not yet placed in this ranking."""
    values = data.get("vars", {})
    placed = {values.get(k) for k in ("rank_1", "rank_2")}
    return tuple(o for o in prompt_options(tr, data) if o.id not in placed)
