"""Uploaded forms through plain statements: one insert that numbers the version, and reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from typing_extensions import override

from storage.codec import dump_time, load_time
from storage.queries.access import SQLAccess
from storage.records.forms import StoredForm

_LISTED = "id, flow_id, version, cohort_id, filename, title, created_at"
# The next version in the same statement as the insert: above the form's last and the floor.
_INSERT = (
    "INSERT INTO stored_forms (id, flow_id, version, cohort_id, filename, title, body, "
    "created_at) SELECT ?, ?, CASE WHEN COALESCE(MAX(version), 0) > ? "
    "THEN COALESCE(MAX(version), 0) + 1 ELSE ? + 1 END, ?, ?, ?, ?, ? "
    "FROM stored_forms WHERE flow_id = ?"
)


def _form(row: Sequence[Any], body: bytes = b"") -> StoredForm:
    created = load_time(row[6])
    assert created is not None
    return StoredForm(
        row[0], row[1], int(row[2]), row[3], row[4], row[5], created, bytes(body or b"")
    )


class FormQueries(SQLAccess):
    """Store and list uploaded forms."""

    @override
    async def add_form(self, form: StoredForm, floor: int = 0) -> int:
        params = (form.id, form.flow_id, floor, floor, form.cohort_id, form.filename, form.title,
                  form.body, dump_time(form.created_at), form.flow_id)  # fmt: skip
        await self._write([(_INSERT, params)])
        rows = await self._fetchall("SELECT version FROM stored_forms WHERE id = ?", (form.id,))
        return int(rows[0][0])

    @override
    async def forms(
        self, cohort_id: str | None = None, *, bodies: bool = False
    ) -> list[StoredForm]:
        columns = _LISTED + (", body" if bodies else "")
        where, params = ("WHERE cohort_id = ?", (cohort_id,)) if cohort_id else ("", ())
        rows = await self._fetchall(
            f"SELECT {columns} FROM stored_forms {where} ORDER BY created_at, flow_id, version",
            params,
        )
        return [_form(row, row[7] if bodies else b"") for row in rows]

    @override
    async def forms_count(self) -> int:
        rows = await self._fetchall("SELECT COUNT(*) FROM stored_forms")
        return int(rows[0][0])

    @override
    async def form_body(self, flow_id: str, version: int) -> bytes | None:
        rows = await self._fetchall(
            "SELECT body FROM stored_forms WHERE flow_id = ? AND version = ?", (flow_id, version)
        )
        return bytes(rows[0][0]) if rows else None
