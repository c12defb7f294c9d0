"""Whole conversations through the dispatcher, the SQLite store and the outbox sender."""

from __future__ import annotations

import pytest

from flows.labels import answer_label, channel_label, question_label
from flows.registry import FlowRegistry
from i18n import translator
from storage import Answer, Changes, ParticipantKey
from tests.support import CHANNEL, Harness


async def _participant(h: Harness, address: str = "ana"):
    return await h.app.store.participant(ParticipantKey(CHANNEL, address))


async def test_onboarding_in_spanish_joins_the_cohort(h: Harness) -> None:
    cohort = await h.create_cohort()
    ana = h.person()
    first = await ana.open()
    assert "Soy Minga" in first
    assert "1. Español" in first
    assert "Privacidad" in await ana.send("1")
    assert "¿Cómo se llama?" in await ana.send("Si")
    assert "Mucho gusto, Ana" in await ana.send("Ana")
    assert "país" in await ana.send("Cuenca")
    assert "cargo" in await ana.send("méxico")
    assert "código de taller" in await ana.send("Personal técnico o profesional")
    done = await ana.send("ods2026")
    assert "Todo listo, Ana" in done
    p = await _participant(h)
    assert p is not None
    assert (p.name, p.municipality, p.country, p.role, p.locale) == (
        "Ana",
        "Cuenca",
        "MX",
        "technical",
        "es",
    )
    assert p.onboarded
    assert p.consent
    memberships = await h.app.store.memberships(p.id)
    assert [m.cohort_id for m in memberships] == [cohort.id]


async def test_portuguese_hint_offers_portuguese_first(h: Harness) -> None:
    joao = h.person("joao", hint="pt-BR")
    first = await joao.open()
    assert "Eu sou a Minga" in first
    assert "1. Português" in first
    assert "Privacidade" in await joao.send("1")
    assert "Qual é o seu nome?" in await joao.send("sim")


async def test_declining_consent_keeps_only_the_refusal(h: Harness) -> None:
    ana = h.person()
    await ana.open()
    await ana.send("1")
    reply = await ana.send("no")
    assert "No guardé nada más que su decisión" in reply
    p = await _participant(h)
    assert p is not None
    assert p.consent is False
    assert p.name is None
    assert await h.app.store.answers(p.id) == []
    assert await h.app.store.runs(p.id) == []
    assert "decidió no participar" in await ana.send("hola")
    assert "Soy Minga" in await ana.send("/start")


async def test_invalid_answers_reprompt_and_record_nothing(h: Harness) -> None:
    ana = h.person()
    await ana.open()
    await ana.send("1")
    reply = await ana.send("quizás")
    assert "responda sí o no" in reply
    assert "Privacidad" in reply  # the question comes again
    await ana.send("sí")
    reply = await ana.send("😀🎉")
    assert "responda con palabras" in reply
    reply = await ana.send("x" * 5000)
    assert "menos de 80 caracteres" in reply
    p = await _participant(h)
    assert p is not None
    steps = [a.step_id for a in await h.app.store.answers(p.id)]
    assert steps == ["language", "consent"]


async def test_media_gets_a_polite_reprompt(h: Harness) -> None:
    ana = h.person()
    await ana.open()
    reply = await ana.send(kind="media")
    assert "Solo puedo leer texto" in reply
    assert "¿En qué idioma" in reply


async def test_redelivered_message_is_handled_once(h: Harness) -> None:
    ana = h.person()
    await ana.open()
    assert "Privacidad" in await ana.send("1", external_id="upd-1")
    assert await ana.send("1", external_id="upd-1") == ""
    p = await _participant(h)
    assert p is not None
    assert len(await h.app.store.answers(p.id)) == 1


async def test_buttons_and_stale_buttons(h: Harness) -> None:
    ana = h.person()
    await ana.open()
    old_button = ana.choice_id("Español")
    assert "Privacidad" in await ana.send(choice=old_button)
    assert "¿Cómo se llama?" in await ana.send(choice=ana.choice_id("Sí"))
    reply = await ana.send(choice=old_button)  # two questions ago
    assert "Ese botón es de una pregunta anterior" in reply
    assert "¿Cómo se llama?" in reply


