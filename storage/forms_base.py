"""The uploaded forms' part of the `Store` interface: versions in, versions out."""

from __future__ import annotations

from abc import ABC, abstractmethod

from storage.records.forms import StoredForm


class FormStore(ABC):
    """Uploaded questionnaires, each version kept as the file that was sent."""

    @abstractmethod
    async def add_form(self, form: StoredForm, floor: int = 0) -> int:
        """Store a form as its next version (above `floor`, a shipped flow's) and return it."""

    @abstractmethod
    async def forms(
        self, cohort_id: str | None = None, *, bodies: bool = False
    ) -> list[StoredForm]:
        """Return stored versions (a workshop's, or all), oldest first; bodies only if asked."""

    @abstractmethod
    async def forms_count(self) -> int:
        """Count stored versions: a worker compares it to what it has loaded."""

    @abstractmethod
    async def form_body(self, flow_id: str, version: int) -> bytes | None:
        """Return the spreadsheet of one stored version, or None when there is none."""
