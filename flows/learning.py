"""Learn steps (session 1): what each dimension of an assessment means for a municipality.

The texts live beside each dimension in its assessment (`learn:`), so whoever writes an
assessment writes what it means. The `learn` flow reads them through a catalog the runner puts in
the run when it starts (the flow's `params.catalog: learn`): options and transforms see only the
run's data, never the registry. Everything here is pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flows.model import Flow, Option
from i18n import Translator

CATALOG = "learn"


def learn_catalog(flows: Iterable[Flow]) -> dict[str, Any]:
    """Collect, in menu order, each assessment's dimensions that have a learn text (as msgids)."""
    topics = [
        {
            "id": flow.id,
            "title": flow.title,
            "items": [[d.id, d.label, d.learn] for d in flow.dimensions if d.learn],
        }
        for flow in flows
        if flow.kind == "assessment" and any(d.learn for d in flow.dimensions)
    ]
    return {CATALOG: topics}


def _topics(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(data.get("vars", {}).get(CATALOG, []))


def learn_topics(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """Offer the assessments that explain their dimensions, by title."""
    return tuple(Option(str(t["id"]), str(t["title"])) for t in _topics(data))


def _topic(data: Mapping[str, Any]) -> dict[str, Any]:
    wanted = data.get("vars", {}).get("topic")
    return next((t for t in _topics(data) if t["id"] == wanted), {"items": []})


def learn_dimensions(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """Offer the dimensions of the chosen assessment, by label."""
    return tuple(Option(str(item[0]), str(item[1])) for item in _topic(data)["items"])


def explain(data: Mapping[str, Any], tr: Translator, now: datetime) -> dict[str, Any]:
    """Put the chosen dimension's label and text, in the reader's language, into the run."""
    values = dict(data.get("vars", {}))
    item = next((i for i in _topic(data)["items"] if i[0] == values.get("dimension")), None)
    shown = dict(data.get("shown", {}))
    if item is not None:
        shown.update(learn_label=tr.gettext(str(item[1])), learn_text=tr.gettext(str(item[2])))
    return {**data, "shown": shown}
