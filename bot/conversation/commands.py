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
ALIASES = {
    "ayuda": "help",
    "ajuda": "help",
    "idioma": "language",
    "borrar": "delete",
    "apagar": "delete",
    "plan": "roadmap",
    "hojaderuta": "roadmap",
    "roteiro": "roadmap",
    "misdatos": "mydata",
    "meusdados": "mydata",
    "seguir": "resume",
    "continuar": "resume",
    "mesa": "table",
}


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
