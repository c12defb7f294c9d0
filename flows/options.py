"""Option lists that come from data rather than from the flow file (languages, countries)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from flows.checkin import action_statuses
from flows.learning import learn_dimensions, learn_topics
from flows.live import prompt_ballot, prompt_options, prompt_scale
from flows.model import Option
from flows.plan import plan_actions, plan_barriers, plan_themes, sdgs
from flows.prioritization import ballot_options, top_options
from i18n import N_, SHIPPED_LOCALES, Translator, fold, translator

# The Latin American and Caribbean member states, as ISO 3166 codes; names come from CLDR.
LAC_COUNTRIES = (
    "AG", "AR", "BS", "BB", "BZ", "BO", "BR", "CL", "CO", "CR", "CU", "DM", "DO", "EC", "SV",
    "GD", "GT", "GY", "HT", "HN", "JM", "MX", "NI", "PA", "PY", "PE", "KN", "LC", "VC", "SR",
    "TT", "UY", "VE",
)  # fmt: skip
_ENDONYMS = {"es": "Español", "pt": "Português", "en": "English"}

# A source gets the reader's translator and the run's data (for options built from answers).
OptionSource = Callable[[Translator, Mapping[str, Any]], tuple[Option, ...]]


def languages(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """List the shipped languages by their own names, the participant's current one first."""
    ordered = sorted(SHIPPED_LOCALES, key=lambda code: code != tr.locale)
    return tuple(
        Option(code, _ENDONYMS[code], translate=False, synonyms=(code,)) for code in ordered
    )


def countries_lac(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """List the Latin American and Caribbean countries in reading order, then "other"."""
    return _countries(tr.locale)


@cache
def _countries(locale: str) -> tuple[Option, ...]:
    tr = translator(locale)
    names = tr.babel_locale.territories
    found = sorted(
        (
            Option(code, names.get(code, code), translate=False, synonyms=(code,))
            for code in LAC_COUNTRIES
        ),
        key=lambda option: fold(option.label),
    )
    return (*found, Option("other", N_("Another country")))


SOURCES: dict[str, OptionSource] = {
    "languages": languages,
    "countries_lac": countries_lac,
    "sdgs": sdgs,
    "plan_actions": plan_actions,
    "plan_themes": plan_themes,
    "plan_barriers": plan_barriers,
    "ballot": ballot_options,
    "top_challenges": top_options,
    "action_statuses": action_statuses,
    "prompt_options": prompt_options,
    "prompt_scale": prompt_scale,
    "prompt_ballot": prompt_ballot,
    "learn_topics": learn_topics,
    "learn_dimensions": learn_dimensions,
}