async def test_back_returns_to_the_previous_question(h: Harness) -> None:
    ana = h.person()
    await ana.open()
    await ana.send("1")
    await ana.send("sí")
    await ana.send("Ana")
    assert "¿Cómo se llama?" in await ana.send("atrás")
    assert "Mucho gusto, Anita" in await ana.send("Anita")
    p = await _participant(h)
    assert p is not None
    assert p.name == "Anita"


async def test_country_list_pages_and_accepts_names(h: Harness) -> None:
    ana = h.person()
    await ana.open()
    for text in ("1", "sí", "Ana", "Cuenca"):
        await ana.send(text)
    second = await ana.send("11")  # "More options" is the eleventh entry
    assert "1. Cuba" in second
    assert "cargo" in await ana.send("1")  # numbers refer to the page shown
    p = await _participant(h)
    assert p is not None
    assert p.country == "CU"


async def test_stop_and_start_again(h: Harness) -> None:
    ana = h.person()
    await ana.onboard()
    assert "ya no recibirá" in await ana.send("/stop")
    p = await _participant(h)
    assert p is not None
    assert p.opted_out
    assert "Volverá a recibir" in await ana.send("/start")
    p = await _participant(h)
    assert p is not None
    assert not p.opted_out


async def test_start_with_code_joins_after_onboarding(h: Harness) -> None:
    cohort = await h.create_cohort("MUNI7", "Gobierno abierto")
    ana = h.person()
    await ana.onboard()
    reply = await ana.send("/start muni7")
    assert "Se unió al taller “Gobierno abierto”" in reply
    p = await _participant(h)
    assert p is not None
    assert [m.cohort_id for m in await h.app.store.memberships(p.id)] == [cohort.id]


async def test_start_with_code_before_onboarding_skips_the_code_question(h: Harness) -> None:
    cohort = await h.create_cohort("MUNI7", "Gobierno abierto")
    ana = h.person()
    await ana.send("/start MUNI7")
    for text in ("1", "sí", "Ana", "Cuenca", "Perú"):
        await ana.send(text)
    done = await ana.send("1")
    assert "Todo listo" in done
    p = await _participant(h)
    assert p is not None
    assert [m.cohort_id for m in await h.app.store.memberships(p.id)] == [cohort.id]


async def test_unknown_code_is_reprompted(h: Harness) -> None:
    ana = h.person()
    await ana.open()
    for text in ("1", "sí", "Ana", "Cuenca", "Chile", "1"):
        await ana.send(text)
    reply = await ana.send("NOPE99")
    assert "No encontré ningún taller con el código NOPE99" in reply
    assert "Todo listo" in await ana.send("No tengo código")


async def test_language_command_switches_and_resumes(h: Harness) -> None:
    ana = h.person()
    await ana.open()
    await ana.send("1")
    reply = await ana.send("/language")
    assert "¿En qué idioma prefiere conversar?" in reply
    reply = await ana.send("Português")
    assert "vou escrever para você em português" in reply
    assert "Privacidade" in reply  # and the interrupted question again, in Portuguese


async def test_menu_and_resume_keep_the_run(h: Harness) -> None:
    ana = h.person()
    await ana.open()
    await ana.send("1")
    assert "Primero terminemos" in await ana.send("/menu")
    await ana.onboard()
    assert "¿Qué le gustaría hacer?" in await ana.send("/menu")
    assert "Por ahora no hay nada pendiente" in await ana.send("/resume")


async def test_unknown_command_explains_the_commands(h: Harness) -> None:
    ana = h.person()
    await ana.open()
    reply = await ana.send("/hack")
    assert "No conozco el comando /hack" in reply
    assert "/misdatos" in reply
    assert "¿En qué idioma" in reply


async def test_mydata_lists_what_is_stored(h: Harness) -> None:
    await h.create_cohort()
    ana = h.person()
    await ana.onboard("ODS2026")
    report = await ana.send("/mydata")
    for expected in (
        "Nombre: Ana",
        "Municipio: Cuenca",
        "País: Ecuador",
        "Cargo: Personal técnico o profesional",
        "Talleres: Taller ODS",
        "7 respuestas",
    ):
        assert expected in report


