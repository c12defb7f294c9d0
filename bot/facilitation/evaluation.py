"""What the workshop changed: its evaluation, and the before/after self-rating of confidence.

Both are shown to facilitators (`/results`, the dashboard) only from `MIN_GROUP_SIZE` people on,
as the assessments' averages are: fewer could tell what one person answered. The change in
confidence pools only the people who rated themselves twice (first and latest complete rating).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from flows.model import Dimension, Flow
from flows.scoring import MIN_GROUP_SIZE, Scores, score
from i18n import Translator
from storage import Answer, Store

EVALUATION_FLOW = "evaluation"
SESSION_STEPS = ("s1", "s2", "s3", "s4", "s5", "s6")
_LAST_STEP = "recommend"  # whoever answered it finished the evaluation


@dataclass(frozen=True, slots=True)
class Evaluation:
    """How many people finished the evaluation and, from `MIN_GROUP_SIZE` on, what they said.

    `sessions` holds each session's average usefulness (1–5), `recommend` the average 0–10,
    `apply` what people will apply, as written.
    """

    people: int
    sessions: tuple[tuple[int, float], ...] = ()
    recommend: float | None = None
    apply: tuple[str, ...] = ()

    @property
    def shown(self) -> bool:
        """Tell whether enough people finished for their answers to be shown."""
        return self.people >= MIN_GROUP_SIZE


@dataclass(frozen=True, slots=True)
class Change:
    """The workshop's confidence before and after, per topic (0–100), from people rated twice."""

    flow: Flow
    rated: int  # people who rated themselves at least once
    people: int  # people who rated themselves twice
    rows: tuple[tuple[Dimension, float, float], ...] = ()

    @property
    def shown(self) -> bool:
        """Tell whether enough people rated themselves twice for the change to be shown."""
        return self.people >= MIN_GROUP_SIZE


def _latest(answers: Sequence[Answer]) -> dict[str, dict[str, Any]]:
    """Each person's latest answer per step."""
    found: dict[str, dict[str, Any]] = defaultdict(dict)
    for answer in answers:
        found[answer.participant_id][answer.step_id] = answer.value
    return found


async def evaluation_summary(store: Store, cohort_id: str) -> Evaluation:
    """Average the finished evaluations of a workshop (nothing but the count below k)."""
    answers = [a for a, _ in await store.cohort_answers(cohort_id, EVALUATION_FLOW)]
    finished = {p: steps for p, steps in _latest(answers).items() if _LAST_STEP in steps}
    if len(finished) < MIN_GROUP_SIZE:
        return Evaluation(len(finished))
    sessions = []
    for number, step in enumerate(SESSION_STEPS, start=1):
        values = [v[step] for v in finished.values() if isinstance(v.get(step), int | float)]
        if values:
            sessions.append((number, round(fmean(values), 1)))
    marks = [v[_LAST_STEP] for v in finished.values() if isinstance(v[_LAST_STEP], int | float)]
    apply = tuple(
        str(v["apply"]) for v in finished.values() if isinstance(v.get("apply"), str) and v["apply"]
    )
    return Evaluation(
        len(finished), tuple(sessions), round(fmean(marks), 1) if marks else None, apply
    )


def _ratings(flow: Flow, answers: Sequence[Answer]) -> dict[str, list[Scores]]:
    """Each person's complete ratings, in the order they gave them."""
    scored = {s.id for s in flow.steps.values() if s.dimension is not None}
    runs: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for answer in answers:
        runs[answer.participant_id].setdefault(answer.run_id, {})[answer.step_id] = answer.value
    return {
        person: [score(flow, values) for values in by_run.values() if scored <= set(values)]
        for person, by_run in runs.items()
    }


async def confidence_change(store: Store, flow: Flow, cohort_id: str) -> Change:
    """Compare each person's first and latest rating; average both from k people on."""
    answers = [a for a, _ in await store.cohort_answers(cohort_id, flow.id)]
    ratings = {p: r for p, r in _ratings(flow, answers).items() if r}
    twice = [(r[0], r[-1]) for r in ratings.values() if len(r) >= 2]
    if len(twice) < MIN_GROUP_SIZE:
        return Change(flow, len(ratings), len(twice))
    rows = []
    for dimension in flow.dimensions:
        pairs = [
            (b.dimensions[dimension.id], a.dimensions[dimension.id])
            for b, a in twice
            if dimension.id in b.dimensions and dimension.id in a.dimensions
        ]
        if pairs:
            before = round(fmean(b for b, _ in pairs), 1)
            rows.append((dimension, before, round(fmean(a for _, a in pairs), 1)))
    return Change(flow, len(ratings), len(twice), tuple(rows))


def change_lines(change: Change, tr: Translator) -> list[str]:
    """Write the change per topic ("• Digital government: 40 → 70 (+30)"), or why not yet."""
    if not change.shown:
        return [
            tr.ngettext(
                "The change appears from {k} people who rated themselves at the start and at "
                "the end; so far {n} person did.",
                "The change appears from {k} people who rated themselves at the start and at "
                "the end; so far {n} people did.",
                change.people,
            ).format(k=MIN_GROUP_SIZE, n=change.people)
        ]
    lines = [
        tr.ngettext(
            "Confidence before and after (0–100), {n} person rated twice:",
            "Confidence before and after (0–100), {n} people rated twice:",
            change.people,
        ).format(n=change.people)
    ]
    for dimension, before, after in change.rows:
        diff = round(after - before, 1)
        sign = "+" if diff > 0 else ""
        lines.append(
            f"• {tr.gettext(dimension.label)}: {tr.number(before)} → {tr.number(after)} "
            f"({sign}{tr.number(diff)})"
        )
    return lines


def evaluation_lines(evaluation: Evaluation, tr: Translator) -> list[str]:
    """Write the evaluation's averages and what people will apply, or why not yet."""
    if not evaluation.shown:
        return [
            tr.gettext(
                "Averages appear from {n} people on, so that nobody's answers can be told."
            ).format(n=MIN_GROUP_SIZE)
        ]
    lines = [tr.gettext("Usefulness of each session (1–5):")]
    lines += [
        "• " + tr.gettext("Session {n}: {value}").format(n=n, value=tr.number(value))
        for n, value in evaluation.sessions
    ]
    if evaluation.recommend is not None:
        lines.append(
            tr.gettext("Would recommend the workshop (0–10): {value}").format(
                value=tr.number(evaluation.recommend)
            )
        )
    if evaluation.apply:
        lines += ["", tr.gettext("What they will apply:")] + [f"• {t}" for t in evaluation.apply]
    return lines
