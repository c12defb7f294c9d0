"""Self-assessments: scores computed by hand, results in es and pt, cohort averages, retakes."""

from __future__ import annotations

import json

import pytest

from flows.registry import FlowRegistry
from flows.scoring import Scores, cohort_average, extremes, score
from storage import ParticipantKey
from tests.support import CHANNEL, Harness

REGISTRY = FlowRegistry.load()

# Principles, item by item; p_transparency_r and p_participation_r are reverse-scored.
PRINCIPLES = {
    "p_competence": 4,
    "p_policy": 2,
    "p_collaboration": 5,
    "p_integrity": 3,
    "p_transparency": 5,
    "p_transparency_r": 2,
    "p_oversight": 2,
    "p_no_one_behind": 3,
    "p_non_discrimination": 4,
    "p_participation": 1,
    "p_participation_r": 5,
    "p_subsidiarity": 2,
    "p_future": 5,
}


def test_principles_scores_by_hand() -> None:
    scores = score(REGISTRY.get("principles").flow, PRINCIPLES)
    assert scores.dimensions == {
        "competence": 75.0,  # (4 − 1) / 4 × 100
        "sound_policymaking": 25.0,
        "collaboration": 100.0,
        "integrity": 50.0,
        "transparency": 87.5,  # 5 and reverse 2 → 4: mean 4.5
        "independent_oversight": 25.0,
        "leaving_no_one_behind": 50.0,
        "non_discrimination": 75.0,
        "participation": 0.0,  # 1 and reverse 5 → 1
        "subsidiarity": 25.0,
        "intergenerational_equity": 100.0,
    }
    assert scores.groups == {
        "effectiveness": 66.7,  # items 4, 2, 5: mean 3.667
        "accountability": 62.5,  # items 3, 5, 4, 2: mean 3.5
        "inclusiveness": 41.7,  # items 3, 4, 1, 1, 2, 5: mean 2.667
    }
    flow = REGISTRY.get("principles").flow
    assert extremes(flow, scores) == ("collaboration", "participation")  # first of a tie wins


def test_cohort_average_by_hand() -> None:
    people = [
        Scores({"a": 50.0, "b": 0.0}, {}),
        Scores({"a": 100.0}, {}),
        Scores({"a": 0.0, "b": 100.0}, {}),
    ]
    average = cohort_average(people)
    assert average.people == 3
    assert average.dimensions == {"a": 50.0, "b": 50.0}


@pytest.mark.parametrize(
    "flow_id", ["principles", "subsidiarity", "digital_government", "mindsets"]
)
def test_every_assessment_scores_every_dimension(flow_id: str) -> None:
    flow = REGISTRY.get(flow_id).flow
    all_fives = {step.key: 5 for step in flow.steps.values() if step.dimension}
    scores = score(flow, all_fives)
    reversed_items = {s.dimension for s in flow.steps.values() if s.reverse}
    assert set(scores.dimensions) == {d.id for d in flow.dimensions}
    for dimension, value in scores.dimensions.items():
        # All 5s score 100, except where a reverse item pulls the mean down.
        assert value == (50.0 if dimension in reversed_items else 100.0) or (
            dimension in reversed_items and 0 < value < 100
        )


async def test_principles_end_to_end_in_spanish(h: Harness) -> None:
    ana = h.person()
    menu = await ana.onboard()
    assert "Principios de gobernanza eficaz" in menu
    first = await ana.send("Principios de gobernanza eficaz")
    assert "Consejo Económico y Social" in first
    assert "Nuestro municipio tiene las habilidades" in first
    assert "1. Totalmente en desacuerdo" in first
    reply = ""
    flow = REGISTRY.get("principles").flow
    for step in flow.steps.values():
        if step.dimension:
            reply = await ana.send(str(PRINCIPLES[step.key]))
    assert "Sus resultados: Principios de gobernanza eficaz" in reply
    assert "Eficacia: 66,7" in reply
    assert "• Competencia: 75" in reply
    assert "• Transparencia: 87,5" in reply
    assert "Su punto más fuerte: Colaboración (100)." in reply
    assert "Donde más puede crecer: Participación (0)." in reply
    assert "Un primer paso: Abra a la ciudadanía una decisión" in reply
    assert "¿Qué le gustaría hacer?" in reply  # back at the menu
    p = await h.app.store.participant(ParticipantKey(CHANNEL, "ana"))
    assert p is not None
    (result,) = await h.app.store.results(p.id, "principles")
    assert result.scores["dimensions"]["competence"] == 75.0


async def test_mindsets_end_to_end_in_portuguese(h: Harness) -> None:
    joao = h.person("joao", hint="pt")
    await joao.open()
    for text in ("1", "sim", "João", "Recife", "Brasil", "3", "1"):
        await joao.send(text)
    first = await joao.send("Mudança de mentalidade para os ODS")
    assert "Esta autoavaliação é sobre você" in first
    assert "1. Discordo totalmente" in first
    flow = REGISTRY.get("mindsets").flow
    reply = ""
    for step in flow.steps.values():
        if step.dimension:
            reply = await joao.send("concordo")  # 4, by its label
    assert "Seus resultados: Mudança de mentalidade para os ODS" in reply
    assert "• Colaborativa: 75" in reply
    assert "• Experimental: 50" in reply  # 4 and reverse 4 → 2
    assert "Onde você mais pode crescer: Experimental (50)." in reply


