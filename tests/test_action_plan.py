"""The action plan: a loop of actions, a paged SDG list, review and edit, records, /roadmap."""

from __future__ import annotations

from pathlib import Path

from flows.registry import FlowRegistry
from storage import ParticipantKey
from tests.support import CHANNEL, Harness, Person, harness


async def _add_action(person: Person, title: str, sdg: str) -> str:
    assert "¿A qué Objetivo de Desarrollo Sostenible" in await person.send(title)
    await person.send(sdg)
    await person.send("Secretaría de Innovación")
    await person.send("Mapear los 10 trámites más usados")
    await person.send("marzo 2027")
    assert "¿Con quiénes trabajará?" in await person.send("Tiempo medio de respuesta")
    assert "Un hito en el camino" in await person.send("omitir")
    return await person.send("omitir")


async def test_build_review_edit_and_confirm_a_plan_in_spanish(h: Harness) -> None:
    ana = h.person()
    await ana.onboard()
    first = await ana.send("Mi plan de acción")
    assert "hoja de ruta" in first
    assert "¿Cuál es la acción?" in first
    reply = await ana.send("Ventanilla única digital")
    # The 17 goals in their own order on one page: the number shown is the goal's number.
    assert "1. ODS 1: Fin de la pobreza" in reply
    assert "11. ODS 11: Ciudades y comunidades sostenibles" in reply
    assert "Más opciones" not in reply
    await ana.send("ods 16")  # typed by its name
    await ana.send("Secretaría de Innovación")
    await ana.send("Mapear los 10 trámites más usados")
    assert "¿Cómo sabrá que funcionó?" in await ana.send("03/2027")
    await ana.send("Tiempo medio de respuesta")
    await ana.send("Secretaría de Finanzas")  # who she will work with
    assert "¿Qué estará hecho para entonces?" in await ana.send("septiembre 2026")
    assert "¿Quiere agregar otro hito?" in await ana.send("Los 10 trámites mapeados")
    await ana.send("no")
    await ana.send("sí")
    assert "¿Quiere agregar otra acción?" in await _add_action(
        ana, "Laboratorio de innovación", "11"
    )
    review = await ana.send("no")
    assert "Este es su plan:" in review
    assert "1. Ventanilla única digital" in review
    assert "ODS 16: Paz, justicia e instituciones sólidas" in review
    assert "Meta: marzo de 2027" in review
    assert "Con quiénes: Secretaría de Finanzas" in review
    assert "Hito: septiembre de 2026, Los 10 trámites mapeados" in review
    assert "2. Laboratorio de innovación" in review
    # Edit the second action's goal.
    assert "¿Qué acción quiere cambiar?" in await ana.send("Cambiar algo")
    assert "¿Qué quiere cambiar?" in await ana.send("2")
    assert "¿A qué Objetivo" in await ana.send("El objetivo (ODS)")
    review = await ana.send("ODS 9")
    assert "Cambiado." in review
    assert "ODS 9: Industria, innovación e infraestructura" in review
    share = await ana.send("Confirmar mi plan")
    assert "¿puedo contarle al resto de su taller cómo avanzan sus acciones?" in share
    done = await ana.send("sí")
    assert "Su plan quedó guardado" in done
    p = await h.app.store.participant(ParticipantKey(CHANNEL, "ana"))
    assert p is not None
    actions = await h.app.store.actions(p.id)
    assert [(a.position, a.title, a.sdg, a.target_month) for a in actions] == [
        (0, "Ventanilla única digital", 16, "2027-03"),
        (1, "Laboratorio de innovación", 9, "2027-03"),
    ]
    assert all(a.status == "not_started" for a in actions)
    assert p.share_progress  # she agreed that her workshop may hear how her actions go
    roadmap = await ana.send("/roadmap")
    assert "Su plan de acción:" in roadmap
    assert "2. Laboratorio de innovación" in roadmap
    assert "Responsable: Secretaría de Innovación" in roadmap


async def test_roadmap_without_a_plan(h: Harness) -> None:
    ana = h.person()
    await ana.onboard()
    assert "Todavía no tiene un plan de acción" in await ana.send("/roadmap")


async def test_bad_month_and_long_title_are_reprompted(h: Harness) -> None:
    ana = h.person()
    await ana.onboard()
    await ana.send("Mi plan de acción")
    assert "menos de 120 caracteres" in await ana.send("x" * 200)
    await ana.send("Ventanilla única")
    await ana.send("1")
    await ana.send("Secretaría")
    await ana.send("Primer paso")
    reply = await ana.send("pronto")
    assert "escriba un mes y un año" in reply
    assert "¿Para qué mes debería estar lista?" in reply


async def test_plan_in_portuguese(h: Harness) -> None:
    joao = h.person("joao", hint="pt")
    await joao.open()
    for text in ("1", "sim", "João", "Recife", "Brasil", "3", "1"):
        await joao.send(text)
    assert "roteiro" in await joao.send("Meu plano de ação")
    reply = await joao.send("Balcão único digital")
    assert "11. ODS 11: Cidades e comunidades sustentáveis" in reply
    await joao.send("11")
    await joao.send("Secretaria de Inovação")
    await joao.send("Mapear os serviços")
    await joao.send("junho de 2027")
    await joao.send("Tempo de resposta")
    await joao.send("pular")
    await joao.send("pular")
    review = await joao.send("não")
    assert "Este é o seu plano:" in review
    assert "Prazo: junho de 2027" in review
    assert "posso contar para o resto da sua oficina" in await joao.send("1")
    assert "Seu plano foi salvo" in await joao.send("não")
    assert "Seu plano de ação:" in await joao.send("/roadmap")


