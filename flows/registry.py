"""Every loaded flow, compiled once, found by id (and by version for runs already under way)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

from flows.errors import FlowError, FlowErrors
from flows.loader import load_flow_file
from flows.machine import CompiledFlow
from flows.model import FLOW_KINDS, Flow
from i18n import add_form_texts

NO_SESSION = 99  # a flow of one's own, not tied to a session of the workshop: after the others


def library_path() -> Path:
    """Return the folder of the flows shipped with Minga."""
    return Path(str(resources.files("flows") / "library"))


class FlowRegistry:
    """The compiled flows of one process."""

    def __init__(self, flows: Iterable[Flow]) -> None:
        self._versions: dict[tuple[str, int], CompiledFlow] = {}
        self._latest: dict[str, CompiledFlow] = {}
        for flow in flows:
            self.add(flow)

    def add(self, flow: Flow) -> CompiledFlow:
        """Compile a flow into this registry (an uploaded form's new version, say)."""
        compiled = CompiledFlow(flow)
        add_form_texts(flow.texts)
        self._versions[(flow.id, flow.version)] = compiled
        current = self._latest.get(flow.id)
        if current is None or current.flow.version < flow.version:
            self._latest[flow.id] = compiled
        return compiled

    def has_version(self, flow_id: str, version: int) -> bool:
        """Tell whether this exact version is compiled here."""
        return (flow_id, version) in self._versions

    @classmethod
    def load(
        cls,
        paths: Iterable[Path] | None = None,
        *,
        check_translations: bool = True,
        extra_folder: Path | None = None,
    ) -> FlowRegistry:
        """Load flow files (default: the shipped library); report every broken file at once.

        `extra_folder` holds an organisation's own flows (MINGA_FLOWS_DIR). Their texts need not
        be in Minga's catalogs: a text without a translation is shown as written, so a team can
        add an assessment in its own language without a release.
        """
        files = sorted(library_path().glob("*.yaml")) if paths is None else list(paths)
        sources = [(path, check_translations) for path in files]
        if extra_folder is not None:
            own = [*extra_folder.glob("*.yaml"), *extra_folder.glob("*.xlsx")]
            sources += [(path, False) for path in sorted(own)]
        flows: list[Flow] = []
        errors: list[FlowError] = []
        for path, checked in sources:
            try:
                flows.append(_load(path, checked))
            except FlowErrors as exc:
                errors.extend(exc.errors)
        seen: dict[tuple[str, int], str] = {}
        for flow in flows:
            other = seen.setdefault((flow.id, flow.version), flow.source)
            if other != flow.source:
                errors.append(
                    FlowError(flow.source, f"flow {flow.id!r} v{flow.version} is also in {other}")
                )
        if errors:
            raise FlowErrors(errors)
        return cls(flows)

    def get(self, flow_id: str) -> CompiledFlow:
        """Return the newest version of a flow; raise KeyError if there is none."""
        return self._latest[flow_id]

    def for_run(self, flow_id: str, version: int) -> CompiledFlow | None:
        """Return the version a run started on, else the newest one, else None."""
        return self._versions.get((flow_id, version)) or self._latest.get(flow_id)

    def __contains__(self, flow_id: object) -> bool:
        return flow_id in self._latest

    def __iter__(self) -> Iterator[Flow]:
        return (compiled.flow for compiled in self._latest.values())

    def menu_flows(self) -> list[Flow]:
        """Return the flows a participant can pick from the menu, in the workshop's order.

        A flow's `params.session` places it (the action plan, session 5, before the barriers
        that ask what could stop it, session 6); flows without one come last, by kind.
        """
        chosen = [flow for flow in self if flow.menu]
        return sorted(
            chosen,
            key=lambda f: (
                int(f.params.get("session", NO_SESSION)),
                FLOW_KINDS.index(f.kind),
                int(f.params.get("order", 0)),
                f.id,
            ),
        )


def _load(path: Path, check_translations: bool) -> Flow:
    """Read a flow file: YAML, or an XLSForm spreadsheet (its texts carry their translations)."""
    if path.suffix.lower() == ".xlsx":
        from flows.xlsform import load_xlsform_file  # openpyxl only where a form is read

        return load_xlsform_file(path)
    return load_flow_file(path, check_translations=check_translations)
