"""Text as it enters Minga: one Unicode form, no control characters, nothing a file cannot hold.

Every channel feeds the dispatcher, so this is the one edge all text crosses. A NUL or an ESC
in a name used to be stored and then break the workshop's export; a name typed on one phone as
"é" and on another as "e" + combining accent compared unequal. Newlines stay (addresses,
lists); a tab becomes a space; carriage returns become newlines.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from bot.conversation.inbound import Inbound

# C0 controls but newline, DEL, C1 controls, lone surrogates and the two noncharacters.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Return `text` in NFC without control characters (newlines kept, tabs as spaces)."""
    if text.isascii() and text.isprintable():
        return text  # the common case, at no cost
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return unicodedata.normalize("NFC", _UNWANTED.sub("", text))


def clean_inbound(inbound: Inbound) -> Inbound:
    """Return the message with its text, button data and profile name cleaned."""
    text, choice, name = inbound.text, inbound.choice, inbound.profile_name
    cleaned = (
        clean_text(text) if text is not None else None,
        clean_text(choice) if choice is not None else None,
        clean_text(name) if name is not None else None,
    )
    if cleaned == (text, choice, name):
        return inbound
    return replace(inbound, text=cleaned[0], choice=cleaned[1], profile_name=cleaned[2])