async def _sdg_recorded(h: Harness, typed: str) -> int:
    """Build a one-action plan typing `typed` for the goal; return the goal stored."""
    ana = h.person(f"ana{typed}")
    await ana.onboard()
    await ana.send("Mi plan de acción")
    await ana.send("Ventanilla única")
    await ana.send(typed)
    await ana.send("Secretaría de Innovación")
    await ana.send("Primer paso")
    await ana.send("marzo 2027")
    await ana.send("Tiempo de respuesta")
    await ana.send("omitir")
    await ana.send("omitir")
    await ana.send("no")
    await ana.send("Confirmar mi plan")
    await ana.send("no")
    p = await h.app.store.participant(ParticipantKey(CHANNEL, f"ana{typed}"))
    assert p is not None
    (action,) = await h.app.store.actions(p.id)
    return action.sdg


async def test_typed_sdg_number_is_that_goal_not_the_nth_option(h: Harness) -> None:
    # Bug: "ODS 11" was option 1, so "11" was refused and "1" recorded SDG 11.
    assert await _sdg_recorded(h, "11") == 11
    assert await _sdg_recorded(h, "1") == 1
    assert await _sdg_recorded(h, "3") == 3


async def test_a_target_month_in_the_past_is_refused_politely(h: Harness) -> None:
    # Bug: "janeiro 2020" was accepted as a deadline. The harness clock is March 2026.
    joao = h.person("joao", hint="pt")
    await joao.open()
    for text in ("1", "sim", "João", "Recife", "Brasil", "3", "1"):
        await joao.send(text)
    await joao.send("Meu plano de ação")
    await joao.send("Balcão único digital")
    await joao.send("11")
    await joao.send("Secretaria de Inovação")
    await joao.send("Mapear os serviços")
    reply = await joao.send("janeiro 2020")
    assert "Esse mês já passou (janeiro de 2020)" in reply
    assert "Até qual mês" in reply  # the question again
    assert "Como você saberá" in await joao.send("março 2026")  # this month is fine


def test_the_menu_follows_the_sessions() -> None:
    # Bug: "Barriers" (session 6) came before "My action plan" (session 5), which it asks about.
    ids = [flow.id for flow in FlowRegistry.load().menu_flows()]
    assert ids == [
        "principles",
        "subsidiarity",
        "mindsets",
        "learn",
        "mindset_challenges",
        "digital_government",
        "priorities",
        "action_plan",
        "prioritization",
    ]


async def test_an_action_starts_from_the_workshop_and_links_a_barrier(h: Harness) -> None:
    await h.create_cohort()
    ana = h.person()
    await ana.onboard("ODS2026")
    await ana.send("Subsidiariedad y gobernanza nacional-local")
    for _ in range(10):  # all 3s: a tie, the first dimension is the weakest
        await ana.send("3")
    await ana.send("Prioridades de servicios")
    await ana.send("2")
    await ana.send("3, 2, 1")
    await ana.send("Nadie coordina")
    await ana.send("omitir")
    await ana.send("Barreras para la implementación")
    await ana.send("El concejo no aprueba el presupuesto a tiempo")
    await ana.send("no")
    theme = await ana.send("Mi plan de acción")
    assert "¿De qué trata esta acción?" in theme
    assert "1. Descentralización fiscal" in theme  # her weakest dimension
    assert "2. Coordinación\n" in theme  # her session 4 priorities, the first first
    assert "3. Habilidades digitales" in theme
    assert "4. Labs de innovación" in theme
    assert "5. Otro tema" in theme
    assert "¿Cuál es la acción?" in await ana.send("2")
    await ana.send("Mesa de coordinación de trámites")
    await ana.send("16")
    await ana.send("Secretaría General")
    await ana.send("Reunir a las cinco direcciones")
    await ana.send("diciembre 2026")
    await ana.send("Trámites resueltos en una visita")
    await ana.send("Dirección de Obras y Catastro")
    await ana.send("junio 2026")
    await ana.send("Primera reunión hecha")
    barrier = await ana.send("no")
    assert "¿Cuál de las barreras que compartió podría frenar esta acción?" in barrier
    assert "1. El concejo no aprueba el presupuesto a tiempo" in barrier
    assert "2. Ninguna" in barrier
    assert "¿Quiere agregar otra acción?" in await ana.send("1")
    review = await ana.send("no")
    for line in (
        "Tema: Coordinación",
        "Con quiénes: Dirección de Obras y Catastro",
        "Hito: junio de 2026, Primera reunión hecha",
        "Podría frenarla: El concejo no aprueba el presupuesto a tiempo",
    ):
        assert line in review
    await ana.send("Confirmar mi plan")
    await ana.send("no")
    roadmap = await ana.send("/roadmap")
    assert "Tema: Coordinación" in roadmap
    assert "Hito: junio de 2026, Primera reunión hecha" in roadmap


async def test_a_launched_plan_offers_the_starting_points_too(tmp_path: Path) -> None:
    async with harness(tmp_path / "l.db", facilitators=["fac"]) as h:
        await h.create_cohort()
        ana = h.person()
        await ana.onboard("ODS2026")
        await ana.send("Prioridades de servicios")
        await ana.send("omitir")
        await ana.send("1, 2, 3")
        await ana.send("Probar antes de escalar")
        await ana.send("omitir")
        fac = h.person("fac")
        await fac.onboard("ODS2026", name="Facilitadora")
        await fac.send("/launch action_plan ODS2026")
        await h.app.scheduler.run_once()
        await h.app.sender.drain()
        started = "\n".join(m.text for m in h.sender.take("ana"))
        assert "¿De qué trata esta acción?" in started
        ana.last = []
        theme = await ana.send("x")  # not an option: the question again, with its options
        assert "1. Labs de innovación" in theme
        assert "4. Otro tema" in theme
        assert "En pocas palabras" in await ana.send("Otro tema")
