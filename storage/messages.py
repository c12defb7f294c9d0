"""The channel-neutral message a reply or broadcast becomes in the outbox.

It lives in `storage` because the outbox holds it: flows produce it, channels render it, and
neither needs to know about the other.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Choice:
    """One option offered with a message: an opaque id the channel sends back, and its label.

    `short` is what a channel shows where the label does not fit (a WhatsApp button or list row,
    a Telegram button); the whole label then goes where there is room, like a row's description.
    """

    id: str
    label: str
    short: str | None = None

    def fitted(self, limit: int) -> str:
        """Return the label if it fits `limit` characters, else the short label (or a cut one)."""
        if len(self.label) <= limit:
            return self.label
        if self.short and len(self.short) <= limit:
            return self.short
        return self.label[: limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class Outbound:
    """Text with optional choices, image or document, rendered by each channel its own way."""

    text: str
    choices: tuple[Choice, ...] = ()
    multi: bool = False
    image_png: bytes | None = None
    # A chart to draw when the message is sent (its kind and data, JSON): the outbox keeps the
    # recipe, and the results text ahead of it does not wait for the drawing.
    chart: dict[str, Any] | None = None
    document: bytes | None = None
    document_name: str | None = None
    template: str | None = None
    template_variables: dict[str, str] = field(default_factory=dict)
    scale: bool = False
    # Why Minga sends this unasked ("broadcast", "checkin", "flow", "reminder"); None for a
    # reply. WhatsApp sends such a message as its purpose's template outside the 24-hour window.
    purpose: str | None = None
    window_closed: bool = False  # the platform said the window is closed: use the template
    locale: str | None = None  # the reader's language, for what a channel adds (e.g. hints)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict; bytes go as base64 so any backend can store the row as text."""
        data: dict[str, Any] = {"text": self.text}
        if self.choices:
            data["choices"] = [
                [c.id, c.label, *([c.short] if c.short else [])] for c in self.choices
            ]
        if self.multi:
            data["multi"] = True
        if self.scale:
            data["scale"] = True
        if self.image_png is not None:
            data["image_png"] = base64.b64encode(self.image_png).decode("ascii")
        if self.chart is not None:
            data["chart"] = self.chart
        if self.document is not None:
            data["document"] = base64.b64encode(self.document).decode("ascii")
            data["document_name"] = self.document_name
        if self.template is not None:
            data["template"] = self.template
            data["template_variables"] = self.template_variables
        if self.purpose is not None:
            data["purpose"] = self.purpose
        if self.window_closed:
            data["window_closed"] = True
        if self.locale is not None:
            data["locale"] = self.locale
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outbound:
        """Rebuild a message stored by `to_json`."""
        image = data.get("image_png")
        document = data.get("document")
        return cls(
            text=data["text"],
            choices=tuple(Choice(*choice) for choice in data.get("choices", ())),
            multi=bool(data.get("multi", False)),
            scale=bool(data.get("scale", False)),
            image_png=base64.b64decode(image) if image else None,
            chart=data.get("chart"),
            document=base64.b64decode(document) if document else None,
            document_name=data.get("document_name"),
            template=data.get("template"),
            template_variables=dict(data.get("template_variables", {})),
            purpose=data.get("purpose"),
            window_closed=bool(data.get("window_closed", False)),
            locale=data.get("locale"),
        )
