"""WhatsApp buttons and list pickers (content templates) inside the 24-hour window."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.channels.whatsapp_interactive import (
    MAX_ROW_TITLE,
    definitions,
    interactive,
    parse_counts,
)
from i18n import translator
from storage import Choice, Outbound
from tests.test_whatsapp import ANA, WhatsApp, serve_whatsapp

BUTTONS = {2: "HXbuttons2", 3: "HXbuttons3"}
LISTS = {n: f"HXlist{n}" for n in range(2, 11)}


def _counts(templates: dict[int, str]) -> str:
    return ",".join(f"{n}={sid}" for n, sid in templates.items())


@pytest.fixture
async def wa(database_url: str) -> AsyncIterator[WhatsApp]:
    async with serve_whatsapp(
        database_url,
        whatsapp_button_templates=_counts(BUTTONS),
        whatsapp_list_templates=_counts(LISTS),
    ) as whatsapp:
        yield whatsapp


async def _next(wa: WhatsApp, **form: str) -> dict[str, Any]:
    """Send what a person does (a text, a tap) and return Minga's next message to them."""
    seen = len(wa.fake.to(ANA))
    await wa.says(ANA, form.pop("Body", ""), **form)
    return await wa.fake.message_for(ANA, seen)


def _options(sent: dict[str, Any]) -> dict[str, str]:
    """Return the title → id of the buttons or list rows of a content-template message."""
    variables = json.loads(sent["ContentVariables"])
    if sent["ContentSid"].startswith("HXbuttons"):
        keys = sorted(int(k) for k in variables if int(k) >= 2 and int(k) % 2 == 0)
        return {variables[str(k)]: variables[str(k + 1)] for k in keys}
    keys = sorted(int(k) for k in variables if int(k) >= 3 and int(k) % 3 == 0)
    return {variables[str(k)]: variables[str(k + 1)] for k in keys}


async def test_choices_go_as_buttons_and_a_tap_answers(wa: WhatsApp) -> None:
    language = await _next(wa, Body="Hola")
    assert language["ContentSid"] == "HXbuttons3"
    assert "Body" not in language
    assert "Soy Minga" in json.loads(language["ContentVariables"])["1"]
    buttons = _options(language)
    assert list(buttons) == ["Español", "Português", "English"]
    consent = await _next(wa, ButtonPayload=buttons["Español"], ButtonText="Español")
    assert consent["ContentSid"] == "HXbuttons2"
    yes = _options(consent)["Sí"]
    assert "¿Cómo se llama?" in (await _next(wa, ButtonPayload=yes, ButtonText="Sí"))["Body"]
    assert await wa.query("SELECT locale, consent FROM participants") == [("es", 1)]


async def test_a_stale_button_is_recognised_and_the_question_repeated(wa: WhatsApp) -> None:
    buttons = _options(await _next(wa, Body="Hola"))
    consent = await _next(wa, ButtonPayload=buttons["Español"], ButtonText="Español")
    # A second tap on the question just answered counts once and says nothing more.
    seen = len(wa.fake.to(ANA))
    await wa.says(ANA, "", ButtonPayload=buttons["Español"], ButtonText="Español")
    await asyncio.sleep(0.3)
    assert len(wa.fake.to(ANA)) == seen
    await _next(wa, ButtonPayload=_options(consent)["Sí"], ButtonText="Sí")
    # A tap on a question two back: said so, the current question again, nothing changed.
    again = await _next(wa, ButtonPayload=buttons["English"], ButtonText="English")
    assert "Ese botón es de una pregunta anterior" in again["Body"]
    assert "¿Cómo se llama?" in again["Body"]
    assert await wa.query("SELECT locale FROM participants") == [("es",)]


async def test_typing_the_number_still_answers(wa: WhatsApp) -> None:
    await _next(wa, Body="Hola")
    consent = await _next(wa, Body="1")  # Español, typed
    assert consent["ContentSid"] == "HXbuttons2"


def _message(labels: list[str], **extra: Any) -> Outbound:
    return Outbound(
        "¿Cuál?", tuple(Choice(f"r1.{n}", lab) for n, lab in enumerate(labels)), **extra
    )


def test_a_list_picker_for_four_to_ten_options_with_long_labels_in_the_description() -> None:
    tr = translator("es")
    long = "Gobierno digital y servicios en línea"
    picked = interactive(_message(["Uno", "Dos", "Tres", long]), tr, BUTTONS, LISTS)
    assert picked is not None
    assert picked.content_sid == "HXlist4"
    variables = picked.variables
    assert variables["1"] == "¿Cuál?"
    assert variables["2"] == "Ver las opciones"
    assert [variables["3"], variables["4"], variables["5"]] == ["Uno", "r1.0", "1"]
    title = variables[str(3 + 3 * 3)]
    assert len(title) <= MAX_ROW_TITLE
    assert title.endswith("…")
    assert variables[str(5 + 3 * 3)] == long


@pytest.mark.parametrize(
    ("labels", "extra", "why"),
    [
        ([f"Opción {n}" for n in range(11)], {}, "more than ten options"),
        (["Sí", "x" * 73], {}, "a label longer than a row's description"),
        (["Uno", "Dos"], {"multi": True}, "several answers at once"),
        (["Uno", "Dos"], {"text": "y" * 1025}, "a body longer than 1,024"),
    ],
)
def test_what_does_not_fit_goes_as_the_numbered_list(
    labels: list[str], extra: dict[str, Any], why: str
) -> None:
    message = _message(labels)
    if "text" in extra:
        message = Outbound(extra["text"], message.choices)
    elif extra:
        message = _message(labels, **extra)
    assert interactive(message, translator("es"), BUTTONS, LISTS) is None, why


def test_without_templates_configured_nothing_changes() -> None:
    assert interactive(_message(["Sí", "No"]), translator("pt"), {}, {}) is None
    # Two options with a long label skip the buttons for the two-row list.
    picked = interactive(
        _message(["Sí", "Una respuesta de más de veinte"]), translator("es"), BUTTONS, LISTS
    )
    assert picked is not None
    assert picked.content_sid == "HXlist2"


def test_template_settings_and_definitions() -> None:
    assert parse_counts("2=HXa, 3=HXb") == {2: "HXa", 3: "HXb"}
    assert parse_counts(None) == {}
    with pytest.raises(ValueError, match="OPTIONS=ContentSid"):
        parse_counts("dos=HXa")
    made = {d["friendly_name"]: d["types"] for d in definitions()}
    assert made["minga_buttons_2"]["twilio/quick-reply"]["actions"][1] == {
        "title": "{{4}}",
        "id": "{{5}}",
    }
    assert len(made["minga_list_10"]["twilio/list-picker"]["items"]) == 10


def test_minga_whatsapp_templates_prints_what_to_create() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "whatsapp", "templates", "--language", "pt"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    made = json.loads(done.stdout)
    assert [d["friendly_name"] for d in made][:3] == [
        "minga_buttons_1",
        "minga_buttons_2",
        "minga_buttons_3",
    ]
    assert {d["language"] for d in made} == {"pt"}
