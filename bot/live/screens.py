"""What the projector shows: one screen at a time, built from the store, in the workshop's language.

A screen is plain JSON for `bot/web/static/live.js`: a heading, a count with its label, and one
of bars, words, a ranking, the matrix points, or a note. Every text is translated here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.drawing.matrix import nudges
from bot.live.tallies import Results, results
from bot.rounds.results import matrix_labels
from bot.rounds.round import standing
from flows.registry import FlowRegistry
from flows.scoring import MIN_GROUP_SIZE, Scores, cohort_average
from i18n import Translator, translator
from storage import Cohort, Solution, Store
from storage.records.live import Prompt

IDLE: Mapping[str, Any] = {"kind": "idle"}
SCREEN_KINDS = ("idle", "prompt", "ranking", "results", "matrix", "qa")


async def build_screen(store: Store, registry: FlowRegistry, cohort: Cohort) -> dict[str, Any]:
    """Return the payload of the screen a workshop's projector shows now."""
    tr = translator(cohort.locale)
    chosen = await store.live_screen(cohort.id) or IDLE
    kind = chosen.get("kind")
    if kind == "prompt":
        prompt = await store.prompt(str(chosen.get("id")))
        screen = await prompt_screen(store, prompt, tr) if prompt else _idle(cohort, tr)
    elif kind == "ranking":
        screen = await _ranking(store, cohort, tr)
    elif kind == "results":
        screen = await _results(store, registry, cohort, str(chosen.get("flow")), tr)
    elif kind == "matrix":
        screen = _matrix(await store.solutions(cohort.id), tr)
    elif kind == "qa":
        screen = await _qa(store, cohort, tr)
    else:
        screen = _idle(cohort, tr)
    return {"title": f"{cohort.name} · Minga", "screen": screen}


def _idle(cohort: Cohort, tr: Translator) -> dict[str, Any]:
    return {
        "heading": cohort.name,
        "note": tr.gettext("Join with the code {code} (scan the QR code below).").format(
            code=cohort.code
        ),
    }


def _count(n: int, tr: Translator) -> dict[str, Any]:
    return {"count": n, "count_label": tr.ngettext("person answered", "people answered", n)}


async def prompt_results(store: Store, prompt: Prompt, locale: str) -> Results:
    """Read and count a prompt's answers (and, for Q&A, the workshop's questions and votes)."""
    if prompt.kind == "qa":
        entries = await store.qa_entries(prompt.cohort_id)
        votes = await store.qa_votes(prompt.cohort_id)
        return results(prompt, [], locale, entries, votes)
    return results(prompt, await store.prompt_answers(prompt.id), locale)


async def prompt_summary(store: Store, prompt: Prompt, locale: str) -> dict[str, Any]:
    """Describe a prompt and its results as JSON (`GET /api/prompts/ID`, `minga prompt show`)."""
    found = await prompt_results(store, prompt, locale)
    body: dict[str, Any] = {
        "id": prompt.id,
        "kind": prompt.kind,
        "state": prompt.state,
        "revealed": prompt.revealed,
        "question": dict(prompt.texts),
        "respondents": found.respondents,
        "tallies": [
            {"label": t.label, "count": t.count, **({"answered": True} if t.answered else {})}
            for t in found.tallies
        ],
    }
    if prompt.options:
        body["options"] = prompt.option_labels(locale)
    if found.average is not None:
        body["average"] = round(found.average, 2)
    return body


async def prompt_screen(store: Store, prompt: Prompt, tr: Translator) -> dict[str, Any]:
    """Show a prompt: its question, how many answered, and its results unless hidden."""
    found = await prompt_results(store, prompt, tr.locale)
    screen: dict[str, Any] = {"heading": prompt.text(tr.locale), **_count(found.respondents, tr)}
    if prompt.state == "closed":
        screen["count_label"] += " · " + tr.gettext("closed")
    if not prompt.revealed:
        screen["hidden"] = tr.gettext("Results will be shown when everyone has answered.")
        return screen
    tallies = found.tallies
    if prompt.kind == "open":
        screen["words"] = [{"text": t.label, "count": t.count} for t in tallies]
        if not tallies:
            screen["note"] = tr.gettext("Answers appear here as they arrive.")
    elif prompt.kind in ("ranking", "qa"):
        screen["ranking"] = [
            {"text": t.label, "shown": _points(t.count, prompt.kind, tr), "answered": t.answered}
            for t in tallies
        ]
    else:
        screen["bars"] = [{"label": t.label, "value": t.count} for t in tallies]
        if found.average is not None:
            screen["count_label"] += " · " + tr.gettext("average {value}").format(
                value=tr.number(found.average)
            )
    return screen


