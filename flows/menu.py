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

    def render(self, tr: Translator, paused: Sequence[Run], notice: str | None = None) -> Outbound:
        """Build the menu message, marking flows the participant can continue."""
        flows = self.entries()
        if not flows:
            text = tr.gettext(
                "There is nothing to do right now. Your facilitator will send you the next "
                "activity here."
            )
            return Outbound(f"{notice}\n\n{text}" if notice else text)
        waiting = {run.flow_id for run in paused}
        choices = []
        for flow in flows:
            title = tr.gettext(flow.title)
            if flow.id in waiting:
                title = tr.gettext("{title} (continue)").format(title=title)
            choices.append(Choice(f"{MENU_REF}.{flow.id}", title))
        text = tr.gettext("What would you like to do? Choose an option.")
        return Outbound(f"{notice}\n\n{text}" if notice else text, tuple(choices))

    def pick(self, tr: Translator, text: str | None, choice_id: str | None) -> Flow | None:
        """Return the flow a reply to the menu names, or None."""
        flows = self.entries()
        if choice_id is not None:
            ref, _, flow_id = choice_id.partition(".")
            return next((f for f in flows if ref == MENU_REF and f.id == flow_id), None)
        if not text:
            return None
        wanted = fold(text).strip(" .)")
        if wanted.isdigit():
            number = int(wanted)
            return flows[number - 1] if 1 <= number <= len(flows) else None
        for flow in flows:
            if fold(tr.gettext(flow.title)) == wanted or flow.id == wanted:
                return flow
        return None
