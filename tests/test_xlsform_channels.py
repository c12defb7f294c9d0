"""A form written the way the XLSForm documentation shows, end to end on the console and Telegram.

select_one with a choices list, select_multiple, integer with a constraint, text, a note,
`relevant` on an earlier answer, labels in Spanish and Portuguese: stored in the database (by
`minga flows import`, or by another worker), launched with /launch, answered, exported.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.channels.pacing import SendPacer
from bot.config import Settings
from bot.facilitation.export import collect
from bot.web.app import create_app
from bot.web.telegram import SECRET_HEADER
from flows.registry import FlowRegistry
from flows.stored import StoredFlows
from storage import Cohort, open_store
from tests.fakes.telegram_api import buttons, serve_asgi, serve_fake
from tests.support import FakeClock
from tests.xlsforms import workbook

ONBOARD = {
    "es": ["1", "sí", "Lucía", "Cusco", "Perú", "3", "AULA1"],
    "pt": ["1", "sim", "Lúcia", "Recife", "Brasil", "3", "AULA1"],
}
WORDS = {
    "es": {"works": "¿Trabaja en un municipio?", "years": "¿Cuántos años lleva en el cargo?",
           "range": "Por favor, envíe un número del 0 al 60.", "topics": "¿Qué temas le interesan?",
           "why": "¿Por qué eligió Agua potable, Salud?", "thanks": "¡Gracias! Hasta pronto.",
           "yes": "Sí", "no": "No", "hint": "es", "because": "Falta agua en los barrios"},
    "pt": {"works": "Trabalha em um município?", "years": "Há quantos anos está no cargo?",
           "range": "Por favor, envie um número de 0 a 60.", "topics": "Quais temas interessam?",
           "why": "Por que escolheu Água potável, Saúde?", "thanks": "Obrigada! Até logo.",
           "yes": "Sim", "no": "Não", "hint": "pt-br", "because": "Falta água nos bairros"},
}  # fmt: skip


def _minga(*args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin, capture_output=True, text=True, timeout=90, check=True,
    )  # fmt: skip
    return done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["es", "pt"])
def test_an_imported_form_runs_on_the_console(tmp_path: Path, lang: str) -> None:
    db, form = str(tmp_path / "console.db"), tmp_path / "pre.xlsx"
    form.write_bytes(workbook())
    _minga("cohort", "create", "--db", db, "--name", "Aula", "--code", "AULA1")
    stored = _minga("flows", "import", str(form), "--cohort", "AULA1", "--db", db)
    assert "pre_survey versión 1, 4 preguntas" in stored  # MINGA_LOCALE: es by default
    w = WORDS[lang]
    # She answers yes, so the years question (relevant on it) comes; 99 is outside 0-60.
    lines = [*ONBOARD[lang], "/launch pre_survey AULA1", "1", "99", "7", "1, 2", w["because"]]
    out = _minga("chat", "--db", db, "--as", "lucia", "--lang", lang, "--facilitator",
                 stdin="".join(f"{line}\n" for line in lines))  # fmt: skip
    for text in ("works", "years", "range", "topics", "why", "thanks"):
        assert w[text] in out, (text, out[-1500:])
    # Her colleague answers no: the years question is skipped.
    lines = [*ONBOARD[lang], "/launch pre_survey AULA1", "2", "3", w["because"]]
    out = _minga("chat", "--db", db, "--as", "mario", "--lang", lang, "--facilitator",
                 stdin="".join(f"{line}\n" for line in lines))  # fmt: skip
    assert w["works"] in out
    assert w["topics"] in out
    assert w["thanks"] in out
    assert w["years"] not in out


def _fast() -> SendPacer:
    return SendPacer(per_second=1000, per_address=1000, burst=10)


@pytest.mark.parametrize("lang", ["es", "pt"])
async def test_a_form_stored_by_another_worker_runs_on_telegram(
    database_url: str, lang: str
) -> None:
    clock, chat, w = FakeClock(), 555, WORDS[lang]
    async with serve_fake() as (fake, api):
        settings = Settings(telegram_token="1:a", telegram_api_url=api,
                            telegram_webhook_secret=SECRET, burst_messages=0,
                            facilitators=f"telegram:{chat}")  # fmt: skip
        web = create_app(settings, database_url, clock=clock, pacer=_fast())
        async with (
            serve_asgi(web, lifespan="on") as url,
            httpx.AsyncClient(base_url=url, timeout=10) as http,
        ):
            app = web.state.app
            cohort = Cohort(uuid.uuid4().hex, "AULA1", "Aula", lang, clock.now())
            await app.store.create_cohort(cohort)
            # Another worker (its own store and registry) stores the form after this one started.
            other = await open_store(database_url, clock.now)
            try:
                flow = await StoredFlows(other, FlowRegistry.load()).add(
                    workbook(), "pre.xlsx", cohort.id, clock.now()
                )
            finally:
                await other.close()
            assert "pre_survey" not in app.registry

            async def exchange(push: Callable[[], Any]) -> dict[str, Any]:
                seen = len(fake.to(chat))
                push()
                update = fake.take_update()
                answer = await http.post("/telegram/webhook", json=update,
                                         headers={SECRET_HEADER: SECRET})  # fmt: skip
                assert answer.status_code == 200
                await fake.webhook_answered(answer.json())
                return await fake.reply(chat, seen)

            def say(text: str) -> Callable[[], Any]:
                return lambda: fake.says(chat, text, w["hint"])

            def tap(message: dict[str, Any], label: str) -> Callable[[], Any]:
                return lambda: fake.taps(chat, buttons(message)[label], w["hint"])

            message = await exchange(say("/start AULA1"))
            message = await exchange(tap(message, "Español" if lang == "es" else "Português"))
            await exchange(tap(message, w["yes"]))
            await exchange(say("Ana"))
            await exchange(say("Cusco"))
            message = await exchange(say("Perú"))
            await exchange(tap(message, "Otro" if lang == "es" else "Outro"))
            seen = len(fake.to(chat))
            await exchange(say("/launch pre_survey AULA1"))
            message = await fake.reply(chat, seen + 1)  # the start the scheduler sends
            assert w["works"] in message["text"]
            message = await exchange(tap(message, w["yes"]))
            assert w["years"] in message["text"]
            message = await exchange(say("12"))
            assert w["topics"] in message["text"]
            message = await exchange(say("1, 2"))
            assert w["why"] in message["text"]
            message = await exchange(say(w["because"]))
            assert w["thanks"] in message["text"]
            sheets = {s.name: s for s in await collect(app.store, app.registry, cohort)}
            answered = [r for r in sheets["answers"].rows if r[1] == flow.id]
            assert [r[3] for r in answered] == ["works", "years", "topics", "why"]
            assert answered[2][6] == ["water", "health"]


SECRET = "s3cr3t"
