"""Records of the questionnaires facilitators upload: each version of a form, as it was sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StoredForm:
    """One version of an uploaded form: the spreadsheet's bytes and what lists it.

    `version` is given by the store when the form is added (one more than the form's last);
    `title` is the form's title in its first language, for lists; `body` is empty in lists.
    """

    id: str
    flow_id: str
    version: int
    cohort_id: str | None
    filename: str
    title: str
    created_at: datetime
    body: bytes = b""
