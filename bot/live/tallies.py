"""Count a prompt's answers: per option, per scale point, Borda points, words, Q&A votes.

Pure functions over the answers read from the store; the projector, the JSON API and the chat
all show what these return. Hidden answers never count.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.live.stopwords import STOP_WORDS
from i18n import fold
from storage.records.live import Prompt, PromptAnswer, QaEntry, QaVote

_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
RANKING_POINTS = (3, 2, 1)  # like the prioritization round: first 3, second 2, third 1


@dataclass(frozen=True, slots=True)
class Tally:
    """One row of a prompt's results: what (label) and how many (count, or points)."""

    label: str
    count: int
    answered: bool = False  # a Q&A question the facilitators marked answered


@dataclass(frozen=True, slots=True)
class Results:
    """A prompt's results: how many people answered, and the rows in display order."""

    respondents: int
    tallies: list[Tally]
    average: float | None = None  # scale prompts


def results(
    prompt: Prompt,
    answers: Iterable[PromptAnswer],
    locale: str,
    qa: Sequence[QaEntry] = (),
    votes: Sequence[QaVote] = (),
) -> Results:
    """Count the visible answers of a prompt, with labels in `locale`."""
    shown = [a for a in answers if not a.hidden]
    respondents = len({a.participant_id for a in shown})
    if prompt.kind == "qa":
        entries = [e for e in qa if not e.hidden and e.prompt_id in (None, prompt.id)]
        return Results(len({e.participant_id for e in entries}), qa_tallies(entries, votes))
    if prompt.kind == "open":
        return Results(respondents, word_tallies(str(a.value) for a in shown))
    if prompt.kind == "scale":
        return _scale(prompt, shown, respondents)
    labels = prompt.option_labels(locale)
    if prompt.kind == "ranking":
        return Results(respondents, borda(labels, [_indexes(a.value) for a in shown]))
    counts = Counter(i for a in shown for i in _indexes(a.value))
    return Results(respondents, [Tally(label, counts[n]) for n, label in enumerate(labels)])


def _indexes(value: object) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
    return []


def _scale(prompt: Prompt, shown: Sequence[PromptAnswer], respondents: int) -> Results:
    values = [
        a.value for a in shown if isinstance(a.value, int) and 1 <= a.value <= prompt.scale_max
    ]
    counts = Counter(values)
    tallies = [Tally(str(n), counts[n]) for n in range(1, prompt.scale_max + 1)]
    average = sum(values) / len(values) if values else None
    return Results(respondents, tallies, average)


def borda(labels: Sequence[str], ballots: Iterable[Sequence[int]]) -> list[Tally]:
    """Rank options by points (3-2-1 for each ballot's first three), then by first places."""
    points = [0] * len(labels)
    firsts = [0] * len(labels)
    for ballot in ballots:
        seen: set[int] = set()
        for place, index in enumerate(ballot[: len(RANKING_POINTS)]):
            if 0 <= index < len(labels) and index not in seen:
                seen.add(index)
                points[index] += RANKING_POINTS[place]
                firsts[index] += place == 0
    order = sorted(range(len(labels)), key=lambda n: (-points[n], -firsts[n], n))
    return [Tally(labels[n], points[n]) for n in order]


def words(text: str) -> list[str]:
    """Split an answer into the words a word cloud counts (no stop words, no numbers alone)."""
    found = []
    for raw in _WORD.findall(text):
        word = raw.strip("'’-")
        folded = fold(word)
        if len(folded) > 1 and folded not in STOP_WORDS and not folded.isdecimal():
            found.append(word)
    return found


def word_tallies(texts: Iterable[str], limit: int = 60) -> list[Tally]:
    """Count words across answers by their folded form, shown as their most usual spelling."""
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for text in texts:
        for word in words(text):
            key = fold(word)
            counts[key] += 1
            spellings.setdefault(key, Counter())[word.lower()] += 1
    ordered = sorted(counts, key=lambda k: (-counts[k], k))[:limit]
    return [Tally(spellings[k].most_common(1)[0][0], counts[k]) for k in ordered]


def vote_counts(votes: Iterable[QaVote]) -> Counter[str]:
    """Count each Q&A question's upvotes, one per person however often they tapped."""
    return Counter(entry for entry, _ in {(v.entry_id, v.participant_id) for v in votes})


def qa_tallies(entries: Sequence[QaEntry], votes: Sequence[QaVote]) -> list[Tally]:
    """Order Q&A questions: unanswered first, then by upvotes, then oldest first."""
    count = vote_counts(votes)
    ordered = sorted(entries, key=lambda e: (e.answered, -count[e.id], e.created_at, e.id))
    return [Tally(e.text, count[e.id], answered=e.answered) for e in ordered]
