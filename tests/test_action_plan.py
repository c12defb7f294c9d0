"""The action plan: a loop of actions, a paged SDG list, review and edit, records, /roadmap."""

from __future__ import annotations

from storage import ParticipantKey
from tests.support import CHANNEL, Harness, Person


async def _add_action(person: Person, title: str, sdg: str) -> str:
    assert "¿A qué Objetivo de Desarrollo Sostenible" in await person.send(title)
    await person.send(sdg)
    await person.send("Secretaría de Innovación")
    await person.send("Mapear los 10 trámites más usados")
    await person.send("marzo 2027")
    return await person.send("Tiempo medio de respuesta")


async def test_build_review_edit_and_confirm_a_plan_in_spanish(h: Harness) -> None:
    ana = h.person()
    await ana.onboard()
    first = await ana.send("Mi plan de acción")
    assert "hoja de ruta" in first
    assert "¿Cuál es la acción?" in first
    reply = await ana.send("Ventanilla única digital")
    # The SDG list is paged, with 11 and 16 first.
    assert "1. ODS 11: Ciudades y comunidades sostenibles" in reply
    assert "2. ODS 16: Paz, justicia e instituciones sólidas" in reply
    assert "7. Más opciones ▸" in reply
    second_page = await ana.send("7")
    assert "ODS 5: Igualdad de género" in second_page
    await ana.send("ods 16")  # typed by its name, from any page
    await ana.send("Secretaría de Innovación")
    await ana.send("Mapear los 10 trámites más usados")
    assert "¿Cómo sabrá que funcionó?" in await ana.send("03/2027")
    assert "¿Quiere agregar otra acción?" in await ana.send("Tiempo medio de respuesta")
    await ana.send("sí")
    assert "¿Quiere agregar otra acción?" in await _add_action(
        ana, "Laboratorio de innovación", "1"
    )
    review = await ana.send("no")
    assert "Este es su plan:" in review
    assert "1. Ventanilla única digital" in review
    assert "ODS 16: Paz, justicia e instituciones sólidas" in review
    assert "Plazo: marzo de 2027" in review
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
    assert "1. ODS 11: Cidades e comunidades sustentáveis" in reply
    await joao.send("1")
    await joao.send("Secretaria de Inovação")
    await joao.send("Mapear os serviços")
    await joao.send("junho de 2027")
    await joao.send("Tempo de resposta")
    review = await joao.send("não")
    assert "Este é o seu plano:" in review
    assert "Prazo: junho de 2027" in review
    assert "posso contar para o resto da sua oficina" in await joao.send("1")
    assert "Seu plano foi salvo" in await joao.send("não")
    assert "Seu plano de ação:" in await joao.send("/roadmap")
