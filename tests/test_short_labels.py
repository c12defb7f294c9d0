"""Short labels: every choice whose es or pt label would be cut on a button or list row has one.

WhatsApp cuts list-row titles at 24 characters and quick-reply buttons at 20 ("Ni de acuerdo ni
en des…"); a long label keeps its whole wording in the row's description and shows its short
label as the title, on WhatsApp and on Telegram's buttons.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.channels.telegram import keyboard
from bot.channels.whatsapp_interactive import MAX_BUTTON_TITLE, MAX_ROW_TITLE, interactive
from flows.menu import Menu
from flows.model import Flow, Step
from flows.questions.base import question_type
from flows.questions.matching import option_label, short_label
from flows.registry import FlowRegistry
from flows.runner import resolve_options
from i18n import TRANSLATED_LOCALES, Translator, translator
from storage import Choice, Outbound, Run

# Option lists built from what people wrote (their actions, barriers, a facilitator's options):
# nobody authored a short label for those, so a channel cuts them and keeps the whole text in
# the row's description.
PEOPLES_WORDS = {
    "plan_actions",
    "ballot",
    "top_challenges",
    "prompt_options",
    "prompt_scale",
    "prompt_ballot",
}
REGISTRY = FlowRegistry.load()


def _choices(tr: Translator) -> Iterator[tuple[str, str, str | None, int]]:
    """Yield (where, label, short label, most characters a short may have) of every choice."""
    for flow in REGISTRY:
        # A menu of up to three flows goes as buttons, so a flow's short title fits a button.
        title = tr.gettext(flow.title)
        short = tr.gettext(flow.short) if flow.short else None
        yield f"{flow.id} (menu)", title, short, MAX_BUTTON_TITLE
        for step in flow.steps.values():
            yield from _step_choices(flow, step, tr)


def _step_choices(
    flow: Flow, step: Step, tr: Translator
) -> Iterator[tuple[str, str, str | None, int]]:
    kind = question_type(step.type or "")
    if kind is None or not kind.has_options or step.options_from in PEOPLES_WORDS:
        return
    options = resolve_options(step, kind, tr, {})
    shown = len(options) + (1 if step.optional else 0)
    limit = MAX_BUTTON_TITLE if shown <= 3 else MAX_ROW_TITLE
    for option in options:
        yield (
            f"{flow.id}.{step.id}.{option.id}",
            option_label(option, tr),
            short_label(option, tr),
            limit,
        )


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_every_long_choice_label_has_a_short_one_that_fits(locale: str) -> None:
    tr = translator(locale)
    missing, too_long = [], []
    for where, label, short, limit in _choices(tr):
        if len(label) > MAX_ROW_TITLE and not short:
            missing.append(f"{where}: {label!r} ({len(label)})")
        if short and len(short) > limit:
            too_long.append(f"{where}: {short!r} ({len(short)} > {limit})")
    assert missing == [], "give these a short label"
    assert too_long == [], "these short labels do not fit"


def test_the_choices_checked_include_the_ones_the_issue_found() -> None:
    labels = {label: short for _, label, short, _ in _choices(translator("es"))}
    assert labels["Ni de acuerdo ni en desacuerdo"] == "Neutral"
    assert labels["Subsidiariedad y gobernanza nacional-local"] == "Subsidiariedad"
    assert labels["ODS 11: Ciudades y comunidades sostenibles"] == "ODS 11: Ciudades"
    assert labels["San Vicente y las Granadinas"] == "San Vicente"


def _likert(locale: str) -> Outbound:
    tr = translator(locale)
    step = REGISTRY.get("principles").flow.steps["p_competence"]
    kind = question_type("likert")
    assert kind is not None
    options = resolve_options(step, kind, tr)
    return Outbound(
        "?",
        tuple(
            Choice(f"r.{n}", option_label(o, tr), short_label(o, tr)) for n, o in enumerate(options)
        ),
    )


def test_a_whatsapp_row_shows_the_short_label_and_keeps_the_wording_below() -> None:
    picked = interactive(_likert("es"), translator("es"), {}, {5: "HXlist5"})
    assert picked is not None
    rows = {picked.variables[str(3 + 3 * n)]: picked.variables[str(5 + 3 * n)] for n in range(5)}
    assert rows["Neutral"] == "Ni de acuerdo ni en desacuerdo"
    assert rows["De acuerdo"] == "4"  # a label that fits keeps the number as its description
    assert not any(title.endswith("…") for title in rows)


def test_a_whatsapp_button_takes_the_short_label() -> None:
    message = Outbound(
        "?",
        (
            Choice("a", "Alcaldesa o alcalde, u otra autoridad electa", "Autoridad electa"),
            Choice("b", "Otro"),
        ),
    )
    picked = interactive(message, translator("es"), {2: "HXbuttons2"}, {})
    assert picked is not None
    assert (picked.variables["2"], picked.variables["4"]) == ("Autoridad electa", "Otro")
    # Without a short label that fits, the long choice cannot be a button.
    bare = Outbound("?", (Choice("a", message.choices[0].label), Choice("b", "Otro")))
    assert interactive(bare, translator("es"), {2: "HXbuttons2"}, {}) is None


def test_telegram_buttons_show_the_short_label_of_a_long_one() -> None:
    markup = keyboard(_likert("pt"))
    assert markup is not None
    texts = [b.text for row in markup.inline_keyboard for b in row]
    assert texts == ["Discordo totalmente", "Discordo", "Neutro", "Concordo", "Concordo totalmente"]


def test_the_menu_offers_short_titles_and_keeps_continue_when_it_fits() -> None:
    tr = translator("es")
    menu = Menu(REGISTRY)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    paused = [Run("r", "p", "prioritization", 1, "start", "paused", now, now)]
    shown = {c.label: c.short for c in menu.render(tr, paused).choices}
    assert shown["Subsidiariedad y gobernanza nacional-local"] == "Subsidiariedad"
    assert shown["Barreras para la implementación (continuar)"] == "Barreras (continuar)"


def test_a_typed_short_label_answers_too() -> None:
    from flows.questions.matching import find_option

    tr = translator("pt")
    kind = question_type("likert")
    assert kind is not None
    step = REGISTRY.get("principles").flow.steps["p_competence"]
    options = resolve_options(step, kind, tr)
    found = find_option("neutro", tr, options, options)
    assert found is not None
    assert found.id == "3"


def test_choices_keep_their_short_label_through_the_outbox() -> None:
    message = Outbound(
        "?", (Choice("a", "Ni de acuerdo ni en desacuerdo", "Neutral"), Choice("b", "No"))
    )
    assert Outbound.from_json(message.to_json()) == message