async def test_mydata_names_questions_and_answers_not_codes(h: Harness) -> None:
    """Issue 18: /misdatos showed "onboarding/language: 1" and "Canal: console"."""
    await h.create_cohort()
    ana = h.person()
    await ana.onboard("ODS2026")
    report = await ana.send("/misdatos")
    assert "onboarding/" not in report
    assert "Primeros pasos:" in report  # the activity, by its title
    assert "• ¿En qué idioma prefiere conversar? Español" in report  # she typed "1"
    assert "• ¿Cuál es su cargo? Personal técnico o profesional" in report
    assert "• ¿En qué municipio o gobierno local trabaja? Cuenca" in report
    assert "Idioma: Español" in report


def test_answers_and_channels_read_as_labels() -> None:
    registry = FlowRegistry.load()
    es, pt = translator("es"), translator("pt")
    assert answer_label(registry, "checkin", "status", "completed", es) == "Completada"
    assert (
        answer_label(registry, "action_plan", "sdg", "2", pt)
        == "ODS 2: Fome zero e agricultura sustentável"
    )
    assert answer_label(registry, "principles", "p_competence", 4, es) == "De acuerdo"
    assert answer_label(registry, "onboarding", "consent", True, pt) == "Sim"
    assert answer_label(registry, "onboarding", "name", "Ana", es) == ""  # written, not chosen
    assert channel_label("console", es) == "Consola"
    assert channel_label("whatsapp", pt) == "WhatsApp"
    assert question_label(registry, "onboarding", "municipality", es) == (
        "¿En qué municipio o gobierno local trabaja?"
    )
    assert question_label(registry, "gone", "step", es) == "step"


async def test_mydata_on_a_channel_without_files_has_every_answer(h: Harness) -> None:
    ana = h.person()
    await ana.onboard()
    p = await h.app.store.participant(ParticipantKey(CHANNEL, "ana"))
    assert p is not None
    run = (await h.app.store.runs(p.id))[0]
    now = h.clock.now()
    many = [Answer(run.id, p.id, "principles", f"item{n}", f"r{n}", n, now) for n in range(45)]
    async with h.app.store.conversation(p.key, None) as session:
        await session.commit(Changes(answers=many))
    report = await ana.send("/mydata")
    assert "52 respuestas" in report
    assert "• item0: r0" in report  # the oldest too, not only the latest 40
    assert "• item44: r44" in report


async def test_delete_erases_everything_after_confirmation(h: Harness) -> None:
    await h.create_cohort()
    ana = h.person()
    await ana.onboard("ODS2026")
    p = await _participant(h)
    assert p is not None
    assert "¿Borrar todo?" in await ana.send("/delete")
    assert "No se borró nada" in await ana.send("no")
    assert await _participant(h) is not None
    await ana.send("/delete")
    assert "Sus datos fueron borrados" in await ana.send("sí")
    assert await _participant(h) is None
    assert await h.app.store.answers(p.id) == []
    assert await h.app.store.runs(p.id) == []
    assert await h.app.store.memberships(p.id) == []
    counts = await h.app.store.outbox_counts()
    assert counts.get("pending", 0) == 0
    # Nothing addressed to her is left in the outbox either.
    assert "Soy Minga" in await ana.send("hola")


async def test_two_people_do_not_share_state(h: Harness) -> None:
    ana, ben = h.person("ana"), h.person("ben")
    await ana.open()
    await ben.open()
    await ana.send("1")
    assert "¿En qué idioma" in await ben.send("hola")
    assert "¿Cómo se llama?" in await ana.send("sí")


async def test_a_second_tap_on_the_answered_question_does_nothing(h: Harness) -> None:
    ana = h.person()
    await ana.open()
    button = ana.choice_id("Español")
    assert "Privacidad" in await ana.send(choice=button)
    assert await ana.send(choice=button) == ""  # a double tap: already counted, no reply
    p = await _participant(h)
    assert p is not None
    assert len(await h.app.store.answers(p.id)) == 1


@pytest.mark.parametrize("words", ["UNIRME MUNI7", "join muni7", "Entrar MUNI7"])
async def test_the_posters_join_text_works_like_start_with_the_code(h: Harness, words: str) -> None:
    cohort = await h.create_cohort("MUNI7", "Gobierno abierto")
    ana = h.person()
    await ana.onboard()
    assert "Se unió al taller “Gobierno abierto”" in await ana.send(words)
    p = await _participant(h)
    assert p is not None
    assert [m.cohort_id for m in await h.app.store.memberships(p.id)] == [cohort.id]
