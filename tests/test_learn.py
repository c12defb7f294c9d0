"""Session 1's learn steps: every dimension of every assessment says what it means for a
municipality, briefly, and a person reaches it from their results."""

from __future__ import annotations

from flows.registry import FlowRegistry
from i18n import translator
from tests.support import Harness

# Two or three lines on a phone: about 90 characters a line in a chat bubble.
PHONE_LINES = 3 * 90


def test_every_assessment_dimension_explains_itself_briefly_in_es_and_pt() -> None:
    assessments = [f for f in FlowRegistry.load().menu_flows() if f.kind == "assessment"]
    assert [f.id for f in assessments] == [
        "principles",
        "subsidiarity",
        "mindsets",
        "digital_government",
    ]
    for flow in assessments:
        for dimension in flow.dimensions:
            assert dimension.learn, f"{flow.id}/{dimension.id} has no learn text"
            for locale in ("es", "pt"):
                text = translator(locale).gettext(dimension.learn)
                assert text != dimension.learn, (locale, dimension.id)
                assert len(text) <= PHONE_LINES, (locale, dimension.id, len(text))


async def test_results_point_to_what_each_dimension_means(h: Harness) -> None:
    ana = h.person()
    await ana.onboard()
    await ana.send("Subsidiariedad y gobernanza nacional-local")
    reply = ""
    for _ in range(10):
        reply = await ana.send("3")
    assert "Sus resultados" in reply
    assert "¿Qué significa cada una para un municipio? Elija «¿Qué significa?» en el menú." in reply
    topics = await ana.send("¿Qué significa?")
    assert "2. Subsidiariedad y gobernanza nacional-local" in topics
    assert "Descentralización fiscal" in await ana.send("2")
    # A stale button (the menu's) and a huge text get the standard re-prompts.
    stale = await ana.send(choice="menu.principles")
    assert "Ese botón es de una pregunta anterior" in stale
    assert "¿Cuál? Se lo explico en pocas líneas." in stale
    assert "elija una de las opciones" in await ana.send("x" * 5000)
    assert "transferencias justas y previsibles" in await ana.send("1")


def test_the_new_flows_choice_labels_fit_a_whatsapp_list_row() -> None:
    # A WhatsApp list row shows 24 characters (a button 20); the menu lists flows by title.
    registry = FlowRegistry.load()
    new = ("priorities", "learn", "confidence", "evaluation")
    for locale in ("es", "pt"):
        tr = translator(locale)
        for flow_id in new:
            flow = registry.get(flow_id).flow
            if flow.menu:
                assert len(tr.gettext(flow.title)) <= 24, (locale, flow.title)
            for step in flow.steps.values():
                for option in step.options:
                    assert len(tr.gettext(option.label)) <= 24, (locale, option.label)
        for label in ("Another theme", "None of them", "The theme", "The partners"):
            assert len(tr.gettext(label)) <= 24, (locale, label)
