"""Questions to the room: asked in the chat, answered by members, counted once, projected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.live.operations import close_prompt, new_prompt, open_prompt, reveal_prompt
from bot.live.screens import build_screen, prompt_summary
from storage import Changes, Prompt
from tests.support import Harness, Person, harness


@pytest.fixture
async def h(tmp_path: Path, database_url: str) -> AsyncIterator[Harness]:
    async with harness(tmp_path / "l.db", facilitators=["fac"], url=database_url) as running:
        await running.create_cohort("ODS2026", "Taller ODS")
        yield running


async def _members(h: Harness, count: int) -> list[Person]:
    people = []
    for n in range(count):
        person = h.person(f"p{n}")
        await person.onboard("ODS2026", name=f"Persona {n}")
        people.append(person)
    return people


async def _open(
    h: Harness, kind: str, text: str, options: list[str] = (), **extra: object
) -> Prompt:  # type: ignore[assignment]
    """Open a prompt the way the console and the CLI do, and deliver it to every member."""
    cohort = await h.app.store.cohort_by_code("ODS2026")
    assert cohort is not None
    prompt = new_prompt(
        cohort.id,
        kind,
        {"es": text},
        [{"es": o} for o in options],
        h.clock.now(),
        **extra,  # type: ignore[arg-type]
    )
    changes = Changes()
    open_prompt(
        prompt, [p for p, _ in await h.app.store.audience(cohort.id)], h.clock.now(), changes
    )
    await h.app.store.commit(changes)
    await h.app.scheduler.run_once()
    await h.app.sender.drain()
    return prompt


async def _summary(h: Harness, prompt: Prompt) -> dict[str, object]:
    found = await h.app.store.prompt(prompt.id)
    assert found is not None
    return await prompt_summary(h.app.store, found, "es")


def _delivered(h: Harness, person: Person) -> str:
    person.last = h.sender.take(person.address)
    return "\n\n".join(m.text for m in person.last)


async def test_a_choice_question_reaches_everyone_and_each_answer_counts_once(h: Harness) -> None:
    people = await _members(h, 3)
    prompt = await _open(h, "choice", "¿Qué le preocupa más?", ["Presupuesto", "Personal", "Datos"])
    for person in people:
        asked = _delivered(h, person)
        assert "Una pregunta de quienes facilitan, para toda la sala:" in asked
        assert "¿Qué le preocupa más?" in asked
    budget = people[0].choice_id("Presupuesto")
    await people[0].send(choice=budget, external_id="u1")
    await people[0].send(choice=budget, external_id="u1")  # redelivered
    await people[1].send("2")
    await people[2].send("datos")
    summary = await _summary(h, prompt)
    assert summary["respondents"] == 3
    assert summary["tallies"] == [
        {"label": "Presupuesto", "count": 1},
        {"label": "Personal", "count": 1},
        {"label": "Datos", "count": 1},
    ]
    assert "¡Gracias! Su respuesta quedó registrada." in people[2].last[0].text


async def test_a_person_mid_assessment_answers_first_and_resumes_at_the_same_statement(
    h: Harness,
) -> None:
    (ana,) = await _members(h, 1)
    await ana.send("Cambio de mentalidad para los ODS")
    before = await ana.send("4")
    statement = before.split("\n\n")[-1]
    await _open(h, "scale", "¿Cuánto sabe de innovación pública?", scale_max=10)
    asked = _delivered(h, ana)
    assert "¿Cuánto sabe de innovación pública?" in asked
    assert [c.label for c in ana.last[-1].choices][:3] == ["1", "2", "3"]
    back = await ana.send("7")
    assert "¡Gracias! Su respuesta quedó registrada." in back
    assert statement.split("\n")[0] in back  # the pending statement, asked again


async def test_an_answer_after_closing_is_not_counted(h: Harness) -> None:
    (ana, beto) = await _members(h, 2)
    prompt = await _open(h, "choice", "¿Sí o no?", ["Sí", "No"])
    _delivered(h, ana), _delivered(h, beto)
    await ana.send("1")
    changes = Changes()
    found = await h.app.store.prompt(prompt.id)
    assert found is not None
    close_prompt(found, h.clock.now(), changes)
    await h.app.store.commit(changes)
    late = await beto.send("2")
    assert "Esta pregunta ya se cerró, así que su respuesta no se contó." in late
    assert "Gracias" not in late
    assert (await _summary(h, prompt))["respondents"] == 1


async def test_changing_a_choice_replaces_it_and_open_answers_add_up_to_three(h: Harness) -> None:
    (ana,) = await _members(h, 1)
    words = await _open(h, "open", "En una palabra: ¿cuál es el mayor reto?")
    _delivered(h, ana)
    await ana.send("Presupuesto")
    await ana.send("sí")
    await ana.send("la corrupción")
    await ana.send("sí")
    await ana.send("presupuesto")
    summary = await _summary(h, words)
    assert summary["respondents"] == 1
    # Stop words ("la") left out; "Presupuesto" and "presupuesto" are one word.
    assert summary["tallies"] == [
        {"label": "presupuesto", "count": 2},
        {"label": "corrupción", "count": 1},
    ]


async def test_results_stay_hidden_on_the_projector_until_revealed(h: Harness) -> None:
    people = await _members(h, 2)
    prompt = await _open(h, "choice", "¿A o B?", ["A", "B"])
    for person in people:
        _delivered(h, person)
        await person.send("1")
    cohort = await h.app.store.cohort_by_code("ODS2026")
    assert cohort is not None
    hidden = await build_screen(h.app.store, h.app.registry, cohort)
    assert hidden["screen"]["heading"] == "¿A o B?"
    assert hidden["screen"]["count"] == 2
    assert "bars" not in hidden["screen"]
    changes = Changes()
    found = await h.app.store.prompt(prompt.id)
    assert found is not None
    reveal_prompt(found, changes)
    await h.app.store.commit(changes)
    shown = await build_screen(h.app.store, h.app.registry, cohort)
    assert shown["screen"]["bars"] == [{"label": "A", "value": 2}, {"label": "B", "value": 0}]


async def test_a_ranking_is_counted_like_the_round(h: Harness) -> None:
    people = await _members(h, 2)
    prompt = await _open(h, "ranking", "Ordene", ["Salud", "Agua", "Vivienda"])
    for person, order in zip(people, (["2", "1"], ["2", "2"]), strict=True):
        _delivered(h, person)
        await person.send(order[0])
        await person.send(order[1])
    # p0: Agua, Salud, Vivienda; p1: Agua, Vivienda, Salud (the ballot drops what was placed).
    tallies = (await _summary(h, prompt))["tallies"]
    assert tallies == [
        {"label": "Agua", "count": 6},
        {"label": "Salud", "count": 3},
        {"label": "Vivienda", "count": 3},
    ]


async def test_questions_from_the_room_and_upvotes_counted_once_per_person(h: Harness) -> None:
    (ana, beto, caro) = await _members(h, 3)
    await ana.send("¿Cómo medimos el avance de las metas locales?")
    offer = await ana.send("sí")
    assert "Enviada: su pregunta está en la lista de quienes facilitan." in offer
    prompt = await _open(h, "qa", "¿Qué quiere preguntarle al panel?")
    for person in (beto, caro):
        _delivered(h, person)
        await person.send("saltar")
        await person.send("1")
    _delivered(h, ana)
    await ana.send("¿Quién financia los laboratorios?")
    tallies = (await _summary(h, prompt))["tallies"]
    assert tallies[0] == {"label": "¿Cómo medimos el avance de las metas locales?", "count": 2}
    assert tallies[1] == {"label": "¿Quién financia los laboratorios?", "count": 0}


async def test_free_text_a_member_declines_to_send_is_not_stored(h: Harness) -> None:
    (ana,) = await _members(h, 1)
    offer = await ana.send("esto no es una opción del menú")
    assert "¿Quiere enviarlo como pregunta a quienes facilitan el taller?" in offer
    assert "De acuerdo, no se envió." in await ana.send("no")
    assert await h.rows("SELECT COUNT(*) FROM qa_entries") == [(0,)]


async def test_a_participant_cannot_ask_close_or_reveal(h: Harness) -> None:
    (ana,) = await _members(h, 1)
    for command in ("/ask ODS2026", "/close ODS2026", "/reveal ODS2026", "/show ranking ODS2026"):
        reply = await ana.send(command)
        assert "solo para quienes facilitan el taller" in reply
    assert await h.rows("SELECT COUNT(*) FROM prompts") == [(0,)]
    assert await h.rows("SELECT COUNT(*) FROM live_screens") == [(0,)]


async def test_a_facilitator_asks_the_room_in_the_chat(h: Harness) -> None:
    people = await _members(h, 2)
    fac = h.person("fac")
    await fac.onboard("ODS2026", name="Facilitadora")
    kinds = await fac.send("/ask ODS2026")
    assert "¿Qué tipo de pregunta quiere hacerle a la sala?" in kinds
    await fac.send(choice=fac.choice_id("Elegir una opción"))
    await fac.send("¿Qué prioridad tiene su municipio?")
    confirm = await fac.send("Salud; Agua; Empleo")
    assert "¿Enviar esta pregunta a 3 participantes?" in confirm  # the facilitator is a member
    done = await fac.send("sí")
    assert "Listo: la pregunta está abierta." in done
    await h.app.scheduler.run_once()
    await h.app.sender.drain()
    for person in people:
        assert "¿Qué prioridad tiene su municipio?" in _delivered(h, person)
        await person.send("2")
    closed = await fac.send("/close ODS2026")
    assert "Cerrada: 2 personas respondieron “¿Qué prioridad tiene su municipio?”." in closed
    assert "ya están en la pantalla" in await fac.send("/reveal")
    (entry,) = [e for e in await h.app.store.audit_log() if e.action == "prompt opened"]
    assert entry.detail["members"] == 3


async def test_the_question_reaches_everyone_before_answers_are_acknowledged(h: Harness) -> None:
    (ana, beto) = await _members(h, 2)
    await _open(h, "choice", "¿A o B?", ["A", "B"])
    _delivered(h, ana), _delivered(h, beto)
    await ana.send("1")
    rows = await h.rows("SELECT priority FROM outbox WHERE address = 'p0' ORDER BY id DESC LIMIT 1")
    assert rows == [(10,)]  # bulk, behind the question still going out to the room
    menu = await ana.send("/menu")
    assert "¿Qué le gustaría hacer?" in menu
    assert await h.rows(
        "SELECT priority FROM outbox WHERE address = 'p0' ORDER BY id DESC LIMIT 1"
    ) == [(0,)]


async def test_tapping_another_option_later_changes_the_answer(h: Harness) -> None:
    (ana,) = await _members(h, 1)
    single = await _open(h, "choice", "¿A o B?", ["A", "B"])
    _delivered(h, ana)
    first, second = ana.choice_id("A"), ana.choice_id("B")
    await ana.send(choice=first)
    changed = await ana.send(choice=second)  # the question is answered: a later tap on it
    assert "Cambiado: su respuesta ahora es “B”." in changed
    assert [t["count"] for t in (await _summary(h, single))["tallies"]] == [0, 1]
    several = await _open(h, "choice", "¿Cuáles?", ["X", "Y", "Z"], multi=True)
    _delivered(h, ana)
    x, z = ana.choice_id("X"), ana.choice_id("Z")
    await ana.send(choice=x)
    assert "“X, Z”" in await ana.send(choice=z)  # several options: a tap adds…
    assert "“Z”" in await ana.send(choice=x)  # …or takes away
    assert [t["count"] for t in (await _summary(h, several))["tallies"]] == [0, 0, 1]
    changes = Changes()
    found = await h.app.store.prompt(single.id)
    assert found is not None
    close_prompt(found, h.clock.now(), changes)
    await h.app.store.commit(changes)
    assert "Esta pregunta ya se cerró" in await ana.send(choice=first)
    assert [t["count"] for t in (await _summary(h, single))["tallies"]] == [0, 1]
