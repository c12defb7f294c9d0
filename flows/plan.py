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
# What a button or list row shows of each goal when its whole name does not fit.
SDG_SHORT_NAMES = {
    1: N_("Poverty"),
    2: N_("Hunger"),
    3: N_("Health"),
    4: N_("Education"),
    5: N_("Gender"),
    6: N_("Water"),
    7: N_("Energy"),
    8: N_("Decent work"),
    9: N_("Innovation"),
    10: N_("Inequalities"),
    11: N_("Cities"),
    12: N_("Consumption"),
    13: N_("Climate"),
    14: N_("Life below water"),
    15: N_("Ecosystems"),
    16: N_("Peace and justice"),
    17: N_("Partnerships"),
}
# The goals of cities and of institutions come first: they are what local governments act on.
SDG_ORDER = (11, 16, *(n for n in SDG_NAMES if n not in (11, 16)))
ITEM_FIELDS = ("title", "sdg", "office", "first_step", "target", "indicator")


def sdg_label(number: int, tr: Translator) -> str:
    """Name a goal in the reader's language ("ODS 11: Ciudades y comunidades sostenibles")."""
    return tr.gettext("SDG {number}: {name}").format(
        number=number, name=tr.gettext(SDG_NAMES[number])
    )


def sdgs(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """Offer the 17 goals, 11 and 16 first; "ODS 11" or "sdg 11" typed also picks one."""
    return tuple(
        Option(
            str(n),
            sdg_label(n, tr),
            translate=False,
            synonyms=(f"ods {n}", f"ods{n}", f"sdg {n}", f"sdg{n}"),
            short=tr.gettext("SDG {number}: {name}").format(
                number=n, name=tr.gettext(SDG_SHORT_NAMES[n])
            ),
        )
        for n in SDG_ORDER
    )


def plan_actions(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """Offer the actions collected so far in this run, by title."""
    items = data.get("vars", {}).get("actions", [])
    return tuple(
        Option(str(i), str(item.get("title", "")), translate=False) for i, item in enumerate(items)
    )


def collect(data: Mapping[str, Any]) -> dict[str, Any]:
    """Append the item just answered to the run's actions; return the new run data."""
    values = data.get("vars", {})
    item = {name: values.get(name) for name in ITEM_FIELDS}
    return {**data, "vars": {**values, "actions": [*values.get("actions", []), item]}}


def amend(data: Mapping[str, Any]) -> dict[str, Any]:
    """Apply the edit just answered (item, field, new value) to the run's actions."""
    values = data.get("vars", {})
    items = [dict(item) for item in values.get("actions", [])]
    index = int(values.get("edit_item", -1))
    field = values.get("edit_field")
    if 0 <= index < len(items) and field in ITEM_FIELDS:
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
            "   " + tr.gettext("Responsible: {office}").format(office=item.get("office")),
            "   " + tr.gettext("First step: {step}").format(step=item.get("first_step")),
            "   " + tr.gettext("Target: {month}").format(month=when),
            "   " + tr.gettext("Indicator: {indicator}").format(indicator=item.get("indicator")),
        ]
        status = statuses[number - 1] if number - 1 < len(statuses) else None
        if status:
            lines.append("   " + tr.gettext("Status: {status}").format(status=status))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