def _points(count: int, kind: str, tr: Translator) -> str:
    if kind == "qa":
        return tr.ngettext("{n} vote", "{n} votes", count).format(n=count)
    return tr.ngettext("{n} point", "{n} points", count).format(n=count)


async def _ranking(store: Store, cohort: Cohort, tr: Translator) -> dict[str, Any]:
    now = await standing(store, cohort.id, tr)
    return {
        "heading": tr.gettext("Barriers to implementation"),
        "count": now.voters,
        "count_label": tr.ngettext("person voted", "people voted", now.voters),
        "ranking": [
            {"place": n, "text": r.challenge.label, "shown": _points(r.points, "ranking", tr)}
            for n, r in enumerate(now.ranking, start=1)
        ],
    }


async def _results(
    store: Store, registry: FlowRegistry, cohort: Cohort, flow_id: str, tr: Translator
) -> dict[str, Any]:
    if flow_id not in registry:
        return _idle(cohort, tr)
    flow = registry.get(flow_id).flow
    found = await store.cohort_results(cohort.id, flow.id)
    people = len({r.participant_id for r in found})
    screen: dict[str, Any] = {
        "heading": tr.gettext(flow.title),
        "count": people,
        "count_label": tr.ngettext("person finished", "people finished", people),
    }
    if people < MIN_GROUP_SIZE:
        screen["note"] = tr.gettext(
            "Averages appear from {n} people on, so that nobody's answers can be told."
        ).format(n=MIN_GROUP_SIZE)
        return screen
    average = cohort_average([Scores.from_json(r.scores) for r in found])
    screen["max"] = 100
    screen["bars"] = [
        {
            "label": tr.gettext(d.label),
            "value": average.dimensions[d.id],
            "shown": tr.number(average.dimensions[d.id]),
        }
        for d in flow.dimensions
        if d.id in average.dimensions
    ]
    return screen


def matrix_points(solutions: Sequence[Solution]) -> list[dict[str, Any]]:
    """Give the tables' proposals numbers in order, nudging apart points that share a cell."""
    # The same nudges as the PNG chart's, so a point sits in the same place on both.
    placed = nudges([(s.impact, s.effort) for s in solutions])
    return [
        {"n": n, "text": s.text, "impact": s.impact, "effort": s.effort, "dx": dx, "dy": dy}
        for n, (s, (dx, dy, _)) in enumerate(zip(solutions, placed, strict=True), start=1)
    ]


def _matrix(solutions: Sequence[Solution], tr: Translator) -> dict[str, Any]:
    return {
        "heading": tr.gettext("The tables' proposals by impact and effort"),
        "count": len(solutions),
        "count_label": tr.ngettext("proposal", "proposals", len(solutions)),
        "points": matrix_points(solutions),
        "labels": matrix_labels(tr),
    }


async def _qa(store: Store, cohort: Cohort, tr: Translator) -> dict[str, Any]:
    entries = [e for e in await store.qa_entries(cohort.id) if not e.hidden]
    votes = await store.qa_votes(cohort.id)
    qa = Prompt("qa", cohort.id, "qa", {tr.locale: ""}, cohort.created_at)
    tallies = results(qa, [], tr.locale, entries, votes).tallies
    return {
        "heading": tr.gettext("Questions from the room"),
        "count": len(entries),
        "count_label": tr.ngettext("question", "questions", len(entries)),
        "ranking": [
            {"text": t.label, "shown": _points(t.count, "qa", tr), "answered": t.answered}
            for t in tallies
        ],
    }
