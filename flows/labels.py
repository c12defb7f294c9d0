"""Words for the codes Minga stores: roles, countries, flows, options, SDGs, check-in statuses.

The export and `/mydata` show a code with its label in the reader's language, so
a spreadsheet says "Alcalde o autoridad electa" beside `elected`, not the code alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flows.options import ENDONYMS
from flows.plan import SDG_NAMES
from flows.questions.base import question_type
from flows.questions.matching import option_label as matching_label
from flows.registry import FlowRegistry
from flows.runner import resolve_options
from i18n import N_, Translator

_SENTENCE = re.compile(r"(?<=[.!?])\s+")

# A check-in's own status (was it sent, answered?), not the status of an action it asked about.
CHECKIN_STATUSES: dict[str, str] = {
    "planned": N_("Not sent yet"),
    "sent": N_("Sent, waiting for an answer"),
    "answered": N_("The person answered"),
    "unanswered": N_("No answer after the reminders"),
    "missed": N_("Not sent: too late to start"),
    "skipped": N_("Not sent: the person stopped messages or facilitates"),
    "cancelled": N_("Cancelled when the plan changed"),
}


def option_label(
    registry: FlowRegistry, flow_id: str, step_id: str, option: object, tr: Translator
) -> str:
    """Name an option of a flow's step ("" when the flow, step or option is not there)."""
    if option is None or flow_id not in registry:
        return ""
    step = registry.get(flow_id).flow.steps.get(step_id)
    found = next((o for o in step.options if o.id == str(option)), None) if step else None
    if found is None:
        return ""
    return tr.gettext(found.label) if found.translate else found.label


def role_label(role: str | None, registry: FlowRegistry, tr: Translator) -> str:
    """Name a role as onboarding offered it ("" when none was given or it is unknown)."""
    return option_label(registry, "onboarding", "role", role, tr)


def country_label(code: str | None, tr: Translator) -> str:
    """Name a country by its ISO code in the reader's language (CLDR names, through babel)."""
    if not code:
        return ""
    if code == "other":
        return tr.gettext("Another country")
    names: Mapping[str, str] = tr.babel_locale.territories
    return names.get(code, code)


def flow_title(flow_id: str, registry: FlowRegistry, tr: Translator) -> str:
    """Give a flow's title, or its id when the flow is no longer loaded."""
    return tr.gettext(registry.get(flow_id).flow.title) if flow_id in registry else flow_id


def sdg_name(number: int | None, tr: Translator) -> str:
    """Name a Sustainable Development Goal ("Paz, justicia e instituciones sólidas")."""
    if number is None or number not in SDG_NAMES:
        return ""
    return tr.gettext(SDG_NAMES[number])


def checkin_status_label(status: str, tr: Translator) -> str:
    """Say what happened to a check-in, in the reader's language."""
    return tr.gettext(CHECKIN_STATUSES[status]) if status in CHECKIN_STATUSES else status


_CHANNELS = {"telegram": "Telegram", "whatsapp": "WhatsApp", "console": N_("Console")}


def channel_label(channel: str, tr: Translator) -> str:
    """Name a channel as people know it ("WhatsApp"; the console in the reader's language)."""
    name = _CHANNELS.get(channel)
    return channel if name is None else tr.gettext(name)


def language_label(locale: str) -> str:
    """Name a language by its own name ("Español"), as the language question offers it."""
    return ENDONYMS.get(locale.split("_")[0], locale)


def question_label(registry: FlowRegistry, flow_id: str, step_id: str, tr: Translator) -> str:
    """Give the question a step asks without its preamble: its last question, or its last line.

    "Nice to meet you, {name}. Which municipality…?" becomes "Which municipality…?"; a
    statement to rate stays whole; a step that is no longer in the flow keeps its id.
    """
    step = registry.get(flow_id).flow.steps.get(step_id) if flow_id in registry else None
    if step is None or not step.ask:
        return step_id
    text = tr.gettext(step.ask).strip()
    sentences = [s for line in text.splitlines() for s in _SENTENCE.split(line.strip())]
    questions = [s for s in sentences if s.endswith("?")]
    return questions[-1] if questions else text.splitlines()[-1]


def answer_label(
    registry: FlowRegistry, flow_id: str, step_id: str, value: object, tr: Translator
) -> str:
    """Name an answer by its options' labels ("De acuerdo", "ODS 11: …"); "" when it has none.

    Options built from the person's own words (their actions, barriers) have no fixed label:
    those answers are shown as written.
    """
    step = registry.get(flow_id).flow.steps.get(step_id) if flow_id in registry else None
    kind = question_type(step.type or "") if step is not None else None
    if step is None or kind is None or not kind.has_options:
        return ""
    try:
        options = resolve_options(step, kind, tr, {})
    except (KeyError, LookupError, TypeError, ValueError):
        return ""
    names = {o.id: matching_label(o, tr) for o in options}
    if isinstance(value, bool):
        value = "yes" if value else "no"
    values = value if isinstance(value, list) else [value]
    found = [names.get(str(v), "") for v in values]
    return ", ".join(found) if found and all(found) else ""
