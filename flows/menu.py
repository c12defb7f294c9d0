"""The menu a participant sees between flows: what they can start or continue."""

from __future__ import annotations

from collections.abc import Sequence

from flows.model import Flow
from flows.registry import FlowRegistry
from i18n import Translator, fold
from storage import Choice, Outbound, Run

MENU_REF = "menu"


class Menu:
    """Render the menu and read a choice from it (a tap, a number or a title)."""

    def __init__(self, registry: FlowRegistry) -> None:
        self.registry = registry

    def entries(self) -> list[Flow]:
        """Return the flows on the menu, in menu order."""
        return self.registry.menu_flows()

    def labels(self, tr: Translator, paused: Sequence[Run]) -> list[tuple[Flow, str]]:
        """Return each menu flow with its label as shown, marking flows one can continue."""
        waiting = {run.flow_id for run in paused}
        shown = []
        for flow in self.entries():
            title = tr.gettext(flow.title)
            if flow.id in waiting:
                title = tr.gettext("{title} (continue)").format(title=title)
            shown.append((flow, title))
        return shown

    def render(self, tr: Translator, paused: Sequence[Run], notice: str | None = None) -> Outbound:
        """Build the menu message, marking flows the participant can continue."""
        labels = self.labels(tr, paused)
        if not labels:
            text = tr.gettext(
                "There is nothing to do right now. Your facilitator will send you the next "
                "activity here."
            )
            return Outbound(f"{notice}\n\n{text}" if notice else text)
        waiting = {run.flow_id for run in paused}
        choices = tuple(
            Choice(f"{MENU_REF}.{flow.id}", label, _short(flow, tr, flow.id in waiting))
            for flow, label in labels
        )
        text = tr.gettext("What would you like to do? Choose an option.")
        return Outbound(f"{notice}\n\n{text}" if notice else text, choices)

    def pick(
        self, tr: Translator, text: str | None, choice_id: str | None, paused: Sequence[Run] = ()
    ) -> Flow | None:
        """Return the flow a reply to the menu names (a tap, a number, a title), or None."""
        flows = self.entries()
        if choice_id is not None:
            ref, _, flow_id = choice_id.partition(".")
            return next((f for f in flows if ref == MENU_REF and f.id == flow_id), None)
        if not text:
            return None
        wanted = fold(text).strip(" .)")
        if wanted.isdecimal():
            number = int(wanted)
            return flows[number - 1] if 1 <= number <= len(flows) else None
        for flow, label in self.labels(tr, paused):
            short = tr.gettext(flow.short) if flow.short else ""
            names = (label, tr.gettext(flow.title), short, flow.id)
            if any(fold(name).strip(" .)") == wanted for name in names):
                return flow
        return None


# A short title that still says "continue" when that fits a WhatsApp list row; the row's
# description carries the whole label either way.
_ROW = 24


def _short(flow: Flow, tr: Translator, continuing: bool) -> str | None:
    if not flow.short:
        return None
    short = tr.gettext(flow.short)
    if continuing:
        marked = tr.gettext("{title} (continue)").format(title=short)
        return marked if len(marked) <= _ROW else short
    return short
