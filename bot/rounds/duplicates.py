"""Near-duplicate barriers a facilitator may want to merge, with how alike they read (0–100).

Compared by rapidfuzz's token-set ratio on folded text (lower case, no accents), so "Falta de
presupuesto" and "falta presupuesto municipal" come out close while word order does not matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from rapidfuzz import fuzz

from flows.prioritization import visible
from i18n import fold
from storage import Challenge

ALIKE = 70.0  # below this, pairs are more often different ideas than the same one


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Merge `duplicate` into `keep` (the earlier one): they read `score`% alike."""

    keep: Challenge
    duplicate: Challenge
    score: float


def normalized(text: str) -> str:
    """Return the text as compared: folded, punctuation and repeated spaces dropped."""
    kept = "".join(c if c.isalnum() else " " for c in fold(text))
    return " ".join(kept.split())


def suggest_merges(challenges: Sequence[Challenge], limit: int = 20) -> list[Suggestion]:
    """Return the most alike pairs of visible barriers, most alike first."""
    shown = visible(challenges)
    texts = {c.id: normalized(c.text) for c in shown}
    found = []
    for a, b in combinations(shown, 2):
        score = fuzz.token_set_ratio(texts[a.id], texts[b.id])
        if score >= ALIKE:
            found.append(Suggestion(a, b, round(score, 1)))
    found.sort(key=lambda s: (-s.score, s.keep.created_at, s.duplicate.created_at))
    return found[:limit]
