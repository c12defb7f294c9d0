"""WhatsApp buttons and list pickers through Twilio content templates, inside the window.

WhatsApp shows real buttons only through content templates: `twilio/quick-reply` (up to 3
buttons, titles up to 20 characters) and `twilio/list-picker` (up to 10 rows, item titles up to
24, descriptions up to 72). The choices change with every question, so the templates are
generic, one per number of options, with every text a variable; `definitions()` prints what to
create in Twilio's Content API (`minga whatsapp templates`). A message that does not fit the
configured templates (too many options, labels too long, several answers at once) goes as the
numbered list, which always works.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from i18n import Translator
from storage import Choice, Outbound

MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_BODY = 1024  # interactive messages carry a shorter body than plain ones


@dataclass(frozen=True, slots=True)
class Interactive:
    """A content template to send and its variables (Twilio's ContentSid/ContentVariables)."""

    content_sid: str
    variables: dict[str, str]

    def variables_json(self) -> str:
        """Return the variables as Twilio wants them: a JSON object keyed "1", "2", …."""
        return json.dumps(self.variables, ensure_ascii=False)


# Where each text goes among a template's variables ("1" is always the body, "2" a list's
# button). The definitions to create and the variables sent both use these, so they agree.
def _button_keys(n: int) -> tuple[str, str]:
    """Return the variables of button n (from 0): its title and its id."""
    return str(2 + 2 * n), str(3 + 2 * n)


def _row_keys(n: int) -> tuple[str, str, str]:
    """Return the variables of list row n (from 0): its title, id and description."""
    return str(3 + 3 * n), str(4 + 3 * n), str(5 + 3 * n)


def parse_counts(value: str | None) -> dict[int, str]:
    """Read "2=HX…,3=HX…" (options → Content SID), as MINGA_WHATSAPP_BUTTON_TEMPLATES gives it."""
    templates: dict[int, str] = {}
    for entry in (value or "").split(","):
        if not entry.strip():
            continue
        count, _, sid = entry.partition("=")
        if not count.strip().isdigit() or not sid.strip():
            raise ValueError(f"expected OPTIONS=ContentSid, got {entry.strip()!r}")
        templates[int(count)] = sid.strip()
    return templates


def interactive(
    message: Outbound,
    tr: Translator,
    buttons: Mapping[int, str],
    lists: Mapping[int, str],
) -> Interactive | None:
    """Pick the content template for a message's choices, or None for the numbered list."""
    choices = message.choices
    if not choices or message.multi or len(message.text) > MAX_BODY:
        return None
    count = len(choices)
    # A button shows the label, or its short label when the label is too long: a button has
    # no description to carry the rest, so a choice with neither fitting goes as a list.
    if count <= MAX_BUTTONS and count in buttons and all(_button(c) for c in choices):
        variables = {"1": message.text}
        for n, choice in enumerate(choices):
            title, key = _button_keys(n)
            variables[title], variables[key] = _button(choice), choice.id
        return Interactive(buttons[count], variables)
    if (
        count <= MAX_ROWS
        and count in lists
        and all(len(c.label) <= MAX_ROW_DESCRIPTION for c in choices)
    ):
        variables = {"1": message.text, "2": tr.gettext("See the options")}
        for n, choice in enumerate(choices):
            title, key, description = _row_keys(n)
            variables[title] = choice.fitted(MAX_ROW_TITLE)
            variables[key] = choice.id
            # The whole label where the title is short or cut; the number otherwise.
            variables[description] = (
                choice.label if len(choice.label) > MAX_ROW_TITLE else f"{n + 1}"
            )
        return Interactive(lists[count], variables)
    return None


def _button(choice: Choice) -> str:
    """Return a choice's button title, or "" when neither its label nor short label fits."""
    if len(choice.label) <= MAX_BUTTON_TITLE:
        return choice.label
    if choice.short and len(choice.short) <= MAX_BUTTON_TITLE:
        return choice.short
    return ""


def _placeholder(key: str) -> str:
    return "{{" + key + "}}"


def definitions(language: str = "es") -> list[dict[str, Any]]:
    """Return the Content API definitions of the generic templates Minga can use."""
    made: list[dict[str, Any]] = []
    for count in range(1, MAX_BUTTONS + 1):
        actions = [
            dict(zip(("title", "id"), map(_placeholder, _button_keys(n)), strict=True))
            for n in range(count)
        ]
        made.append(
            {
                "friendly_name": f"minga_buttons_{count}",
                "language": language,
                "types": {"twilio/quick-reply": {"body": "{{1}}", "actions": actions}},
            }
        )
    for count in range(2, MAX_ROWS + 1):
        items = [
            dict(zip(("item", "id", "description"), map(_placeholder, _row_keys(n)), strict=True))
            for n in range(count)
        ]
        made.append(
            {
                "friendly_name": f"minga_list_{count}",
                "language": language,
                "types": {
                    "twilio/list-picker": {"body": "{{1}}", "button": "{{2}}", "items": items}
                },
            }
        )
    return made
