"""XLSForm workbooks for tests, built with openpyxl as a person would fill the sheets."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

Rows = Sequence[Sequence[object]]

ES, PT = "label::Español (es)", "label::Português (pt)"

# The documentation's shapes: select_one with a list, select_multiple, integer with a constraint,
# text, note, relevant on an earlier answer, labels in Spanish and Portuguese.
SURVEY: list[tuple[object, ...]] = [
    ("type", "name", ES, PT, "required", "relevant", "constraint", "hint::Español (es)"),
    ("select_one yes_no", "works", "¿Trabaja en un municipio?", "Trabalha em um município?",
     "yes", None, None, None),
    ("integer", "years", "¿Cuántos años lleva en el cargo?", "Há quantos anos está no cargo?",
     "yes", "${works} = 'yes'", ". >= 0 and . <= 60", "Un número de 0 a 60"),
    ("select_multiple topics", "topics", "¿Qué temas le interesan?", "Quais temas interessam?",
     "yes", None, None, None),
    ("text", "why", "¿Por qué eligió ${topics}?", "Por que escolheu ${topics}?", "yes",
     "selected(${topics}, 'water')", None, None),
    ("note", "thanks", "¡Gracias! Hasta pronto.", "Obrigada! Até logo.", None, None, None, None),
]  # fmt: skip
CHOICES: list[tuple[object, ...]] = [
    ("list_name", "name", ES, PT),
    ("yes_no", "yes", "Sí", "Sim"),
    ("yes_no", "no", "No", "Não"),
    ("topics", "water", "Agua potable", "Água potável"),
    ("topics", "health", "Salud", "Saúde"),
    ("topics", "roads", "Caminos", "Estradas"),
]
SETTINGS: list[tuple[object, ...]] = [
    ("form_title::Español (es)", "form_title::Português (pt)", "form_id", "version"),
    ("Encuesta previa al taller", "Pesquisa prévia à oficina", "pre_survey", "2026031501"),
]


def workbook(
    survey: Rows = SURVEY,
    choices: Rows | None = CHOICES,
    settings: Rows | None = SETTINGS,
    **others: Rows,
) -> bytes:
    """Return the bytes of an .xlsx with these sheets (each a list of rows, headers first)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    for row in survey:
        sheet.append(list(row))
    for name, rows in (("choices", choices), ("settings", settings), *others.items()):
        if rows is None:
            continue
        extra = book.create_sheet(name)
        for row in rows:
            extra.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