async def test_leaving_and_resuming_keeps_the_item(h: Harness) -> None:
    ana = h.person()
    await ana.onboard()
    await ana.send("Principios de gobernanza eficaz")
    await ana.send("4")
    await ana.send("4")
    menu = await ana.send("/menu")
    assert "Principios de gobernanza eficaz (continuar)" in menu
    resumed = await ana.send("Principios de gobernanza eficaz (continuar)")
    assert "Nuestras áreas trabajan juntas" in resumed  # the third statement
    assert "Nuestro municipio tiene las habilidades" not in resumed


async def test_retake_shows_the_change(h: Harness) -> None:
    ana = h.person()
    await ana.onboard()
    flow = REGISTRY.get("subsidiarity").flow
    items = [s.key for s in flow.steps.values() if s.dimension]
    await ana.send("Subsidiariedad y gobernanza nacional-local")
    for _ in items:
        first = await ana.send("3")
    assert "Vuelva a hacer esta autoevaluación" in first
    await ana.send("Subsidiariedad y gobernanza nacional-local")
    for _ in items:
        second = await ana.send("5")
    assert "• Descentralización fiscal: 100 · cambio +50" in second
    assert "• Finanzas municipales: 50 · cambio 0" in second  # reverse item: 5 → 1


async def test_cohort_average_appears_from_five_people(h: Harness) -> None:
    await h.create_cohort("ODS2026", "Taller ODS")
    flow = REGISTRY.get("subsidiarity").flow
    items = [s.key for s in flow.steps.values() if s.dimension]
    replies = []
    for n in range(5):
        person = h.person(f"p{n}")
        await person.onboard("ODS2026", name=f"P{n}")
        await person.send("Subsidiariedad y gobernanza nacional-local")
        for _ in items:
            reply = await person.send(str(1 + n))
        replies.append(reply)
    assert all("promedio de su taller" not in r for r in replies[:4])
    assert "Junto a los suyos verá el promedio de su taller (5 personas)." in replies[4]
    # Fiscal items answered 1..5 by five people: scores 0, 25, 50, 75, 100 → average 50.
    assert "• Descentralización fiscal: 100 · taller 50" in replies[4]


async def test_chart_goes_to_image_channels(h: Harness) -> None:
    h.app.dispatcher.image_channels = frozenset({CHANNEL})
    ana = h.person()
    await ana.onboard()
    flow = REGISTRY.get("mindsets").flow
    await ana.send("Cambio de mentalidad para los ODS")
    for step in flow.steps.values():
        if step.dimension:
            await ana.send("3")
    images = [m.image_png for m in ana.last if m.image_png]
    assert len(images) == 1
    assert images[0].startswith(b"\x89PNG")
    assert any("Sus resultados en un gráfico" in m.text for m in ana.last)
    # The results and the menu after them are one message; the chart (drawn when sent) is last.
    assert ana.last[-1].image_png is not None
    (results,) = [m for m in ana.last if "Sus resultados:" in m.text]
    assert results.choices  # the menu's buttons
    # The outbox keeps the chart's recipe; the sender draws it, so the text never waits for it.
    rows = await h.app.store._fetchall(
        "SELECT payload FROM outbox WHERE payload LIKE '%gráfico%'", ()
    )
    payload = json.loads(rows[0][0])
    assert "image_png" not in payload
    assert payload["chart"]["kind"] == "scores"
    assert payload["chart"]["data"]["values"] == [50.0] * 6


async def test_mindset_challenges_records_table_and_texts(h: Harness) -> None:
    await h.create_cohort("ODS2026", "Taller ODS")
    ana = h.person()
    await ana.onboard("ODS2026")
    assert "número de su mesa" in await ana.send(
        "Los tres principales desafíos para cambiar la mentalidad"
    )
    assert "Primer desafío" in await ana.send("4")
    assert "otro desafío" in await ana.send("Miedo al error en la administración")
    assert "Segundo desafío" in await ana.send("sí")
    assert "menos de 280" in await ana.send("x" * 300)
    assert "tercer desafío" in await ana.send("Falta de datos compartidos")
    assert "quedaron registrados" in await ana.send("no")
    p = await h.app.store.participant(ParticipantKey(CHANNEL, "ana"))
    assert p is not None
    (membership,) = await h.app.store.memberships(p.id)
    assert membership.table_no == 4
    texts = [
        a.value
        for a in await h.app.store.answers(p.id)
        if a.flow_id == "mindset_challenges" and a.step_id.startswith("challenge")
    ]
    assert texts == ["Miedo al error en la administración", "Falta de datos compartidos"]
