"""Forms uploaded to the database, kept in step with a process's registry.

Every worker serves every stored version: a worker that handles a message compares, at most
every few seconds, how many versions the database holds with how many it has loaded, and
compiles the ones it lacks. A message for a run on a version this worker has not loaded yet
makes it look at once, so a run always continues on the version it started on.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime

from flows.errors import FlowErrors, FormError
from flows.model import Flow
from flows.registry import FlowRegistry
from i18n import N_, form_text
from storage import Store, StoredForm

log = logging.getLogger(__name__)

REFRESH_SECONDS = 5.0
TAKEN_ID = N_(
    "The form_id “{id}” is already Minga's {kind} “{title}”. Choose another form_id on the "
    "settings sheet."
)


class StoredFlows:
    """Load stored form versions into a registry, and store new ones."""

    def __init__(
        self,
        store: Store,
        registry: FlowRegistry,
        *,
        every: float = REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.registry = store, registry
        self.every, self.clock = every, clock
        self._loaded: set[tuple[str, int]] = set()
        self._count = 0
        self._checked = float("-inf")
        self._lock = asyncio.Lock()

    async def refresh(self, *, force: bool = False) -> int:
        """Compile versions stored since the last look; return how many were added."""
        async with self._lock:  # concurrent messages: one of them looks, the others wait
            return await self._refresh(force)

    async def _refresh(self, force: bool) -> int:
        now = self.clock()
        if not force and now - self._checked < self.every:
            return 0
        self._checked = now
        count = await self.store.forms_count()
        if count == self._count:
            return 0
        added = 0
        for form in await self.store.forms():
            key = (form.flow_id, form.version)
            if key in self._loaded:
                continue
            body = await self.store.form_body(*key)
            if body is not None and self._compile(form, body):
                added += 1
        self._count = count
        return added

    def _compile(self, form: StoredForm, body: bytes) -> bool:
        from flows.xlsform import load_xlsform  # openpyxl is loaded once there is a form

        try:
            flow = load_xlsform(body, _source(form), version=form.version, fallback_id=form.flow_id)
        except FlowErrors as exc:
            # Checked when it was uploaded; a newer Minga may read it differently.
            log.error("stored form %s v%d no longer loads: %s", *_key(form), exc)
            self._loaded.add(_key(form))
            return False
        self.registry.add(flow)
        self._loaded.add(_key(form))
        return True

    async def add(self, raw: bytes, filename: str, cohort_id: str | None, now: datetime) -> Flow:
        """Check a form, store it as its flow's next version and compile it here at once.

        Raises `FlowErrors` (every problem, by sheet and row) and stores nothing when the form
        is broken.
        """
        from flows.xlsform import form_id, load_xlsform

        fallback = form_id(filename.rsplit(".", 1)[0]) or "form"
        # Read in a thread: a long form takes tens of milliseconds the loop should not wait.
        checked = await asyncio.to_thread(load_xlsform, raw, filename, fallback_id=fallback)
        floor = self._floor(checked)
        title = form_text(checked.title) or checked.title
        form = StoredForm(uuid.uuid4().hex, checked.id, 0, cohort_id, filename, title, now, raw)
        version = await self.store.add_form(form, floor)
        flow = await asyncio.to_thread(
            load_xlsform, raw, _source(form), version=version, fallback_id=fallback
        )
        self.registry.add(flow)
        self._loaded.add((flow.id, version))
        return flow

    def _floor(self, flow: Flow) -> int:
        """Return the version a new upload must go above; refuse an id another kind holds."""
        if flow.id not in self.registry:
            return 0
        current = self.registry.get(flow.id).flow
        if current.kind != flow.kind:
            raise FlowErrors(
                [FormError(flow.source, TAKEN_ID, sheet="settings", column="form_id",
                           id=flow.id, kind=current.kind, title=form_text(current.title) or
                           current.title)]
            )  # fmt: skip
        return current.version


def _key(form: StoredForm) -> tuple[str, int]:
    return form.flow_id, form.version


def _source(form: StoredForm) -> str:
    return f"{form.filename} (v{form.version})"
