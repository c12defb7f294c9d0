"""Uploaded forms on both backends: numbered versions, a workshop's list, bodies kept whole."""

from __future__ import annotations

import uuid

from storage import Cohort, Store, StoredForm
from tests.support import FakeClock


def _form(clock: FakeClock, flow_id: str, cohort: str | None, body: bytes) -> StoredForm:
    return StoredForm(uuid.uuid4().hex, flow_id, 0, cohort, f"{flow_id}.xlsx", "Encuesta",
                      clock.now(), body)  # fmt: skip


async def test_each_upload_is_the_next_version_and_lists_by_workshop(
    store: Store, clock: FakeClock
) -> None:
    cohort = Cohort(uuid.uuid4().hex, "AULA1", "Aula", "es", clock.now())
    await store.create_cohort(cohort)
    body = bytes(range(256)) * 10  # every byte value survives the trip
    assert await store.add_form(_form(clock, "pre", cohort.id, body)) == 1
    clock.advance(seconds=60)
    assert await store.add_form(_form(clock, "pre", cohort.id, b"v2")) == 2
    # A form that takes over a shipped flow's id starts above the shipped version.
    assert await store.add_form(_form(clock, "principles", None, b"p"), floor=1) == 2
    assert await store.forms_count() == 3
    listed = await store.forms(cohort.id)
    assert [(f.flow_id, f.version, f.body) for f in listed] == [("pre", 1, b""), ("pre", 2, b"")]
    everything = await store.forms(bodies=True)
    assert [f.body for f in everything if f.flow_id == "pre"] == [body, b"v2"]
    assert await store.pending_migrations() == 0
