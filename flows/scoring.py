"""Assessment scoring: 0–100 per dimension and per group, and the result message.

A likert answer v (1–5) counts as v, or 6 − v on a `reverse: true` item; a dimension's score is
(mean − 1) / 4 × 100, so all 1s score 0 and all 5s score 100. A group's score pools the items
of all its dimensions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from flows.model import Flow
from i18n import Translator

# Cohort figures are shown only when at least this many people finished (privacy).
MIN_GROUP_SIZE = 5


@dataclass(frozen=True, slots=True)
class Scores:
    """Scores of one finished assessment, 0–100, by dimension and by group."""

    dimensions: dict[str, float]
    groups: dict[str, float]

    def to_json(self) -> dict[str, dict[str, float]]:
        """Return a JSON-ready dict."""
        return {"dimensions": self.dimensions, "groups": self.groups}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Scores:
        """Rebuild scores stored by `to_json`."""
        return cls(dict(data.get("dimensions", {})), dict(data.get("groups", {})))


@dataclass(frozen=True, slots=True)
class CohortScores:
    """Average scores of a cohort and how many people they pool."""

    people: int
    dimensions: dict[str, float]


def _scale(values: list[float]) -> float:
    return round((fmean(values) - 1) / 4 * 100, 1)


def score(flow: Flow, answers: Mapping[str, Any]) -> Scores:
    """Score the answers (by step key) of one run of an assessment."""
    by_dimension: dict[str, list[float]] = {}
    for step in flow.steps.values():
        value = answers.get(step.key)
        if step.dimension is None or not isinstance(value, int | float):
            continue
        by_dimension.setdefault(step.dimension, []).append(6 - value if step.reverse else value)
    dimensions = {d.id: _scale(by_dimension[d.id]) for d in flow.dimensions if d.id in by_dimension}
    groups: dict[str, float] = {}
    for group in flow.groups:
        pooled = [
            v for d in flow.dimensions if d.group == group.id for v in by_dimension.get(d.id, [])
        ]
        if pooled:
            groups[group.id] = _scale(pooled)
    return Scores(dimensions, groups)


def cohort_average(all_scores: list[Scores]) -> CohortScores:
    """Average each dimension over several people's latest scores."""
    keys = {k for s in all_scores for k in s.dimensions}
    averages = {
        k: round(fmean(s.dimensions[k] for s in all_scores if k in s.dimensions), 1) for k in keys
    }
    return CohortScores(len(all_scores), averages)


def extremes(flow: Flow, scores: Scores) -> tuple[str, str] | None:
    """Return the strongest and the weakest dimension (the first one wins a tie)."""
    ordered = [d.id for d in flow.dimensions if d.id in scores.dimensions]
    if not ordered:
        return None
    strongest = max(ordered, key=lambda d: scores.dimensions[d])
    weakest = min(ordered, key=lambda d: scores.dimensions[d])
    return strongest, weakest


def render_results(
    flow: Flow,
    scores: Scores,
    tr: Translator,
    previous: Scores | None = None,
    cohort: CohortScores | None = None,
) -> str:
    """Write the result message: scores, change since last time, cohort average, a suggestion."""
    shown_cohort = cohort if cohort is not None and cohort.people >= MIN_GROUP_SIZE else None
    labels = {d.id: tr.gettext(d.label) for d in flow.dimensions}
    lines = [
        *_heading(flow, tr, shown_cohort),
        *_score_lines(flow, scores, tr, labels, previous, shown_cohort),
        *_strengths(flow, scores, tr, labels),
    ]
    if previous is None:
        lines += [
            "",
            tr.gettext(
                "Take this assessment again after the workshop to see how you have changed."
            ),
        ]
    return "\n".join(lines)


def _heading(flow: Flow, tr: Translator, cohort: CohortScores | None) -> list[str]:
    """Write the title and the scale, and whose average is shown when a cohort's is."""
    lines = [
        tr.gettext("Your results: {title}").format(title=tr.gettext(flow.title)),
        tr.gettext("(0 = lowest, 100 = highest)"),
    ]
    if cohort is not None:
        lines.append(
            tr.ngettext(
                "Your workshop's average, from {n} person, is shown beside yours.",
                "Your workshop's average, from {n} people, is shown beside yours.",
                cohort.people,
            ).format(n=cohort.people)
        )
    return lines


def _score_lines(
    flow: Flow,
    scores: Scores,
    tr: Translator,
    labels: Mapping[str, str],
    previous: Scores | None,
    cohort: CohortScores | None,
) -> list[str]:
    """Write a line per dimension scored, under its group's score when the flow has groups."""
    lines: list[str] = []
    for group in flow.groups or (None,):
        members = [d for d in flow.dimensions if (group and d.group == group.id) or not group]
        if group is not None and group.id in scores.groups:
            lines += ["", f"{tr.gettext(group.label)}: {tr.number(scores.groups[group.id])}"]
        elif group is None:
            lines.append("")
        lines += [
            _dimension_line(d.id, scores, tr, labels, previous, cohort)
            for d in members
            if d.id in scores.dimensions
        ]
    return lines


def _dimension_line(
    dimension_id: str,
    scores: Scores,
    tr: Translator,
    labels: Mapping[str, str],
    previous: Scores | None,
    cohort: CohortScores | None,
) -> str:
    """Write a dimension's score, the cohort's average and the change since last time."""
    value = scores.dimensions[dimension_id]
    line = f"• {labels[dimension_id]}: {tr.number(value)}"
    if cohort is not None and dimension_id in cohort.dimensions:
        line += " · " + tr.gettext("workshop {value}").format(
            value=tr.number(cohort.dimensions[dimension_id])
        )
    if previous is not None and dimension_id in previous.dimensions:
        change = round(value - previous.dimensions[dimension_id], 1)
        sign = "+" if change > 0 else ""
        line += " · " + tr.gettext("change {change}").format(change=f"{sign}{tr.number(change)}")
    return line


def _strengths(flow: Flow, scores: Scores, tr: Translator, labels: Mapping[str, str]) -> list[str]:
    """Name the strongest and the weakest dimension, and a first step for the weakest."""
    ends = extremes(flow, scores)
    if ends is None:
        return []
    strongest, weakest = ends
    suggestion = next(d.suggestion for d in flow.dimensions if d.id == weakest)
    return [
        "",
        tr.gettext("Strongest: {name} ({value}).").format(
            name=labels[strongest], value=tr.number(scores.dimensions[strongest])
        ),
        tr.gettext("Room to grow: {name} ({value}).").format(
            name=labels[weakest], value=tr.number(scores.dimensions[weakest])
        ),
        tr.gettext("A first step: {suggestion}").format(suggestion=tr.gettext(suggestion)),
    ]
