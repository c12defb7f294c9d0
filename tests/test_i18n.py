"""Catalogs: complete in es and pt, up to date with the code and flows, never loaded as Null."""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from bot.conversation.commands import LOCAL_NAMES, local_command
from i18n import SHIPPED_LOCALES, TRANSLATED_LOCALES, negotiate, translator
from i18n.catalog import po_path, translations

ROOT = Path(__file__).resolve().parent.parent


def _catalog(locale: str):
    with po_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[object]:
    """Run `pybabel extract` exactly as a translator would, with the project's mapping."""
    pot = tmp_path_factory.mktemp("pot") / "minga.pot"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from babel.messages.frontend import main; main()",
            "extract",
            "-F",
            "pyproject.toml",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_every_msgid_is_translated(locale: str) -> None:
    missing = [
        m.id
        for m in _catalog(locale)
        if m.id and (m.fuzzy or not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert missing == []


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_catalog_holds_every_string_of_the_code_and_flows(
    locale: str, extracted: set[object]
) -> None:
    ids = {m.id for m in _catalog(locale) if m.id}
    assert any("Soy" in str(_catalog("es").get(i).string) for i in ids if isinstance(i, str))
    absent = sorted(str(m) for m in extracted - ids)
    assert absent == [], "run pybabel extract/update and translate these"


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
def test_shipped_locale_loads_a_real_catalog(locale: str) -> None:
    loaded = translations(locale)
    assert isinstance(loaded, gettext.GNUTranslations)
    if locale in TRANSLATED_LOCALES:
        assert translator(locale).gettext("Yes") != "Yes"


def test_placeholders_survive_translation() -> None:
    import re

    for locale in TRANSLATED_LOCALES:
        for m in _catalog(locale):
            if not m.id:
                continue
            sources = m.id if isinstance(m.id, tuple) else (m.id,)
            targets = m.string if isinstance(m.string, tuple) else (m.string,)
            wanted = set(re.findall(r"\{\w+\}", sources[-1]))
            for target in targets:
                assert set(re.findall(r"\{\w+\}", target)) <= wanted | set(
                    re.findall(r"\{\w+\}", sources[0])
                ), (locale, m.id)
                # A command keeps working under its English name or the reader's own name.
                for command in re.findall(r"/([a-z]+)", sources[-1]):
                    mine = "/" + local_command(command, locale)
                    assert re.search(mine + r"\b", target), (locale, m.id, mine)


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_texts_name_commands_in_the_readers_language(locale: str) -> None:
    """Spanish texts say /idioma, not /language; every name they show is one the bot knows."""
    import re

    pattern = r"(?<![\w/.])/([a-z]+)\b"
    catalog = [m for m in _catalog(locale) if m.id]
    english = {n for m in catalog for s in _texts(m.id) for n in re.findall(pattern, s)}
    mine = {local for name, local in LOCAL_NAMES[locale].items()}
    for m in catalog:
        for target in _texts(m.string):
            for name in re.findall(pattern, target):
                assert name not in LOCAL_NAMES[locale], (locale, m.id, f"/{name}")
                assert name in english | mine, (locale, m.id, f"/{name}")


def _texts(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("es", "es"),
        ("es-MX", "es"),
        ("pt-br", "pt"),
        ("pt_BR", "pt"),
        ("pt", "pt"),
        ("en-US", "en"),
        ("fr", "es"),
        (None, "es"),
        ("", "es"),
        ("zz-ZZ", "es"),
    ],
)
def test_negotiation(hint: str | None, expected: str) -> None:
    assert negotiate(hint) == expected


def test_numbers_and_dates_follow_the_locale() -> None:
    from datetime import date

    assert translator("es").number(1234.5) == "1.234,5"
    assert translator("pt").number(12345.5) == "12.345,5"
    assert translator("en").number(12345.5) == "12,345.5"
    assert translator("es").date(date(2026, 3, 2)) == "2 de marzo de 2026"
    assert translator("pt").month(2026, 3) == "março de 2026"


def test_english_speaks_its_own_msgids() -> None:
    """Regression: a catalog tool once copied Portuguese strings into the English catalog."""
    english = translator("en")
    for m in _catalog("es"):
        if m.id and isinstance(m.id, str):
            assert english.gettext(m.id) == m.id


# Placeholders that are never a number of things: names, codes, a day or month that names a
# round, a range's bounds ("from {low} to {high} items": the upper bound is always above one).
NOT_COUNTS = frozenset(
    {"code", "country", "workshop", "day", "place", "action_target", "low", "high", "item"}
    # A form's names in the XLSForm messages ("{flow} version 2", "{type} yes_no").
    | {"flow", "name", "type"}
)
# "{n} people" counts; "{answered} of {started}" and "{example} or 03/2027" do not.
_COUNTED = re.compile(r"\{(\w+)\}\s+(?=[a-z])(?!of |or )")


def _counts_without_plural(message: Message) -> list[str]:
    """Name the placeholders of a msgid that count things without going through ngettext."""
    if isinstance(message.id, str):
        return [n for n in _COUNTED.findall(message.id) if n not in NOT_COUNTS]
    singular, plural = message.id
    if singular == plural:
        return []  # English says "{n} completed" for one and many; the catalog still has both
    # The count ngettext is keyed on changes the words after it; another one that does not
    # ("{reports} progress reports" in both forms) is a second count with no plural form.
    return [
        name
        for name in _COUNTED.findall(singular)
        if name not in NOT_COUNTS and _after(singular, name) == _after(plural, name)
    ]


def _after(text: str, name: str) -> str:
    return text.split("{" + name + "}", 1)[1].split(",")[0].split(";")[0]


def test_every_count_goes_through_a_plural_form() -> None:
    """ "1 votos", "as 1 ações": a number of things must choose its words by ngettext."""
    with (ROOT / "i18n" / "minga.pot").open("rb") as handle:
        template = read_po(handle)
    found = {str(m.id): names for m in template if m.id and (names := _counts_without_plural(m))}
    assert found == {}, "use ngettext for these counts"


def test_the_plural_check_sees_a_count() -> None:
    assert _counts_without_plural(Message("{n} votes, 3-2-1 points.")) == ["n"]
    assert _counts_without_plural(Message(("{n} vote", "{n} votes"))) == []
    mixed = Message(("{n} check-in, {reports} reports", "{n} check-ins, {reports} reports"))
    assert _counts_without_plural(mixed) == ["reports"]
    assert _counts_without_plural(Message("Mesa {n}")) == []
