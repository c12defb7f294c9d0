"""Action plans: the SDG list, the items a plan collects, and how a plan reads back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flows.model import Option
from i18n import N_, Translator

SDG_NAMES = {
    1: N_("No poverty"),
    2: N_("Zero hunger"),
    3: N_("Good health and well-being"),
    4: N_("Quality education"),
    5: N_("Gender equality"),
    6: N_("Clean water and sanitation"),
    7: N_("Affordable and clean energy"),
    8: N_("Decent work and economic growth"),
    9: N_("Industry, innovation and infrastructure"),
    10: N_("Reduced inequalities"),
    11: N_("Sustainable cities and communities"),
    12: N_("Responsible consumption and production"),
    13: N_("Climate action"),
    14: N_("Life below water"),
    15: N_("Life on land"),
    16: N_("Peace, justice and strong institutions"),
    17: N_("Partnerships for the goals"),
}
# In their own order and on one page, so the number shown beside a goal is the goal's number:
# people type "11" for SDG 11 (with 11 and 16 listed first, "1" recorded SDG 11 and "11" was
# refused).
SDG_ORDER = tuple(SDG_NAMES)
ITEM_FIELDS = ("title", "sdg", "office", "first_step", "target", "indicator")
# What an action may also carry (issue 18): where it comes from, with whom, on the way, at risk.
DETAIL_FIELDS = ("theme", "partners", "milestones", "barrier")
OTHER_THEME = "other"
NO_THEME = "none"  # nothing to start from: the theme is not asked
NO_BARRIER = "none"


def sdg_label(number: int, tr: Translator) -> str:
    """Name a goal in the reader's language ("ODS 11: Ciudades y comunidades sostenibles")."""
    return tr.gettext("SDG {number}: {name}").format(
        number=number, name=tr.gettext(SDG_NAMES[number])
    )


def sdgs(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """Offer the 17 goals in order; "11", "ODS 11" or "sdg 11" typed picks SDG 11."""
    return tuple(
        Option(
            str(n),
            sdg_label(n, tr),
            translate=False,
            synonyms=(f"ods {n}", f"ods{n}", f"sdg {n}", f"sdg{n}"),
        )
        for n in SDG_ORDER
    )


def plan_actions(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """Offer the actions collected so far in this run, by title."""
    items = data.get("vars", {}).get("actions", [])
    return tuple(
        Option(str(i), str(item.get("title", "")), translate=False) for i, item in enumerate(items)
    )


def plan_themes(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """Offer the starting points the workshop gave this person, then a theme of their own.

    The dispatcher puts them in the run (`themes`): the weakest dimension of their assessments
    and their session 4 priorities, as msgids; the value kept is the text as the person read it.
    """
    offered = [tr.gettext(str(t)) for t in data.get("vars", {}).get("themes", [])]
    return (
        *(Option(text, text, translate=False) for text in offered),
        Option(OTHER_THEME, N_("Another theme")),
    )


def plan_barriers(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """Offer the barriers this person shared in session 6 (their words), then none of them.

    A long barrier is offered by its start; the whole text is what the action keeps.
    """
    barriers = [str(b) for b in data.get("vars", {}).get("barriers", [])]
    return (
        *(Option(text, _start(text), translate=False) for text in barriers),
        Option(NO_BARRIER, N_("None of them")),
    )


def _start(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def add_milestone(data: Mapping[str, Any]) -> dict[str, Any]:
    """Add the milestone just answered (a month and what) to the action being written."""
    values = data.get("vars", {})
    milestone = {"month": values.get("milestone_month"), "what": values.get("milestone_what")}
    return {**data, "vars": {**values, "milestones": [*values.get("milestones", []), milestone]}}


def collect(data: Mapping[str, Any]) -> dict[str, Any]:
    """Append the item just answered to the run's actions; return the new run data."""
    values = dict(data.get("vars", {}))
    item = {name: values.get(name) for name in (*ITEM_FIELDS, *DETAIL_FIELDS)}
    if item["barrier"] == NO_BARRIER:
        item["barrier"] = None
    # The next action starts with no milestones and no theme of its own.
    for name in ("milestones", "theme", "partners", "barrier"):
        values.pop(name, None)
    return {**data, "vars": {**values, "actions": [*values.get("actions", []), item]}}


def amend(data: Mapping[str, Any]) -> dict[str, Any]:
    """Apply the edit just answered (item, field, new value) to the run's actions."""
    values = data.get("vars", {})
    items = [dict(item) for item in values.get("actions", [])]
    index = int(values.get("edit_item", -1))
    field = values.get("edit_field")
    if 0 <= index < len(items) and field in (*ITEM_FIELDS, "theme", "partners"):
        items[index][field] = values.get("edit_value")
    return {**data, "vars": {**values, "actions": items}}


def month_text(value: Any, tr: Translator) -> str:
    """Write a stored "2027-03" month in the reader's language; "?" when it is not one."""
    year, _, month = str(value or "").partition("-")
    return tr.month(int(year), int(month)) if year.isdecimal() and month.isdecimal() else "?"


def render_plan(
    items: Sequence[Mapping[str, Any]], tr: Translator, statuses: Sequence[str | None] = ()
) -> str:
    """Write a plan as numbered blocks, one per action."""
    blocks = []
    for number, item in enumerate(items, start=1):
        when = month_text(item.get("target"), tr)
        sdg = int(item["sdg"]) if str(item.get("sdg", "")).isdecimal() else None
        lines = [
            f"{number}. {item.get('title')}",
            "   " + (sdg_label(sdg, tr) if sdg in SDG_NAMES else "?"),
            *_given(tr.gettext("Responsible: {office}"), office=item.get("office")),
            *_given(tr.gettext("First step: {step}"), step=item.get("first_step")),
            "   " + tr.gettext("Target: {month}").format(month=when),
            *_given(tr.gettext("Indicator: {indicator}"), indicator=item.get("indicator")),
            *_details(item, tr),
        ]
        status = statuses[number - 1] if number - 1 < len(statuses) else None
        if status:
            lines.append("   " + tr.gettext("Status: {status}").format(status=status))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _given(line: str, **field: Any) -> list[str]:
    """Return the indented line with its value, or nothing when the value was never given.

    Actions added in a check-in before it asked for a first step have none: "First step: "
    with nothing after it read as a bug.
    """
    value = next(iter(field.values()))
    return ["   " + line.format(**field)] if value not in (None, "") else []


def _details(item: Mapping[str, Any], tr: Translator) -> list[str]:
    """Write an action's theme, partners, milestones and the barrier to watch, when given."""
    lines = [
        *_given(tr.gettext("Theme: {theme}"), theme=item.get("theme")),
        *_given(tr.gettext("Partners: {partners}"), partners=item.get("partners")),
    ]
    for milestone in item.get("milestones") or []:
        lines += _given(
            tr.gettext("Milestone: {month}, {what}"),
            what=milestone.get("what"),
            month=month_text(milestone.get("month"), tr),
        )
    lines += _given(tr.gettext("Could stop it: {barrier}"), barrier=item.get("barrier"))
    return lines
