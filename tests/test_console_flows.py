"""Every shipped flow, end to end through the console channel (`minga chat` fed by a pipe),
in Spanish and in Portuguese."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ONBOARD = {
    "es": ["1", "sí", "Lucía", "Cusco", "Perú", "3", "AULA1"],
    "pt": ["1", "sim", "Lúcia", "Recife", "Brasil", "3", "AULA1"],
}
# An action plan of one action, confirmed (the action plan's case, and the check-in's start).
PLAN = {
    "es": [
        "Mi plan de acción",
        "Ventanilla única",
        "1",
        "Secretaría",
        "Mapear trámites",
        "03/2027",
        "Tiempo de respuesta",
        "omitir",
        "omitir",
        "no",
        "Confirmar mi plan",
        "sí",
    ],
    "pt": [
        "Meu plano de ação",
        "Balcão único",
        "1",
        "Secretaria",
        "Mapear serviços",
        "03/2027",
        "Tempo de resposta",
        "pular",
        "pular",
        "não",
        "Confirmar meu plano",
        "sim",
    ],
}
FLOWS: dict[str, dict[str, tuple[list[str], str]]] = {
    "principles": {
        "es": (
            ["Principios de gobernanza eficaz", *["4"] * 13],
            "Sus resultados: Principios de gobernanza eficaz",
        ),
        "pt": (
            ["Princípios de governança eficaz", *["4"] * 13],
            "Seus resultados: Princípios de governança eficaz",
        ),
    },
    "subsidiarity": {
        "es": (
            ["Subsidiariedad y gobernanza nacional-local", *["3"] * 10],
            "Sus resultados: Subsidiariedad",
        ),
        "pt": (
            ["Subsidiariedade e governança nacional-local", *["3"] * 10],
            "Seus resultados: Subsidiariedade",
        ),
    },
    "digital_government": {
        "es": (["Gobierno digital e innovación", *["5"] * 12], "Sus resultados: Gobierno digital"),
        "pt": (["Governo digital e inovação", *["5"] * 12], "Seus resultados: Governo digital"),
    },
    "mindsets": {
        "es": (
            ["Cambio de mentalidad para los ODS", *["2"] * 12],
            "Sus resultados: Cambio de mentalidad",
        ),
        "pt": (
            ["Mudança de mentalidade para os ODS", *["2"] * 12],
            "Seus resultados: Mudança de mentalidade",
        ),
    },
    "mindset_challenges": {
        "es": (
            [
                "Los tres principales desafíos para cambiar la mentalidad",
                "4",
                "Miedo al error",
                "no",
            ],
            "desafíos de su mesa quedaron registrados",
        ),
        "pt": (
            ["Os três principais desafios para mudar a mentalidade", "4", "Medo do erro", "não"],
            "desafios da sua mesa foram registrados",
        ),
    },
    "action_plan": {
        "es": (
            [
                *PLAN["es"],
                "/roadmap",
            ],
            "Su plan de acción:",
        ),
        "pt": (
            [
                *PLAN["pt"],
                "/roadmap",
            ],
            "Seu plano de ação:",
        ),
    },
    # The scheduler starts check-ins; /progress runs the same flow for one action at any time.
    "checkin": {
        "es": (
            [
                *PLAN["es"],
                "/progress",
                "1",
                "Avance sustancial",
                "Ya hay un piloto en dos barrios",
                "municipio.gob.pe/ventanilla",
            ],
            "Desde el último seguimiento: 1 avanzó.",
        ),
        "pt": (
            [
                *PLAN["pt"],
                "/progress",
                "1",
                "Bloqueada",
                "Falta o acordo da câmara",
            ],
            "Desde o último acompanhamento: 1 bloqueada.",
        ),
    },
    "prioritization": {
        "es": (
            ["Barreras para la implementación", "Falta de presupuesto", "no"],
            "Sus barreras quedaron registradas",
        ),
        "pt": (
            ["Barreiras à implementação", "Falta de orçamento", "não"],
            "Suas barreiras foram registradas",
        ),
    },
    "priorities": {
        "es": (
            ["Prioridades de servicios", "2", "3, 2, 1", "Todo está aislado", "-"],
            "Sus prioridades quedaron registradas",
        ),
        "pt": (
            ["Prioridades de serviços", "pular", "2, 1, 3", "Falta formação", "-"],
            "Suas prioridades foram registradas",
        ),
    },
    "learn": {
        "es": (["¿Qué significa?", "1", "Subsidiariedad"], "mandatos sin recursos"),
        "pt": (["O que significa?", "3", "2"], "sem medo de erros honestos"),
    },
    # Launched by the facilitator (at the start and the end), not picked from the menu.
    "confidence": {
        "es": (["/launch confidence AULA1", *["3"] * 6], "Sus resultados: Mi confianza"),
        "pt": (["/launch confidence AULA1", *["3"] * 6], "Seus resultados: Minha confiança"),
    },
    "evaluation": {
        "es": (
            ["/launch evaluation AULA1", *["4"] * 6, "Un laboratorio", "9"],
            "Su evaluación nos ayuda",
        ),
        "pt": (
            ["/launch evaluation AULA1", *["4"] * 6, "Um laboratório", "9"],
            "A sua avaliação nos ajuda",
        ),
    },
    "language": {
        "es": (["/language", "English"], "I will write to you in English"),
        "pt": (["/language", "English"], "I will write to you in English"),
    },
    "erase": {
        "es": (["/delete", "sí"], "Sus datos fueron borrados"),
        "pt": (["/delete", "sim"], "Seus dados foram apagados"),
    },
}
CASES = [(flow, lang) for flow in FLOWS for lang in ("es", "pt")]
LAUNCHED = {"confidence", "evaluation"}


def _minga(*args: str, stdin: str = "") -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    return result.stdout


def test_every_shipped_flow_is_covered() -> None:
    from flows.registry import FlowRegistry

    assert {f.id for f in FlowRegistry.load()} == {*FLOWS, "onboarding", *LIVE_FLOWS}


@pytest.mark.parametrize(("flow", "lang"), CASES, ids=[f"{f}-{lang}" for f, lang in CASES])
def test_flow_through_the_console(tmp_path: Path, flow: str, lang: str) -> None:
    db = str(tmp_path / "console.db")
    _minga("cohort", "create", "--db", db, "--name", "Aula", "--code", "AULA1")
    answers, expected = FLOWS[flow][lang]
    lines = [*ONBOARD[lang], *answers]
    lead = ["--facilitator"] if flow in LAUNCHED else []
    out = _minga(
        "chat",
        "--db",
        db,
        "--as",
        "lucia",
        "--lang",
        lang,
        *lead,
        stdin="".join(f"{line}\n" for line in lines),
    )
    onboarded = "¡Todo listo, Lucía!" if lang == "es" else "Tudo pronto, Lúcia!"
    assert onboarded in out
    assert expected in out, out[-1500:]


# The live room's flows start from a facilitator's question or from free text, not the menu.
LIVE = {
    "es": {
        "question": "¿Qué le preocupa más?",
        "thanks": "¡Gracias! Su respuesta quedó registrada.",
        "ask": ["/ask", "1", "En una palabra: ¿el mayor reto?", "sí", "presupuesto", "no"],
        "asked": "Listo: la pregunta está abierta.",
        "free": ["¿A qué hora es el almuerzo?", "sí"],
        "sent": "Enviada: su pregunta está en la lista de quienes facilitan.",
    },
    "pt": {
        "question": "O que mais preocupa você?",
        "thanks": "Obrigada! Sua resposta foi registrada.",
        "ask": ["/ask", "1", "Em uma palavra: o maior desafio?", "sim", "orçamento", "não"],
        "asked": "Pronto: a pergunta está aberta.",
        "free": ["Que horas é o almoço?", "sim"],
        "sent": "Enviada: sua pergunta está na lista de quem facilita.",
    },
}
LIVE_FLOWS = {"live_prompt", "ask_room", "send_question"}


def _chat(db: str, lang: str, lines: list[str], *extra: str) -> str:
    stdin = "".join(f"{line}\n" for line in lines)
    return _minga("chat", "--db", db, "--as", "lucia", "--lang", lang, *extra, stdin=stdin)


@pytest.mark.parametrize("lang", ["es", "pt"])
def test_the_live_room_through_the_console(tmp_path: Path, lang: str) -> None:
    db = str(tmp_path / "console.db")
    words = LIVE[lang]
    _minga("cohort", "create", "--db", db, "--name", "Aula", "--code", "AULA1")
    _chat(db, lang, ONBOARD[lang])
    # A question to the room, opened from the command line, reaches her at her next message.
    prompt = _minga(
        "prompt", "create", "AULA1", "--db", db, "--kind", "choice", "--open",
        "--text", f"{lang}:{words['question']}", "--option", "A", "--option", "B",
    ).strip()  # fmt: skip
    answered = _chat(db, lang, ["2"])
    assert words["question"] in answered
    assert words["thanks"] in answered
    summary = json.loads(_minga("prompt", "show", prompt, "--db", db, "--json"))
    assert summary["respondents"] == 1
    assert summary["tallies"][1] == {"label": "B", "count": 1}
    # A facilitator asks the room from the console, and answers it too (she is a member).
    asked = _chat(db, lang, words["ask"], "--facilitator")
    assert words["asked"] in asked
    assert words["thanks"] not in asked or words["ask"][2] in asked
    # Free text outside any activity becomes a question for the facilitators.
    sent = _chat(db, lang, words["free"])
    assert words["sent"] in sent
