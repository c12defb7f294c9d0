"""A corpus of broken forms, each refused whole with its sheet, row, column and exact message."""

from __future__ import annotations

import io
import zipfile

import pytest

from flows.errors import FlowErrors
from flows.xlsform import MAX_FORM_BYTES, describe, load_xlsform, where
from i18n import add_form_texts, translator
from tests.xlsforms import CHOICES, SURVEY, workbook

HEAD = SURVEY[0]


def _survey(*rows: tuple[object, ...]) -> list[tuple[object, ...]]:
    return [HEAD, *rows]


def _row(kind: str, name: str, relevant: str | None = None) -> tuple[object, ...]:
    return (kind, name, f"Pregunta {name}", f"Pergunta {name}", "yes", relevant, None, None)


def _padded(size: int) -> bytes:
    """A real spreadsheet made larger than the limit by a stored (uncompressed) member."""
    out = io.BytesIO(workbook())
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/photo.bin", b"\0" * size)
    return out.getvalue()


CASES: dict[str, tuple[bytes, list[str]]] = {
    "unknown type": (
        workbook(_survey(_row("text", "a"), _row("signature", "b"))),
        ["survey, row 3, column type: Minga does not know the type “signature”. Use select_one, "
         "select_multiple, integer, decimal, text, note, date, range, or begin group / end group."],
    ),
    "missing choices list": (
        workbook(_survey(_row("select_one colours", "a"))),
        ["survey, row 2, column type: The list “colours” is not on the choices sheet. Add its "
         "options there with list_name “colours”, or correct the name here."],
    ),
    "duplicate name": (
        workbook(_survey(_row("text", "a"), _row("integer", "a"))),
        ["survey, row 3, column name: The name “a” is already used in row 2. Give each question "
         "its own name."],
    ),
    "relevant names an unknown question": (
        workbook(_survey(_row("text", "a"), _row("text", "b", "${c} = 'x'"))),
        ["survey, row 3, column relevant: “${c}” is not a question above this row. Check the "
         "spelling, or move this row below the question it depends on."],
    ),
    "repeat group": (
        workbook(_survey(_row("begin repeat", "people"), _row("text", "a"),
                         _row("end repeat", "people"))),
        ["survey, row 2, column type: Repeat groups are not supported: in a chat each question "
         "is asked once. Ask the questions once, or make one form for each repeated item.",
         "survey, row 4, column type: Repeat groups are not supported: in a chat each question "
         "is asked once. Ask the questions once, or make one form for each repeated item."],
    ),
    "a choice label missing in every language": (
        workbook(_survey(_row("select_one yes_no", "a")),
                 [*CHOICES[:2], ("yes_no", "no", None, None)]),
        ["choices, row 3, column label: The option “no” of the list “yes_no” has no label in "
         "any language. Write its label in at least one label column."],
    ),
    "a 5 MB file": (
        _padded(MAX_FORM_BYTES),
        ["The file is larger than 5 MB. A questionnaire is usually well under 1 MB: remove "
         "pictures and sheets it does not need, save it as .xlsx and upload it again."],
    ),
    "a file that is not a spreadsheet": (
        b"type,name,label\ntext,a,Hola\n",
        ["This file is not an .xlsx spreadsheet. Save the form from Excel, LibreOffice or "
         "Google Sheets as .xlsx (Excel workbook) and upload it again."],
    ),
    "a geopoint": (
        workbook(_survey(_row("geopoint", "where"))),
        ["survey, row 2, column type: “geopoint” questions need a phone's camera, microphone, "
         "location or files, which Minga cannot ask for in a chat. Remove this row, or ask for "
         "a description with a text question."],
    ),
    "a calculation": (
        workbook(_survey(_row("text", "a"), _row("calculate", "b"))),
        ["survey, row 3, column type: Calculations are not supported. Remove this row; to score "
         "answers, use range questions with minga::dimension."],
    ),
    "a constraint outside the ranges": (
        workbook(_survey(("integer", "n", "N", "N", "yes", None, "regex(., '^[0-9]+$')", None))),
        ["survey, row 2, column constraint: Minga understands a range here, like “. >= 0 and . "
         "<= 120”. Write the constraint that way, or leave the cell empty."],
    ),
    "a group left open": (
        workbook(_survey(_row("begin group", "g"), _row("text", "a"))),
        ["survey, row 2, column type: The group “g” has no end group. Add a row with type end "
         "group after its last question."],
    ),
    "a sheet of more than 2000 rows": (
        workbook(_survey(*[_row("text", f"q{n}") for n in range(2001)])),
        ["survey, row 2002: This sheet has too many rows (the limit is 2000). Split the "
         "questionnaire into shorter forms, or delete the rows it does not use."],
    ),
    "no type column": (
        workbook([("list_name", "name")], None, None),
        ["survey, row 1: The survey sheet needs a column named “type” with each "
         "row's question type."],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_a_broken_form_is_refused_with_its_exact_message(case: str) -> None:
    raw, expected = CASES[case]
    with pytest.raises(FlowErrors) as caught:
        load_xlsform(raw, "form.xlsx")
    assert [str(e).removeprefix("form.xlsx: ") for e in caught.value.errors] == expected


def test_the_refusal_is_said_in_the_readers_language() -> None:
    with pytest.raises(FlowErrors) as caught:
        load_xlsform(CASES["duplicate name"][0], "form.xlsx")
    error = caught.value.errors[0]
    es, pt = translator("es"), translator("pt")
    assert where(error, es) == "survey, fila 3, columna name"
    assert describe(error, es).startswith("El nombre “a” ya se usa en la fila 2.")
    assert where(error, pt) == "survey, linha 3, coluna name"
    assert describe(error, pt).startswith("O nome “a” já é usado na linha 2.")


def test_labels_in_a_language_minga_does_not_ship_still_load() -> None:
    survey = [("type", "name", "label::Kichwa (qu)", "label::Español (es)"),
              ("text", "a", "Imanalla", "¿Cómo está?")]  # fmt: skip
    flow = load_xlsform(workbook(survey, None, None), "form.xlsx")
    add_form_texts(flow.texts)  # what the registry does when it takes the flow
    assert translator("es").gettext(flow.steps["a"].ask or "") == "¿Cómo está?"
    assert translator("pt").gettext(flow.steps["a"].ask or "") == "Imanalla"
