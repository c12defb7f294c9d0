"""Recognize global commands: `/start CODE`, `/menu`, and a few plain words people type."""

from __future__ import annotations

from dataclasses import dataclass

from i18n import fold

# Plain words that act as commands, in the languages we ship (WhatsApp has no slash menu).
KEYWORDS = {
    "menu": "menu",
    "ayuda": "help",
    "ajuda": "help",
    "help": "help",
    "stop": "stop",
    "baja": "stop",
    "parar": "stop",
    "idioma": "language",
    "language": "language",
}
# "JOIN CODE": what the WhatsApp link on the join poster prefills (no deep links there).
JOIN_WORDS = frozenset({"join", "unirme", "entrar", "participar"})
# Each language's own name for a participant command (English names work everywhere). Texts in
# the catalogs use these names, and `minga telegram set-commands` registers them per language;
# /start and /menu keep one name, since Telegram's Start button and deep links send /start.
LOCAL_NAMES: dict[str, dict[str, str]] = {
    "es": {
        "resume": "seguir",
        "roadmap": "hojaderuta",
        "progress": "avance",
        "language": "idioma",
        "mydata": "misdatos",
        "delete": "borrar",
        "stop": "baja",
        "help": "ayuda",
        "table": "mesa",
    },
    "pt": {
        "resume": "continuar",
        "roadmap": "roteiro",
        "progress": "andamento",
        "language": "idioma",
        "mydata": "meusdados",
        "delete": "apagar",
        "stop": "parar",
        "help": "ajuda",
        "table": "mesa",
    },
}
# Older or extra spellings still understood.
_EXTRA_ALIASES = {"plan": "roadmap"}
ALIASES = {
    **_EXTRA_ALIASES,
    **{local: name for names in LOCAL_NAMES.values() for name, local in names.items()},
}


def local_command(name: str, locale: str) -> str:
    """Return the name a reader of `locale` types for the command `name` (English otherwise)."""
    return LOCAL_NAMES.get(locale.split("_")[0], {}).get(name, name)


@dataclass(frozen=True, slots=True)
class Command:
    """A command name (always the English one) and whatever followed it."""

    name: str
    argument: str = ""


def parse_command(text: str | None) -> Command | None:
    """Return the command a message is, or None when it is an ordinary answer."""
    if not text:
        return None
    stripped = text.strip()
    if stripped.startswith("/") and len(stripped) > 1:
        head, _, rest = stripped[1:].partition(" ")
        name = fold(head.split("@", 1)[0])
        return Command(ALIASES.get(name, name), rest.strip())
    head, _, rest = stripped.partition(" ")
    if fold(head) in JOIN_WORDS and rest.strip() and len(rest.split()) == 1:
        return Command("start", rest.strip())
    word = fold(stripped).strip(" .!¡")
    if word in KEYWORDS:
        return Command(KEYWORDS[word])
    return None
